"""App-wide messages: what workers report back to the widgets (messages up).

Widget-specific messages live in their widget; these cross from the App's sync worker and the
main screen's action workers to whoever shows the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from tui.core.events import SyncEvent
from tui.core.models import Batch

if TYPE_CHECKING:
    from datetime import datetime

    from textual.worker import Worker

    from tui.core.cost_report import CostReport
    from tui.core.lineage import LineageTally
    from tui.core.pace import Pace
    from tui.core.submit import SubmitProgress


class FollowsSyncEvents:
    """A pushed screen that shows live data (the inspector: its batch's download progress);
    the App hands it every burst of sync events the main screen gets."""

    def apply_sync_events(self, events: list[SyncEvent]) -> None:
        raise NotImplementedError


@dataclass
class WorkFailed(Message):
    """A screen's worker raised; the App's one reporter says what failed and why.

    ``Worker.StateChanged`` does not bubble past the worker's node, so screens forward their
    failures up as this message instead of reaching into the App."""

    worker: Worker[object]


@dataclass
class BatchesReloaded(Message):
    """Fresh copies of some batches from the store (after their results were downloaded)."""

    batches: list[Batch]


@dataclass
class SyncEventsArrived(Message):
    """The sync engine emitted events; they were buffered and arrive here in one go."""

    events: list[SyncEvent]


@dataclass
class ActionFinished(Message):
    """A cancel, delete, download or annotation finished (``error`` is set if it failed)."""

    verb: str
    batch_id: str
    message: str
    error: bool = False
    batch: Batch | None = None


@dataclass
class DetailLoaded(Message):
    """Lineage of the selected batch, read from the store for the detail pane."""

    batch_id: str
    parent: Batch | None
    children: list[Batch] = field(default_factory=list)
    tally: LineageTally | None = None
    pace: Pace | None = None
    """Throughput and ETA of a running batch, from its count history."""


@dataclass
class EtasLoaded(Message):
    """When each running batch should end, from its count history (those with an ETA)."""

    etas: dict[str, datetime]


@dataclass
class CostsLoaded(Message):
    """Cost so far of each batch with downloaded results, in USD."""

    costs: dict[str, float]
    estimates: dict[str, float] = field(default_factory=dict)
    """Forecast cost of running batches with stored requests (an upper bound on output)."""


@dataclass
class CostReportLoaded(Message):
    """The cost pane's report over the batches in view."""

    report: CostReport


@dataclass
class CreateFailed(Message):
    """A step of making a batch (check, estimate, plan, submit, retry) could not run.

    Posted by the submit screen and the retry modal to themselves; the screen stays open to
    say why.
    """

    step: str
    error: str


@dataclass
class CreateRefused(Message):
    """The same file or set of requests was sent before; the user may send it anyway."""

    error: str


@dataclass
class CreateProgressed(Message):
    """One step of creating batches, posted from the core's progress callback."""

    step: SubmitProgress
