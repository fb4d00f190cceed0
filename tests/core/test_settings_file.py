"""Saving the theme back to the config file: one line changes, comments and mode stay."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from tui.core.config import load_config, write_starter_config
from tui.core.errors import ConfigError
from tui.core.settings_file import save_setting


def test_the_theme_line_changes_and_the_rest_of_the_file_stays(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    write_starter_config(path)
    path.write_text("# mine: keep this\n" + path.read_text())
    os.chmod(path, 0o600)
    before = tomllib.loads(path.read_text())
    save_setting(path, "theme", "nord")
    text = path.read_text()
    assert text.startswith("# mine: keep this\n")
    after = tomllib.loads(text)
    assert after["settings"]["theme"] == "nord"
    assert {k: v for k, v in after.items() if k != "settings"} == {
        k: v for k, v in before.items() if k != "settings"
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path, {}).settings.theme == "nord"
    save_setting(path, "theme", "gruvbox")  # again: replaced, not added twice
    assert path.read_text().count("theme =") == 1


def test_a_file_without_settings_gets_the_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.work]\nprovider = "anthropic"\n')
    os.chmod(path, 0o640)
    save_setting(path, "theme", "nord")
    data = tomllib.loads(path.read_text())
    assert data == {"settings": {"theme": "nord"}, "profiles": {"work": {"provider": "anthropic"}}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_no_file_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config file"):
        save_setting(tmp_path / "none.toml", "theme", "nord")
    assert not (tmp_path / "none.toml").exists()
