"""A cross-process lock per profile, so two batchtui processes never sync one profile at once.

The TUI, ``batchtui watch`` and ``batchtui sync`` share one cache. Without this lock two of them
polling at the same moment would both download every ended batch's results (no harm to the
data: results are upserted, but all the work is done twice). Each sync round of a profile holds
an advisory lock on a small file beside the database (``sync-<profile>.lock``); the OS drops it
when the process exits, even on ``kill -9``, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


WAIT_STEP = 0.5
"""Seconds between attempts while waiting for another process to finish its sync."""

_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def lock_path(directory: Path, profile: str) -> Path:
    """The lock file of ``profile`` in ``directory`` (odd names are hashed, never trusted)."""
    if _SAFE_NAME.fullmatch(profile) and not profile.startswith("."):
        name = profile
    else:
        name = hashlib.sha256(profile.encode()).hexdigest()[:16]
    return directory / f"sync-{name}.lock"


class ProfileLock:
    """The sync lock of one profile; not reentrant, one holder per open file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it; never waits."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this process")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def acquire(self, *, step: float = WAIT_STEP) -> None:
        """Wait until the other process lets go (cancellable: it retries, never blocks)."""
        # Polled: an OS-level wait would block a thread that cannot be cancelled.
        while True:
            if self.try_acquire():
                return
            await asyncio.sleep(step)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)
