"""The detail pane: everything about the selected batch, from counts to lineage and cost.

The screen sets the batch (and, once a worker has read them, its parent and retries) and calls
:meth:`BatchDetail.show`; nothing here touches the store. Labels, notes and provider messages
are untrusted text and go through :func:`~tui.display.formatting.plain`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.attention import BY_RETRIES, has_problem
from tui.core.known_models import canonical_models
from tui.core.models import Batch, ProviderKind, RequestCounts, ResultsState
from tui.display.formatting import (
    DASH,
    STATUS_LOOKS,
    ago,
    count,
    duration,
    models_text,
    money,
    plain,
    safe,
    short_id,
    timestamp,
)
from tui.display.glyphs import failure_style, glyph

if TYPE_CHECKING:
    from tui.core.lineage import LineageTally
    from tui.core.pace import Pace

_RESULTS_WORDS = {
    ResultsState.NONE: ("not downloaded", "yellow"),
    ResultsState.PARTIAL: ("downloading…", "yellow"),
    ResultsState.COMPLETE: ("downloaded", "green"),
    ResultsState.UNAVAILABLE: ("none available", "dim"),
}


class BatchDetail(VerticalScroll, can_focus=True):
    """Counts with a progress bar, clocks, lineage, label and notes, and cost of one batch.

    Focusable (Tab), so its lower part (lineage, notes) scrolls into reach at 80x24."""

    BINDINGS: ClassVar = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown_batch: Batch | None = None
        self.parent_batch: Batch | None = None
        self.children_batches: list[Batch] = []
        self.tally: LineageTally | None = None
        """The lineage's latest outcomes, when the batch has a parent or retries."""
        self.cost: float | None = None
        self.estimate: float | None = None
        """A running batch's forecast cost, shown while there is no real one."""
        self.now: datetime | None = None
        self.pace: Pace | None = None
        """Throughput and ETA of a running batch, from its count history."""
        self.profile_gone = False
        """The batch's profile is no longer in the config: nothing can be done to it."""

    def compose(self) -> ComposeResult:
        # One Static for title, bar and facts: each widget more costs start-up time.
        yield Static(id="batch-detail-body", markup=False)

    def show(self) -> None:
        """Re-render from the attributes (call after setting them)."""
        body = self.query_one("#batch-detail-body", Static)
        batch, now = self.shown_batch, self.now
        if batch is None or now is None:
            body.update(Text("No batch selected", style="dim"))
            return
        body.update(Group(self._title(batch), OutcomeBar(batch.counts), self._facts(batch, now)))

    def _title(self, batch: Batch) -> Text:
        look = STATUS_LOOKS[batch.status]
        text = Text(f"{look.glyph} {look.word}", style=look.style)
        if batch.provider_status != batch.status.value:
            text.append(f" ({safe(batch.provider_status)})", style="dim")
        if batch.deleted_remotely:
            text.append(f" · {deleted_words(batch)}", style="bold")
        text.append("\n")
        text.append(safe(batch.id), style="bold")
        return text

    def _facts(self, batch: Batch, now: datetime) -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for name, value in [*self._rows(batch, now), *self._annotations(batch)]:
            grid.add_row(name, value)
        return grid

    def _rows(self, batch: Batch, now: datetime) -> list[tuple[str, Text | str]]:
        c = batch.counts
        rows: list[tuple[str, Text | str]] = [
            ("Requests", self._counts(batch)),
            ("Profile", self._profile_text(batch)),
            ("Model", plain(", ".join(canonical_models(batch.models)) or models_text(()))),
            ("Created", f"{timestamp(batch.created_at, now)} ({ago(batch.created_at, now)})"),
        ]
        if batch.is_terminal:
            ended = batch.ended_at
            rows.append(("Ended", f"{timestamp(ended, now)} ({ago(ended, now)})"))
            rows.append(("Results", self._results(batch, _retention(batch, now))))
        else:
            deadline = batch.processing_deadline()
            left = deadline - now
            clock = f"in {duration(left)}" if left.total_seconds() > 0 else "now"
            rows.append(("Expires", f"{timestamp(deadline, now)} ({clock}; {c.processing:,} left)"))
            rows.append(("Pace", _pace_text(batch, self.pace, now)))
        if batch.acknowledged_at is not None and has_problem(batch):
            rows.append(("Attention", _acknowledged_text(batch, now)))
        if batch.cancel_initiated_at:
            rows.append(("Cancel asked", timestamp(batch.cancel_initiated_at, now)))
        reasons = batch.failure_reasons
        if reasons:
            more = f" (+{len(reasons) - 1:,} more)" if len(reasons) > 1 else ""
            # Wrapped, not cut: the reason is what the user came to read.
            rows.append(("Failed", plain(" ".join((reasons[0] + more).split()), one_line=False)))
        rows.append(("Cost", self._cost_text()))
        rows.extend(self._lineage(batch))
        return rows

    def _profile_text(self, batch: Batch) -> Text:
        text = plain(_profile(batch))
        if self.profile_gone:  # wrapped, not cut: it says why every action is refused
            text.no_wrap = False
            text.append(" · no longer in the config: read-only", style="bold yellow")
        return text

    def _cost_text(self) -> str:
        if self.cost is not None:
            return money(self.cost)
        if self.estimate is not None:  # running: from its stored requests, output at most
            return f"≈ {money(self.estimate)} estimated (at most, from its stored requests)"
        return f"{DASH} not priced"

    def _counts(self, batch: Batch) -> Text:
        c = batch.counts
        text = Text(f"{count(c.finished)}/{count(c.total)} done", end="")
        for word, value, style in (
            ("processing", c.processing, "bright_blue"),
            ("succeeded", c.succeeded, "green"),
            ("errored", c.errored, failure_style()),
            ("canceled", c.canceled, "yellow"),
            ("expired", c.expired, failure_style()),
        ):
            if value:
                text.append(f" · {value:,} {word}", style=style)
        return text

    def _results(self, batch: Batch, window: str) -> Text:
        word, style = _RESULTS_WORDS[batch.results_state]
        text = Text(word, style=style, end="")
        text.append(f"; {window}", style="dim")
        return text

    def _lineage(self, batch: Batch) -> list[tuple[str, Text | str]]:
        rows: list[tuple[str, Text | str]] = []
        if batch.parent_id:
            parent = self.parent_batch
            name = parent.label if parent and parent.label else short_id(batch.parent_id, 30)
            rows.append(("Retry of", plain(name)))
        if self.children_batches:
            names = ", ".join(short_id(child.id, 16) for child in self.children_batches)
            rows.append(("Retried by", plain(names)))
        if self.tally is not None:
            rows.append(("Lineage", _tally_text(self.tally)))
        return rows

    def _annotations(self, batch: Batch) -> list[tuple[str, Text | str]]:
        label = plain(batch.label) if batch.label else Text(DASH, style="dim")
        notes = plain(batch.notes, one_line=False) if batch.notes else Text("e to add", style="dim")
        return [("Label", label), ("Notes", notes)]


