"""The bytes of the simulator's OpenAI files, kept on disk in a private temporary directory.

A 100,000-request batch's output file is 100-200 MB. Held in memory, every upload and every
finished batch would grow the simulator process by its files' size, so each file is written
once, in pieces, to a directory only this user can enter (``tempfile.mkdtemp`` makes it 0700),
and read back in pieces when it is downloaded. :class:`~tui.sim.openai_batches.FileRecord` keeps the
path and the byte count; the bytes themselves never sit in memory whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 256 * 1024
"""Write buffer and read size: big enough for few system calls, small enough not to matter."""


class Draft:
    """A file being written into the store, under a temporary name until it is kept."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self.size = 0
        self.kept = False
        self._handle = handle

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self.size += len(data)

    def write_lines(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.write(line)

    def clear(self) -> None:
        """Start again from empty (a form that sends a second ``file`` part replaces the first)."""
        self._handle.seek(0)
        self._handle.truncate()
        self.size = 0

    def close(self) -> None:
        self._handle.close()


class FileStore:
    """One file on disk per simulated file, in a directory made on first use.

    Made lazily because a simulator restores its state and seeds its demo workspace before it
    starts, and one that never sees an OpenAI file then leaves no directory behind.
    """

    def __init__(self) -> None:
        self._directory: tempfile.TemporaryDirectory[str] | None = None

    @property
    def root(self) -> Path:
        if self._directory is None:
            # TemporaryDirectory also removes it at exit should nobody call close().
            self._directory = tempfile.TemporaryDirectory(prefix="batchtui-sim-")
        return Path(self._directory.name)

    @contextlib.contextmanager
    def draft(self) -> Iterator[Draft]:
        """A new, empty file; removed on the way out unless :meth:`keep` took it."""
        fd, name = tempfile.mkstemp(dir=self.root, suffix=".part")
        draft = Draft(Path(name), os.fdopen(fd, "wb", buffering=CHUNK))
        try:
            yield draft
        finally:
            if not draft.kept:
                draft.close()
                draft.path.unlink(missing_ok=True)

    def keep(self, draft: Draft, name: str) -> Path:
        """Give a finished draft its final name (a file id) and return its path."""
        draft.close()
        path = self.root / name
        os.replace(draft.path, path)
        draft.kept = True
        return path

    def close(self) -> None:
        """Remove the directory and every file in it."""
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None


def read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """An open file's bytes, :data:`CHUNK` at a time."""
    while chunk := handle.read(CHUNK):
        yield chunk


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a file and their 1-based numbers, one line in memory at a time.

    Numbered as ``bytes.splitlines`` numbers them, which also ends a line at a lone ``\\r``:
    reading splits only at ``\\n``, so each piece is split again.
    """
    number = 0
    with path.open("rb") as handle:
        for piece in handle:
            for raw in piece.splitlines():
                number += 1
                if raw.strip():
                    yield number, raw
