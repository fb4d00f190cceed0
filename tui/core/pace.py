"""How fast a running batch goes, and when it should end, from the counts the polls saw.

Each poll that changes a running batch keeps its finished count (``count_samples``). The pace
is the finished requests over the time between the first and the last sample of the recent
window; the ETA is what is left at that pace. Anthropic reports no finished request until the
batch ends, so its batches have no pace until then (None: the screen says so).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.core.store import Store

WINDOW = timedelta(hours=1)
"""Only samples this recent count: a batch speeds up and slows down."""


@dataclass(frozen=True)
class Pace:
    per_minute: float
    """Requests finished per minute over the window."""
    eta: datetime | None
    """When the rest should be done at this pace (None: nothing moved)."""


def pace_of(samples: list[tuple[datetime, int, int]], now: datetime) -> Pace | None:
    """The pace from ``(at, finished, total)`` samples (oldest first), or None without two
    samples apart in time."""
    recent = [s for s in samples if s[0] >= now - WINDOW] or samples[-2:]
    if len(recent) < 2:
        return None
    (first_at, first_done, _), (last_at, last_done, total) = recent[0], recent[-1]
    minutes = (last_at - first_at).total_seconds() / 60
    if minutes <= 0:
        return None
    per_minute = max(0, last_done - first_done) / minutes
    if per_minute == 0:
        return Pace(0.0, None)
    left = max(0, total - last_done)
    return Pace(per_minute, last_at + timedelta(minutes=left / per_minute))


async def read_pace(store: Store, batch_id: str, now: datetime) -> Pace | None:
    return pace_of(await store.batches.count_samples(batch_id), now)


async def read_etas(store: Store, batch_ids: Iterable[str], now: datetime) -> dict[str, datetime]:
    """The ETA of each of ``batch_ids`` that has one (the batch list's Left column), read in
    one go rather than a query per row."""
    etas: dict[str, datetime] = {}
    for batch_id, samples in (await store.batches.count_samples_of(batch_ids)).items():
        pace = pace_of(samples, now)
        if pace is not None and pace.eta is not None:
            etas[batch_id] = pace.eta
    return etas
