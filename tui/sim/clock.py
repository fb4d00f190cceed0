"""The simulated clock: real time scaled by ``speed``, plus explicit jumps.

Everything in the simulator reads time from here, and every batch's state is computed from it
on demand, so moving the clock is all it takes to make batches progress. ``speed=0`` freezes it:
tests move it only with :meth:`SimClock.advance`, which keeps them deterministic.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """A clock that runs ``speed`` times faster than the wall clock and can be advanced."""

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        start = start or datetime.now(UTC).replace(microsecond=0)
        self._base_sim = start.timestamp()
        self._base_real = time.monotonic()
        self._speed = max(0.0, float(speed))

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Change the multiplier from now on; the time already simulated is kept."""
        self._rebase()
        self._speed = max(0.0, float(speed))

    def time(self) -> float:
        """Simulated Unix time in seconds (the simulator's internal unit)."""
        return self._base_sim + (time.monotonic() - self._base_real) * self._speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(
        self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0
    ) -> datetime:
        """Jump forward; returns the new simulated time."""
        delta = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days).total_seconds()
        if delta < 0:
            raise ValueError("the simulated clock only moves forward")
        self._rebase()
        self._base_sim += delta
        return self.now()

    def set_time(self, timestamp: float) -> None:
        """Jump to an absolute simulated time (used when restoring saved state)."""
        self._rebase()
        self._base_sim = timestamp

    def _rebase(self) -> None:
        real = time.monotonic()
        self._base_sim += (real - self._base_real) * self._speed
        self._base_real = real
