"""Config loading: good files, each kind of bad file, masking and file permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.core.config import (
    ConfigError,
    ProviderKind,
    effective_config_dict,
    load_config,
    mask_secret,
    write_starter_config,
)


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_good_file_gives_profiles_settings_and_prices(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        """
        [settings]
        poll_interval = 5
        theme = "nord"
        [profiles.work]
        provider = "anthropic"
        api_key_env = "WORK_KEY"
        base_url = "http://127.0.0.1:1/anthropic"
        [profiles.oa]
        provider = "openai"
        [prices."my-model"]
        input = 1
        output = 2.5
        """,
    )
    config = load_config(path, env={})
    assert config.from_file
    assert [p.name for p in config.profile(None)] == ["work", "oa"]
    work = config.profiles["work"]
    assert work.provider is ProviderKind.ANTHROPIC
    assert work.base_url == "http://127.0.0.1:1/anthropic"
    assert work.resolve_key({"WORK_KEY": "sk-1"}) == "sk-1"
    assert config.profiles["oa"].resolve_key({"OPENAI_API_KEY": "sk-2"}) == "sk-2"
    assert config.settings.poll_interval == 5
    assert config.settings.max_poll_interval == 300
    assert config.settings.theme == "nord"
    assert config.price_overrides == {"my-model": {"input": 1.0, "output": 2.5}}


def test_no_file_uses_standard_variables(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", env={"OPENAI_API_KEY": "sk-x"})
    assert list(config.profiles) == ["openai"]
    assert not config.from_file


def test_no_file_and_no_keys_says_what_to_do(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", env={})
    with pytest.raises(ConfigError, match=r"ANTHROPIC_API_KEY or OPENAI_API_KEY.*config init"):
        config.require_profiles()


def test_malformed_file_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.toml", '[profiles.a]\nprovider = "anthropic"\nbroken =\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert message.startswith(f"{path}:3:")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[profiles.p1]\nprovider = "gemini"\n', "profile 'p1'.*provider"),
        ('[profiles.p2]\nprovider = "openai"\ncolour = "red"\n', "profile 'p2'.*colour"),
        ("[settings]\npoll_interval = -1\n", "poll_interval"),
        ("[settings]\nspeed = 3\n", "unknown key"),
        ('[prices."m"]\ninput = "cheap"\n', "input must be a number"),
        ('[prices."m"]\nfoo = 1\n', "unknown key"),
        ("[extra]\n", "unknown section"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path / "c.toml", body), env={})


def test_missing_key_variable_names_the_profile(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[profiles.prod]\nprovider = "openai"\napi_key_env = "K"\n')
    profile = load_config(path, env={}).profiles["prod"]
    with pytest.raises(ConfigError, match=r"profile 'prod'.*variable K that should hold"):
        profile.resolve_key({})


def test_literal_key_in_readable_file_is_refused_with_chmod(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        '[profiles.p]\nprovider = "anthropic"\napi_key = "sk-ant-secret"\n',
        mode=0o644,
    )
    with pytest.raises(ConfigError, match=f"chmod 600 {path}") as info:
        load_config(path, env={})
    assert "sk-ant-secret" not in str(info.value)
    path.chmod(0o600)
    assert load_config(path, env={}).profiles["p"].resolve_key({}) == "sk-ant-secret"


def test_show_masks_every_key(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        '[profiles.a]\nprovider = "anthropic"\napi_key = "sk-ant-literal-123"\n'
        '[profiles.b]\nprovider = "openai"\n',
    )
    config = load_config(path, env={})
    shown = effective_config_dict(config, env={"OPENAI_API_KEY": "sk-openai-env-456"})
    text = repr(shown)
    assert "sk-ant-literal-123" not in text
    assert "sk-openai-env-456" not in text
    assert shown["profiles"]["a"]["api_key"] == mask_secret("sk-ant-literal-123")
    assert "sk-ant-literal-123" not in repr(config.profiles["a"])


def test_init_writes_a_private_starter_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    write_starter_config(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    config = load_config(path, env={"ANTHROPIC_API_KEY": "k"})
    assert set(config.profiles) == {"anthropic", "openai"}
    with pytest.raises(ConfigError, match="already exists"):
        write_starter_config(path)


@pytest.mark.parametrize("secret", ["abcd", "sk-12345678", "x" * 11])
def test_a_short_secret_is_masked_completely(secret: str) -> None:
    shown = mask_secret(secret)
    assert shown == f"…({len(secret)} chars)"
    assert not any(ch in shown for ch in set(secret) - set("…()chars 0123456789"))


def test_a_long_secret_shows_only_its_first_three_characters() -> None:
    assert mask_secret("sk-ant-0123456789abcdef") == "sk-…(23 chars)"
