"""Writing one setting back to the config file (the theme chosen in the TUI's palette).

The file is the user's: only the one line changes. Its comments, its other tables and its mode
stay as they were; the new text is checked to parse to the same document with the one value
changed before it replaces the old one (written beside it and renamed, so a crash leaves either
file whole, never half of one). A file that does not exist is not created: with no file,
batchtui runs on the environment's keys, and a file holding only a theme would change that.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from tui.core.errors import ConfigError

_TABLE = re.compile(r"^\s*\[+\s*([^\]]*?)\s*\]+\s*(#.*)?$")


def save_setting(path: Path, name: str, value: str | int | float | bool) -> None:
    """Set ``[settings] name = value`` in the config file at ``path``."""
    if not path.is_file():
        raise ConfigError(f"{path}: no config file to save to (`batchtui config init` makes one)")
    try:
        old_text = path.read_text(encoding="utf-8")
        before = tomllib.loads(old_text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    new_text = _with_setting(old_text, name, value)
    expected: dict[str, Any] = {**before, "settings": {**before.get("settings", {}), name: value}}
    if tomllib.loads(new_text) != expected:  # an unusual layout: rewrite it whole instead
        new_text = tomli_w.dumps(expected)
    _replace(path, new_text)


def _with_setting(text: str, name: str, value: object) -> str:
    """``text`` with the line of ``name`` in ``[settings]`` replaced, added, or the table added."""
    line = tomli_w.dumps({name: value}).strip()
    lines = text.splitlines()
    table: str | None = None
    settings_at: int | None = None
    for index, current in enumerate(lines):
        header = _TABLE.match(current)
        if header:
            table = header[1]
            if table == "settings":
                settings_at = index
            continue
        key = current.split("=", 1)[0].strip()
        if table == "settings" and key == name and "=" in current:
            comment = current[current.index("#") :] if "#" in current.split("=", 1)[1] else ""
            lines[index] = f"{line}  {comment}".rstrip() if comment else line
            return "\n".join(lines) + "\n"
    if settings_at is not None:
        lines.insert(settings_at + 1, line)
        return "\n".join(lines) + "\n"
    return "[settings]\n" + line + "\n\n" + text


def _replace(path: Path, text: str) -> None:
    """Write ``text`` beside ``path`` with its mode (0600 if it was), then rename over it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    temporary = path.with_name(f".{path.name}.saving")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # the umask may have narrowed it
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
