"""A batch and its retries: where every request stands after them all.

A retry is a new batch whose parent is the batch it retried; retries of retries make a tree.
:func:`latest_outcomes` walks it from the root and keeps, per custom_id, the outcome of the
newest batch that sent it. The TUI's detail pane (:func:`read_lineage`), ``batchtui lineage``,
the retry planner and the attention rules all read lineages through here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from tui.core.errors import BatchtuiError, NotFoundError
from tui.core.models import Batch, ResultType

if TYPE_CHECKING:
    from tui.core.store import Store


@dataclass(frozen=True)
class Outcome:
    """The newest outcome of one custom_id across a batch and its retries."""

    custom_id: str
    batch_id: str
    type: ResultType | None
    """``None``: the request was sent but its result is not in the cache yet."""


@dataclass(frozen=True)
class LineageTally:
    """Where the requests of a batch's whole lineage stand after all its retries."""

    batches: int
    requests: int
    """Distinct custom_ids across the lineage."""
    missing: int
    """Those whose newest outcome is not a success (failed, or still pending)."""


@dataclass
class LineageOutcomes:
    """Where every request of a lineage stands after all its retries."""

    root: Batch
    batches: list[Batch]
    """The root and every retry below it, oldest first."""
    outcomes: dict[str, Outcome]

    def missing(self) -> Iterator[Outcome]:
        """custom_ids still without a success, in custom_id order."""
        for custom_id in sorted(self.outcomes):
            outcome = self.outcomes[custom_id]
            if outcome.type is not ResultType.SUCCEEDED:
                yield outcome

    def counts(self) -> dict[str, int]:
        """How many custom_ids end in each outcome (``pending``: no result stored yet)."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            name = outcome.type.value if outcome.type else "pending"
            counts[name] = counts.get(name, 0) + 1
        return counts

    def tally(self) -> LineageTally:
        """Batches, distinct requests and those still without a success, counted."""
        missing = sum(1 for _ in self.missing())
        return LineageTally(len(self.batches), len(self.outcomes), missing)


async def latest_outcomes(store: Store, batch_id: str) -> LineageOutcomes:
    """The latest outcome per custom_id across the lineage of ``batch_id`` (root to leaves).

    A later batch's result replaces an earlier one's; a request sent in a batch whose results
    are not stored yet counts as pending there.
    """
    root = await store.batches.find(batch_id)
    while root.parent_id:
        try:
            root = await store.batches.get(root.parent_id)
        except BatchtuiError:
            break
    batches = await _descendants(store, root)
    outcomes: dict[str, Outcome] = {}
    for batch in batches:
        async for custom_id in store.requests.custom_ids(batch.id):
            outcomes[custom_id] = Outcome(custom_id, batch.id, None)
        async for custom_id, kind in store.results.outcomes(batch.id):
            outcomes[custom_id] = Outcome(custom_id, batch.id, kind)
    return LineageOutcomes(root=root, batches=batches, outcomes=outcomes)


async def _descendants(store: Store, root: Batch) -> list[Batch]:
    found, queue = [root], [root]
    while queue:
        for child in await store.batches.children(queue.pop(0).id):
            found.append(child)
            queue.append(child)
    return sorted(found, key=lambda b: b.created_at)


class Lineage(NamedTuple):
    """What the TUI's detail pane shows of a batch's retries."""

    parent: Batch | None
    children: list[Batch]
    tally: LineageTally | None


async def read_lineage(store: Store, batch: Batch) -> Lineage:
    """The batch's parent, retries and (when it has either) its lineage's tally."""
    parent = None
    if batch.parent_id:
        try:
            parent = await store.batches.get(batch.parent_id)
        except NotFoundError:
            parent = None
    children = await store.batches.children(batch.id)
    if parent is None and not children:
        return Lineage(None, children, None)
    lineage = await latest_outcomes(store, batch.id)
    return Lineage(parent, children, lineage.tally())