class OutcomeBar:
    """A full-width bar of a batch's requests, one colour per outcome, the unfinished part last.

    Finished parts are drawn ``━`` and the rest ``─``, so the progress reads without colour
    (``NO_COLOR``). Every outcome with a request gets at least one cell when the width allows.
    """

    STYLES = (
        ("succeeded", "green"),
        ("errored", "red"),
        ("expired", "magenta"),
        ("canceled", "yellow"),
    )

    def __init__(self, counts: RequestCounts) -> None:
        self.counts = counts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        parts = [(getattr(self.counts, name), style) for name, style in self.STYLES]
        cells = _cells([value for value, _ in parts] + [self.counts.processing], width)
        for (_, style), n in zip(parts, cells, strict=False):
            if n:
                yield Segment(glyph("━") * n, Style.parse(style))
        if cells[-1]:
            yield Segment(glyph("─") * cells[-1], Style.parse("bright_black"))
        yield Segment.line()


def _cells(values: list[int], width: int) -> list[int]:
    """Split ``width`` cells between ``values`` in proportion (largest remainders), giving each
    non-zero value at least one cell while cells last. All zero: all cells to the last value."""
    total = sum(values)
    if total <= 0:
        return [0] * (len(values) - 1) + [width]
    exact = [v * width / total for v in values]
    cells = [max(int(x), 1 if v else 0) for x, v in zip(exact, values, strict=True)]
    while sum(cells) > width:  # the minimum cells overshot: take from the largest
        cells[cells.index(max(cells))] -= 1
    order = sorted(range(len(values)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order[: width - sum(cells)]:
        cells[i] += 1
    return cells


def _tally_text(tally: LineageTally) -> Text:
    """ "3 batches · 12 of 20,000 still without a success" (or all succeeded), newest outcomes."""
    text = Text(f"{tally.batches} batches · ", end="")
    if tally.missing:
        text.append(f"{tally.missing:,} of {tally.requests:,} still without a success", "yellow")
    else:
        text.append(f"all {tally.requests:,} requests succeeded", style="green")
    return text


def _retention(batch: Batch, now: datetime) -> str:
    """When the provider deletes the results (or that it already has: never "keeps them")."""
    if batch.deleted_remotely:
        return "deleted at the provider; the cache keeps what was downloaded"
    left = batch.results_available_until - now
    if left.total_seconds() <= 0:
        return "the provider no longer serves them"
    return f"the provider deletes them in {duration(left)}"


def _pace_text(batch: Batch, pace: Pace | None, now: datetime) -> Text:
    """Throughput and ETA from the count history, said to be such; or why there is none."""
    if pace is None:
        if batch.provider is ProviderKind.ANTHROPIC:
            return Text("no ETA: Anthropic reports counts when the batch ends", style="dim")
        return Text("no ETA yet: counts of two polls are needed", style="dim")
    if pace.eta is None:
        return Text("no request finished lately: no ETA", style="yellow")
    eta = pace.eta
    when = f"in {duration(eta - now)}" if eta > now else "any moment"
    text = Text(f"ETA {timestamp(eta, now)} ({when})")
    text.append(f" · {pace.per_minute:,.1f} requests/min, from the count history", style="dim")
    return text


def _acknowledged_text(batch: Batch, now: datetime) -> Text:
    if batch.acknowledged_by == BY_RETRIES:
        return Text("cleared: its retries left no request without a success", style="green")
    return Text(f"acknowledged {timestamp(batch.acknowledged_at, now)} (a: undo)", style="dim")


def _profile(batch: Batch) -> str:
    if batch.profile == batch.provider.value:
        return batch.profile
    return f"{batch.profile} · {batch.provider.value}"


def deleted_words(batch: Batch) -> str:
    """What a delete through batchtui did at the provider (OpenAI has no batch delete)."""
    if batch.provider is ProviderKind.OPENAI:
        return "files deleted at OpenAI"
    return "deleted at the provider"
