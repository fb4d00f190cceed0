"""Where batchtui keeps its files.

The defaults come from platformdirs (never hand-made per-OS paths). ``--config``/``--data-dir``
and the ``BATCHTUI_CONFIG``/``BATCHTUI_DATA_DIR`` variables override them, so tests and users can
isolate a run completely.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "batchtui"
CONFIG_ENV = "BATCHTUI_CONFIG"
DATA_DIR_ENV = "BATCHTUI_DATA_DIR"
DATABASE_NAME = "batchtui.db"


@dataclass(frozen=True)
class AppPaths:
    """The config file and the data directory of one run."""

    config_file: Path
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_NAME

    def ensure_data_dir(self) -> Path:
        """Create the data directory, private to the user, and return it."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.data_dir


def resolve_paths(
    config: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> AppPaths:
    """Pick each path from the explicit argument, then the environment, then platformdirs."""
    env = os.environ if env is None else env
    config_file = config or env.get(CONFIG_ENV)
    data = data_dir or env.get(DATA_DIR_ENV)
    if not config_file or not data:
        # Imported here: platformdirs is cheap, but only needed when nothing overrides it.
        import platformdirs

        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        config_file = config_file or Path(dirs.user_config_dir) / "config.toml"
        data = data or dirs.user_data_dir
    return AppPaths(Path(config_file).expanduser(), Path(data).expanduser())
