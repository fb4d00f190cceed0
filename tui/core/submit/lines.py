"""Numbered lines of a requests file, read in bounded memory however long a line is.

``for line in handle`` builds each line whole, so one 300 MB line costs 300 MB and more to parse.
Here a line longer than the caller's limit is never kept: it is counted while it streams past
and reported as oversized, so a file with a huge line is refused before anything is uploaded,
in memory of about the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tui.core.errors import BatchtuiError

BLOCK = 1 << 20


def numbered_lines(
    path: Path, digest: Any, limit: Callable[[], int]
) -> Iterator[tuple[int, bytes | None, int]]:
    """(1-based number, bytes or None when longer than ``limit()``, size) of non-blank lines;
    ``digest`` (if any) is fed every byte read."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, also when the caller stops early
    except OSError as exc:
        raise BatchtuiError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        number, size = 1, 0
        parts: list[bytes] = []
        oversized = False
        while block := handle.read(BLOCK):
            if digest is not None:
                digest.update(block)
            start = 0
            while (end := block.find(b"\n", start)) != -1:
                piece = block[start : end + 1]
                size += len(piece)
                line = None if oversized or size > limit() else b"".join([*parts, piece])
                if line is None or line.strip():
                    yield number, line, size
                number, parts, size, oversized = number + 1, [], 0, False
                start = end + 1
            rest = block[start:]
            size += len(rest)
            if oversized or size > limit():
                oversized, parts = True, []  # past the limit: count, never keep
            elif rest:
                parts.append(rest)
        if size:
            line = None if oversized else b"".join(parts)
            if line is None or line.strip():
                yield number, line, size
