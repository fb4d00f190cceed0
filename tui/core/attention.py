"""Which batches still need the user's attention, and clearing it.

A batch needs attention when something failed or its results are not safely downloaded. It
stops needing it when the user acknowledges it (``a`` in the list), or when its retries leave
no request of the lineage without a success: then every failing batch of that lineage is
acknowledged ``by="retries"``, so "Needs attention" empties as the work gets done.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from tui.core.lineage import latest_outcomes
from tui.core.models import Batch, BatchStatus, ResultsState
from tui.core.store import Store

BY_USER = "you"
BY_RETRIES = "retries"

_PROBLEM_STATUSES = {BatchStatus.CANCELED, BatchStatus.EXPIRED, BatchStatus.FAILED}
_SETTLED_RESULTS = {ResultsState.COMPLETE, ResultsState.UNAVAILABLE}


def has_problem(batch: Batch) -> bool:
    """Something failed, or the batch ended and its results are not safely downloaded yet."""
    if batch.status in _PROBLEM_STATUSES or batch.counts.failed:
        return True
    return batch.status is BatchStatus.ENDED and batch.results_state not in _SETTLED_RESULTS


def needs_attention(batch: Batch) -> bool:
    """A problem nobody has dealt with yet (acknowledged, or fixed by retries)."""
    return batch.acknowledged_at is None and has_problem(batch)


async def settle_lineages(store: Store, batch_ids: Iterable[str], at: datetime) -> list[str]:
    """Acknowledge the failing batches of every lineage (of ``batch_ids``) that its retries
    have left with no request lacking a success; returns the batches newly acknowledged."""
    settled: list[str] = []
    seen_roots: set[str] = set()
    for batch_id in batch_ids:
        batch = await store.batches.get(batch_id)
        if batch.parent_id is None and not await store.batches.children(batch_id):
            continue  # no retries: only the user can acknowledge it
        lineage = await latest_outcomes(store, batch_id)
        if lineage.root.id in seen_roots:
            continue
        seen_roots.add(lineage.root.id)
        if any(True for _ in lineage.missing()):
            continue
        waiting = [b.id for b in lineage.batches if needs_attention(b) and b.counts.failed]
        await store.batches.acknowledge(waiting, at, BY_RETRIES)
        settled.extend(waiting)
    return settled
