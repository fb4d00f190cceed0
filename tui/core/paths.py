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

from tui.core.errors import StoreNotWritable

APP_NAME = "batchtui"
CONFIG_ENV = "BATCHTUI_CONFIG"
DATA_DIR_ENV = "BATCHTUI_DATA_DIR"
DATABASE_NAME = "batchtui.db"
DATA_DIR_HINT = "choose another with --data-dir or BATCHTUI_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    """The config file and the data directory of one run."""

    config_file: Path
    data_dir: Path
    config_explicit: bool = False
    """The config file was named (``--config``/``BATCHTUI_CONFIG``): it must exist."""

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_NAME

    def ensure_data_dir(self) -> Path:
        """Create the data directory, private to the user, and return it; a
        :class:`StoreNotWritable` that says why when it cannot be made."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except FileExistsError:
            raise StoreNotWritable(
                f"{self.data_dir}: cannot use it as the data directory: it is a file",
                cli_hint=DATA_DIR_HINT,
            ) from None
        except NotADirectoryError:
            raise StoreNotWritable(
                f"{self.data_dir}: cannot create the data directory: part of its path is a file",
                cli_hint=DATA_DIR_HINT,
            ) from None
        except OSError as exc:
            raise StoreNotWritable(
                f"{self.data_dir}: cannot create the data directory: {exc.strerror}",
                cli_hint=DATA_DIR_HINT,
            ) from None
        return self.data_dir


def resolve_paths(
    config: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> AppPaths:
    """Pick each path from the explicit argument, then the environment, then platformdirs."""
    env = os.environ if env is None else env
    config_file = config or env.get(CONFIG_ENV)
    explicit = bool(config_file)
    data = data_dir or env.get(DATA_DIR_ENV)
    if not config_file or not data:
        # Imported here: platformdirs is cheap, but only needed when nothing overrides it.
        import platformdirs

        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        config_file = config_file or Path(dirs.user_config_dir) / "config.toml"
        data = data or dirs.user_data_dir
    return AppPaths(Path(config_file).expanduser(), Path(data).expanduser(), explicit)
