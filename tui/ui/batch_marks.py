"""Batches marked with Space on the batch list: what compare and the bulk actions act on.

The main screen keeps one :class:`BatchMarks` and hands its ids down to the list, which draws a
mark in front of each. Marks keep their order: the first batch marked is A of a comparison, the
second B. With marks set, cancel and delete act on every marked batch to which they apply,
after one confirmation that lists them (:func:`bulk_stakes`).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from tui.core.models import Batch, BatchStatus, ResultsState
from tui.display.formatting import batch_name, safe, short_id

MARK_GLYPH = "◉"


class BatchMarks:
    """Marked batch ids, in the order they were marked."""

    def __init__(self) -> None:
        self._ids: list[str] = []

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, batch_id: object) -> bool:
        return batch_id in self._ids

    def toggle(self, batch_id: str) -> bool:
        """Mark ``batch_id``, or unmark it if marked; returns whether it is marked now."""
        if batch_id in self._ids:
            self._ids.remove(batch_id)
            return False
        self._ids.append(batch_id)
        return True

    def clear(self) -> None:
        self._ids.clear()

    def keep_only(self, known: Iterable[str]) -> None:
        """Forget marks of batches no longer in the list."""
        present = set(known)
        self._ids = [batch_id for batch_id in self._ids if batch_id in present]

    def pair(self) -> tuple[str, str] | None:
        """(A, B) when exactly two batches are marked."""
        if len(self._ids) != 2:
            return None
        return self._ids[0], self._ids[1]


def can_cancel(batch: Batch) -> bool:
    return not batch.is_terminal and batch.status is not BatchStatus.CANCELING


def can_delete(batch: Batch) -> bool:
    return batch.is_terminal


def bulk_stakes(
    verb: str, targets: list[Batch], skipped: list[Batch], gone: list[Batch] | None = None
) -> Text:
    """The body of the one confirmation of a bulk cancel or delete: every batch it acts on,
    and how many it leaves out (``skipped``: the action does not apply; ``gone``: their
    profile is no longer in the config)."""
    text = Text(end="")
    text.append(f"{verb} {len(targets)} marked batch(es):\n", style="bold")
    for batch in targets[:12]:
        text.append(f"  {short_id(batch.id, 14)}  ")
        text.append(batch_name(batch) if batch.label else batch.status.value)
        if verb == "Delete" and batch.results_state is not ResultsState.COMPLETE:
            text.append("  results NOT downloaded", style="bold red")
        text.append(f"  {batch.counts.total:,} requests\n")
    if len(targets) > 12:
        text.append(f"  … and {len(targets) - 12} more\n")
    if skipped:
        text.append(f"{len(skipped)} marked batch(es) skipped: {verb.lower()} does not apply.\n")
    if gone:
        text.append(gone_words(gone) + ".\n")
    text.append("This cannot be undone.", style="bold")
    return text


def split_marked(action: str, batches: list[Batch]) -> tuple[list[Batch], list[Batch]]:
    """The marked batches ``action`` (cancel_batch, delete_batch) applies to, and the rest."""
    applies = can_cancel if action == "cancel_batch" else can_delete
    targets = [batch for batch in batches if applies(batch)]
    return targets, [batch for batch in batches if not applies(batch)]


def gone_words(gone: list[Batch]) -> str:
    """How many marked batches a bulk action leaves out because their profile left the
    config (there is no key or endpoint to reach their provider with)."""
    names = sorted({safe(batch.profile) for batch in gone})
    which = (
        f"profile {names[0]!r} is"
        if len(names) == 1
        else f"profiles {', '.join(map(repr, names))} are"
    )
    return f"{len(gone)} marked batch(es) skipped: {which} not in the config"


def marked_reason(action: str, batches: list[Batch], gone: list[Batch] | None = None) -> str | None:
    """Why a bulk ``action`` does nothing on the marked batches (None when it applies to one);
    ``batches`` are those whose profile is configured, ``gone`` the others."""
    if split_marked(action, batches)[0]:
        return None
    if gone and not batches:
        return gone_words(gone) + ": nothing to act on (U unmarks all)."
    if action == "cancel_batch":
        return "None of the marked batches is running: nothing to cancel (U unmarks all)."
    return "None of the marked batches has ended: only ended batches can be deleted."
