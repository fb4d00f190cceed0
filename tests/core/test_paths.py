"""Path overrides: argument beats environment beats platformdirs."""

from __future__ import annotations

from pathlib import Path

from tui.core.paths import resolve_paths


def test_defaults_come_from_platformdirs(isolated_environment: Path) -> None:
    paths = resolve_paths(env={})
    assert paths.config_file == isolated_environment / ".config" / "batchtui" / "config.toml"
    assert paths.data_dir == isolated_environment / ".local" / "share" / "batchtui"
    assert paths.database.name == "batchtui.db"


def test_environment_overrides_defaults(tmp_path: Path) -> None:
    env = {"BATCHTUI_CONFIG": str(tmp_path / "c.toml"), "BATCHTUI_DATA_DIR": str(tmp_path / "d")}
    paths = resolve_paths(env=env)
    assert paths.config_file == tmp_path / "c.toml"
    assert paths.data_dir == tmp_path / "d"


def test_arguments_override_environment(tmp_path: Path) -> None:
    env = {"BATCHTUI_CONFIG": "/nope/c.toml", "BATCHTUI_DATA_DIR": "/nope/d"}
    paths = resolve_paths(tmp_path / "x.toml", tmp_path / "y", env=env)
    assert (paths.config_file, paths.data_dir) == (tmp_path / "x.toml", tmp_path / "y")


def test_data_dir_is_created_private(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "c.toml", tmp_path / "data", env={})
    assert paths.ensure_data_dir().stat().st_mode & 0o777 == 0o700
