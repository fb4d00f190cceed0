"""The main screen: status bar, quick-filter tabs, the batch list and the selected batch's detail.

It routes rather than computes: sync events arrive from the App (attributes down), user actions
start workers for anything that touches the store or a provider, and their outcomes come back as
messages from :mod:`tui.ui.messages`. Which actions apply to the selected batch is decided in
:meth:`~tui.ui.screens.batch_actions.BatchActions.unavailable_reason` (the actions and their
workers live in that base class), used both by ``check_action`` (the footer dims them) and to
tell the user why a key did nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.events import Key
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from tui.core.events import (
    BatchChanged,
    ProfileStatusChanged,
    ResultsProgress,
    SyncEvent,
)
from tui.core.lineage import Lineage, read_lineage
from tui.core.models import Batch, ResultsState
from tui.core.pace import read_etas, read_pace
from tui.display.formatting import safe
from tui.ui.batch_marks import BatchMarks
from tui.ui.batch_view import SortColumn, View, in_view, needs_attention, parse_query
from tui.ui.messages import (
    ActionFinished,
    BatchesReloaded,
    CostReportLoaded,
    CostsLoaded,
    DetailLoaded,
    EtasLoaded,
    WorkFailed,
)
from tui.ui.screens.batch_actions import PROVIDER_ACTIONS, BatchActions
from tui.ui.widgets.batch_detail import BatchDetail
from tui.ui.widgets.batch_table import BatchTable
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.status_bar import StatusBar
from tui.ui.widgets.tab_strip import TabStrip

if TYPE_CHECKING:
    from tui.ui.services import Services
    from tui.ui.widgets.cost_pane import CostPane

_RELATIVE_TICK = 30.0
"""Seconds between rewrites of relative times ("3h ago"); cells that did not change stay."""


class MainScreen(BatchActions):
    """The dashboard of every batch; see the module docstring."""

    HELP_TITLE = "Batch list"
    """The heading of this screen's keys in the ? screen."""

    AUTO_FOCUS = "#batches"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide"), (190, "-xwide")]
    BINDINGS: ClassVar = [
        # Not in the footer: the list, always focused here, takes Enter itself (BatchTable.Chosen).
        Binding("enter", "open_requests", "Requests", show=False, id="main.open"),
        Binding("c", "cancel_batch", "Cancel", id="main.cancel"),
        Binding("d", "delete_batch", "Delete", id="main.delete"),
        Binding("n", "submit", "Submit file", show=False, id="main.submit"),
        Binding("R", "retry", "Retry failed", show=False, id="main.retry"),
        Binding("y", "copy_id", "Copy", show=False, id="main.copy"),
        Binding("e", "annotate", "Label", show=False, id="main.annotate"),
        Binding("a", "acknowledge", "Acknowledge", show=False, id="main.acknowledge"),
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("s", "sort", "Sort", id="main.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="main.reverse"),
        Binding("i", "toggle_ids", "Full ids", show=False, id="main.ids"),
        Binding("D", "download", "Download results", show=False, id="main.download"),
        Binding("dollar_sign", "toggle_costs", "Costs", id="main.costs"),
        Binding("at", "call_log", "API calls", show=False, id="main.calls"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="main.clear"),
        Binding("1", "view('active')", "Active", show=False, id="main.view.active"),
        Binding("2", "view('attention')", "Needs attention", show=False, id="main.view.attention"),
        Binding("3", "view('ended')", "Ended", show=False, id="main.view.ended"),
        Binding("4", "view('all')", "All", show=False, id="main.view.all"),
        Binding("space", "toggle_mark", "Mark", show=False, id="main.mark"),
        Binding("U", "unmark_all", "Unmark all", show=False, id="main.unmark"),
        Binding("equals_sign", "compare", "Compare marked", id="main.compare"),
        Binding("ctrl+e", "export_results", "Export results", show=False, id="main.export"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.costs: dict[str, float] = {}
        self.etas: dict[str, datetime] = {}
        """When each running batch should end, from its count history (the Left column)."""
        self.estimates: dict[str, float] = {}
        """Forecasts of running batches submitted here (their requests are stored)."""
        self._estimate_cache: dict = {}
        self._cached: list[Batch] | None = []
        """Batches read before the screen was mounted; None once it is."""
        self._lineages: dict[str, Lineage] = {}
        """Lineage read per batch, until the next change: moving the cursor back and forth
        over a batch with retries does not read a 100,000-request lineage again each time."""
        self._lineage_generation = 0
        """Bumped by every change, so a read that was under way then is not cached."""
        self.marks = BatchMarks()
        """Batches marked with Space: compared by =, canceled or deleted together."""

    def compose(self) -> ComposeResult:
        # Apply the width class now, not on the first Resize: otherwise the table is first laid
        # out at full width, then again beside the detail pane, and fills its rows twice.
        width = self.app.size.width
        chosen = max((w, name) for w, name in self.HORIZONTAL_BREAKPOINTS if width >= w)[1]
        for _, name in self.HORIZONTAL_BREAKPOINTS:
            self.set_class(name == chosen, name)
        yield StatusBar(id="status")
        yield TabStrip(
            ((view.value, view.label) for view in View), active=View.ALL.value, id="views"
        )
        with Container(id="body"):
            yield self._filled_table()
            yield BatchDetail(id="detail")  # the cost pane joins them on the first $
        yield Input(
            placeholder="filter: status:ended model:haiku created:7d ended:today !label:x text",
            id="filter",
        )
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.table.cost_of = lambda batch: self.costs.get(batch.id)
        self.table.eta_of = lambda batch: self.etas.get(batch.id)
        bar = self.status_bar
        bar.auto_poll = self.services.auto_poll
        bar.read_only = self.services.read_only
        bar.read_only_why = self.services.read_only_why
        bar.profiles = dict(self.services.engine.statuses)
        bar.clock = self.services.clock
        bar.timer = self.services.timer
        self.set_interval(_RELATIVE_TICK, self.tick)
        cached, self._cached = self._cached, None
        if cached:
            self.show_batches(cached)  # the rest of the screen (and the table, if read late)

    def _filled_table(self) -> BatchTable:
        """The list, with the cached batches if they were read before the screen was built:
        then its first frame, the footer's keys and the detail pane have them."""
        table = BatchTable(id="batches")
        table.cost_of = lambda batch: self.costs.get(batch.id)
        table.eta_of = lambda batch: self.etas.get(batch.id)
        table.marked = self.marks
        if self._cached:
            table.replace(self._cached, self.services.clock())
        return table

    # --- widgets --------------------------------------------------------------------------------

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def detail(self) -> BatchDetail:
        return self.query_one(BatchDetail)

    # --- what the App calls (attributes down) ---------------------------------------------------

    def show_batches(self, batches: list[Batch]) -> None:
        """The first fill, from the cache (kept until mounted if the cache was read first)."""
        if self._cached is not None:
            self._cached = batches  # not mounted yet: on_mount shows them
            return
        self.table.replace(batches, self.services.clock())
        self._after_change()
        self.load_etas()

    def apply_events(self, events: list[SyncEvent]) -> None:
        """Apply a burst of sync events to the list, the status bar and the detail pane."""
        changed = [e.batch for e in events if isinstance(e, BatchChanged)]
        for event in events:
            if isinstance(event, ProfileStatusChanged):
                self.status_bar.profiles[event.status.profile] = event.status
        if changed:
            self.table.upsert(changed, self.services.clock())
            self.load_etas()  # the poll kept a count of each running batch that moved
        self._after_change()
        downloaded = [e.batch_id for e in events if isinstance(e, ResultsProgress) and e.done]
        if downloaded:
            # A finished download changes fields no event carries (results state, models)
            # and the cost: read those batches again.
            self.reload(downloaded)
            self.load_costs()
        elif any(_results_arrived(e) for e in events if isinstance(e, BatchChanged)):
            self.load_costs()  # another process (sync, watch) downloaded them

    def show_costs(self, costs: dict[str, float], estimates: dict[str, float]) -> None:
        self.costs, self.estimates = costs, estimates
        self.table.tick(self.services.clock())
        self._show_detail()

    def set_poll_state(self, *, polling: bool, next_at: float | None) -> None:
        """The poll started or ended; the profiles' health (and last sync) as it left them."""
        bar = self.status_bar
        bar.polling, bar.next_poll_at = polling, next_at
        bar.profiles = dict(self.services.engine.statuses)
        bar.now = self.services.clock()
        bar.show()

    def tick(self) -> None:
        now = self.services.clock()
        self.table.tick(now)
        self.status_bar.now = now
        self.status_bar.show()
        self._show_detail()

    def _after_change(self) -> None:
        self._lineages.clear()
        self._lineage_generation += 1
        batches = self.table.batches.values()
        self.status_bar.counts = (
            sum(not b.is_terminal for b in batches),
            sum(needs_attention(b) for b in batches),
        )
        self.status_bar.now = self.services.clock()
        self.status_bar.show()
        self._label_tabs()
        self._show_detail()
        self.refresh_bindings()
        if self.has_class("-costs"):
            self.load_cost_report(self.table.shown_ids)

    def _label_tabs(self) -> None:
        batches = list(self.table.batches.values())
        tabs = self.query_one("#views", TabStrip)
        for view in View:
            shown = sum(1 for b in batches if in_view(b, view))
            tabs.set_label(view.value, f"{view.label} {shown}")

    def _show_detail(self) -> None:
        detail = self.detail
        batch = self.selected
        if detail.shown_batch is None or batch is None or detail.shown_batch.id != batch.id:
            detail.parent_batch, detail.children_batches, detail.tally = None, [], None
            detail.pace = None
        detail.shown_batch = batch
        detail.profile_gone = batch is not None and self.services.profile_gone(batch) is not None
        detail.now = self.services.clock()
        detail.cost = self.costs.get(batch.id) if batch else None
        detail.estimate = self.estimates.get(batch.id) if batch else None
        detail.show()

    # --- events from the widgets ----------------------------------------------------------------

    @on(BatchTable.Highlighted, "#batches")
    def _row_highlighted(self, event: BatchTable.Highlighted) -> None:
        if self.detail.shown_batch is not self.selected:  # not already shown by _after_change
            self._show_detail()
        self.refresh_bindings()
        batch = self.selected
        if batch is not None:
            self.load_lineage(batch)

    @on(BatchTable.Chosen, "#batches")
    def _row_chosen(self, event: BatchTable.Chosen) -> None:
        self.action_open_requests()

    @on(TabStrip.Changed, "#views")
    def _view_changed(self, event: TabStrip.Changed) -> None:
        if View(event.tab) is self.table.view:
            return
        self.table.configure(view=View(event.tab))
        self._after_change()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        query = parse_query(event.value, self.services.clock())
        self.table.configure(query=query)
        self._after_change()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        query = parse_query(event.value, self.services.clock())
        if query.unknown:
            unknown = ", ".join(map(safe, query.unknown))
            self.notify(f"Unknown filter field(s): {unknown}", markup=False)
        if not event.value.strip():
            self.query_one("#filter").remove_class("-shown")
        self.table.focus()

    def on_key(self, event: Key) -> None:
        """Keys of disabled actions reach here (no binding took them): say why."""
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or event.key not in binding.key.split(","):
                continue
            action = binding.action
            if self.services.read_only and action in PROVIDER_ACTIONS:
                self.notify(self.services.read_only_words(), markup=False)
                return
            reason = self.unavailable_reason(action)
            if reason:
                self.notify(reason, title=binding.description, severity="warning", markup=False)
            return

    # --- messages from the workers --------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker.StateChanged does not bubble: hand this screen's failures to the App's one
        # reporter, so no worker error is ever silent.
        if event.state is WorkerState.ERROR:
            self.post_message(WorkFailed(event.worker))

    def on_action_finished(self, message: ActionFinished) -> None:
        self.notify(
            message.message, severity="error" if message.error else "information", markup=False
        )
        if message.batch is not None:
            self.table.upsert([message.batch], self.services.clock())
            self._after_change()

    def on_batches_reloaded(self, message: BatchesReloaded) -> None:
        self.table.upsert(message.batches, self.services.clock())
        self._after_change()

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if self.detail.shown_batch is not None and self.detail.shown_batch.id == message.batch_id:
            self.detail.parent_batch = message.parent
            self.detail.children_batches = message.children
            self.detail.tally = message.tally
            self.detail.pace = message.pace
            self.detail.show()

    def on_etas_loaded(self, message: EtasLoaded) -> None:
        self.etas = message.etas
        self.table.tick(self.services.clock())

    def on_costs_loaded(self, message: CostsLoaded) -> None:
        self.show_costs(message.costs, message.estimates)

    def on_cost_report_loaded(self, message: CostReportLoaded) -> None:
        self.cost_pane.show(message.report)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PROVIDER_ACTIONS and self.services.read_only:
            return False
        if action == "compare":  # in the footer only once two batches are marked
            return self.marks.pair() is not None
        if action == "clear_filter":
            boxes = self.query("#filter")  # the footer asks while the screen is being built
            return bool(boxes and boxes.first(Input).value) or None
        return None if self.unavailable_reason(action) else True

    def action_open_requests(self) -> None:
        batch = self.selected
        if batch is None:
            return
        from tui.ui.screens.requests import RequestsScreen  # its widgets load on first use

        screen = RequestsScreen(
            self.services.store, batch, read_only=self.services.read_only, prices=self.prices
        )
        self.app.push_screen(screen)

    @property
    def cost_pane(self) -> CostPane:
        """The cost pane, built on first use: most sessions never show it."""
        from tui.ui.widgets.cost_pane import CostPane

        panes = self.query(CostPane)
        if panes:
            return panes.first()
        pane = CostPane(id="costs")
        self.query_one("#body").mount(pane)
        return pane

    def action_toggle_costs(self) -> None:
        """Show the cost pane (totals of the batches in view) in place of the detail pane."""
        self.cost_pane  # noqa: B018  # mounted before it is shown
        self.toggle_class("-costs")
        if self.has_class("-costs"):
            self.load_cost_report(self.table.shown_ids)

    def action_call_log(self) -> None:
        """Every HTTP call of this session (why a profile is red)."""
        from tui.ui.screens.call_log import CallLogScreen  # loaded on first use

        self.app.push_screen(CallLogScreen(self.services))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("-shown")
        self.table.focus()

    def action_sort(self) -> None:
        """The column picker; the column in use again reverses the order."""
        from tui.ui.screens.sort import SortScreen

        table = self.table
        self.app.push_screen(SortScreen(table.sort_column, table.sort_reverse), self._sorted)

    def _sorted(self, column: SortColumn | None) -> None:
        table = self.table
        if column is not None:
            reverse = not table.sort_reverse if column is table.sort_column else False
            table.configure(sort=(column, reverse))
            self.notify(f"Sorted by {column.title}", timeout=2, markup=False)

    def action_reverse_sort(self) -> None:
        self.table.configure(sort=(self.table.sort_column, not self.table.sort_reverse))

    def action_toggle_ids(self) -> None:
        self.table.configure(full_ids=not self.table.full_ids)

    def action_view(self, view: str) -> None:
        self.query_one("#views", TabStrip).active = View(view).value

    @work(group="costs", exclusive=True, exit_on_error=False, description="Pricing results")
    async def load_costs(self) -> None:
        """Cost so far of every batch with downloaded results (the cost module prices them),
        and a forecast of each running batch whose requests are stored here.

        A batch with any unpriced request has no known total: its cell shows "—", never $0.
        """
        from tui.core.cost_report import build_report
        from tui.core.costs import usd

        report = await build_report(
            self.services.store,
            self.prices,
            group_by="batch",
            estimate_cache=self._estimate_cache,
        )
        costs: dict[str, float] = {}
        estimates: dict[str, float] = {}
        for row in report.rows:
            if row.requests and row.known_paid is not None:
                (estimates if row.estimate else costs)[row.key] = usd(row.known_paid)
        self.post_message(CostsLoaded(costs, estimates))

    @work(group="cost-pane", exclusive=True, exit_on_error=False, description="Tallying costs")
    async def load_cost_report(self, batch_ids: list[str]) -> None:
        """The cost pane's report over the batches in view (running ones estimated)."""
        from tui.core.cost_report import build_report

        report = await build_report(
            self.services.store,
            self.prices,
            group_by="model",
            batch_ids=batch_ids,
            estimate_cache=self._estimate_cache,
        )
        self.post_message(CostReportLoaded(report))

    @work(group="etas", exclusive=True, exit_on_error=False, description="Reading the pace")
    async def load_etas(self) -> None:
        """The ETA of every running batch, for the list (the detail reads its own pace)."""
        running = [b.id for b in self.table.batches.values() if not b.is_terminal]
        now = self.services.engine_clock()
        self.post_message(EtasLoaded(await read_etas(self.services.store, running, now)))

    @work(group="detail", exclusive=True, exit_on_error=False, description="Reading lineage")
    async def load_lineage(self, batch: Batch) -> None:
        loaded = self._lineages.get(batch.id)
        if loaded is None:
            generation = self._lineage_generation
            loaded = await read_lineage(self.services.store, batch)
            if generation == self._lineage_generation:
                self._lineages[batch.id] = loaded
        now = self.services.engine_clock()
        pace = None if batch.is_terminal else await read_pace(self.services.store, batch.id, now)
        if loaded.parent is not None or loaded.children or pace is not None:
            lineage = (loaded.parent, loaded.children, loaded.tally)
            self.post_message(DetailLoaded(batch.id, *lineage, pace=pace))


def _results_arrived(event: BatchChanged) -> bool:
    complete = ResultsState.COMPLETE
    before = event.previous.results_state if event.previous is not None else None
    return event.batch.results_state is complete and before is not complete
