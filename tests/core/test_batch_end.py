"""Batch-end pieces: the terminal notification's escape, the command's environment, the config."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import make_batch

from tui.core.batch_end import (
    command_environment,
    outcome_exit_code,
    terminal_notification,
)
from tui.core.config import Config, Profile, load_config
from tui.core.errors import ConfigError
from tui.core.models import Batch, BatchStatus, ProviderKind, RequestCounts, utcnow


def batch(status: BatchStatus, counts: RequestCounts, label: str | None = None) -> Batch:
    return make_batch(
        "msgbatch_1",
        status=status,
        provider_status=status.value,
        counts=counts,
        created_at=utcnow(),
        label=label,
    )


def test_a_hostile_label_cannot_end_or_start_an_escape_sequence() -> None:
    text = "done\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J; more"
    osc9 = terminal_notification("batchtui", text)
    assert osc9.startswith("\x1b]9;batchtui: done")
    assert osc9.count("\x1b") == 1
    assert osc9.count("\x07") == 1
    assert osc9.endswith("\x07")
    osc777 = terminal_notification("a;b", text, "osc777")
    assert osc777.startswith("\x1b]777;notify;a,b;done")
    assert osc777.count("\x1b") == 1
    assert osc777.count("\x07") == 1


def test_exit_codes_tell_the_outcomes_apart() -> None:
    assert outcome_exit_code(batch(BatchStatus.ENDED, RequestCounts(succeeded=3))) == 0
    assert outcome_exit_code(batch(BatchStatus.ENDED, RequestCounts(succeeded=2, errored=1))) == 10
    assert outcome_exit_code(batch(BatchStatus.CANCELED, RequestCounts(canceled=3))) == 11
    assert outcome_exit_code(batch(BatchStatus.EXPIRED, RequestCounts(expired=3))) == 12
    assert outcome_exit_code(batch(BatchStatus.FAILED, RequestCounts())) == 13


def test_the_command_environment_holds_the_batch_and_no_key(tmp_path: Path) -> None:
    config = Config(
        path=tmp_path / "c.toml",
        profiles={
            "work": Profile("work", ProviderKind.ANTHROPIC, api_key_env="WORK_KEY"),
            "lit": Profile("lit", ProviderKind.OPENAI, api_key="sk-literal-123456"),
        },
    )
    base = {
        "PATH": "/bin",
        "WORK_KEY": "sk-work-999",
        "OPENAI_API_KEY": "sk-std",
        "COPY_OF_KEY": "sk-work-999",
        "ALSO_LITERAL": "sk-literal-123456",
        "BATCHTUI_STATUS": "stale",
    }
    ended = batch(BatchStatus.ENDED, RequestCounts(succeeded=2, expired=1), label="eval")
    env = command_environment(ended, config, base)
    assert env["PATH"] == "/bin"
    assert (env["BATCHTUI_STATUS"], env["BATCHTUI_FAILED"], env["BATCHTUI_LABEL"]) == (
        "ended",
        "1",
        "eval",
    )
    assert env["BATCHTUI_EXIT_CODE"] == "10"
    for gone in ("WORK_KEY", "OPENAI_API_KEY", "COPY_OF_KEY", "ALSO_LITERAL"):
        assert gone not in env


def write(tmp_path: Path, settings: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[settings]\n{settings}\n")
    return path


def test_on_batch_end_is_split_like_a_shell_would_but_no_shell_runs_it(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "on_batch_end = \"notify-send 'batch done' $X\""))
    assert config.settings.on_batch_end == ("notify-send", "batch done", "$X")
    listed = load_config(write(tmp_path, 'on_batch_end = ["sh", "-c", "echo $X"]'))
    assert listed.settings.on_batch_end == ("sh", "-c", "echo $X")
    assert load_config(write(tmp_path, "notify_terminal = true")).settings.notify_terminal


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('on_batch_end = "echo \'unclosed"', "on_batch_end"),
        ("on_batch_end = 3", "string or a list"),
        ('notify_terminal = "yes"', "true or false"),
        ('notify_sequence = "osc52"', "osc9, osc777"),
        ("on_batch_end_timeout = 0", "positive"),
    ],
)
def test_bad_notification_settings_are_named(tmp_path: Path, line: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        load_config(write(tmp_path, line))
