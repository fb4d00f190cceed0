"""The per-request inspector of one batch: every request, filters, error groups, marks for retry.

The screen wires three widgets together (attributes down, messages up): the filter bar posts what
the user asked for, the screen builds a :class:`ResultFilter` and hands it to the list; the error
groups panel posts the group picked or marked; the list posts Enter and Space. All store reads
run in workers. The App pushes this screen on Enter in the batch list and forwards results
download progress through :meth:`RequestsScreen.results_progress`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from tui.core.costs import request_cost, usd
from tui.core.errors import BatchtuiError
from tui.core.events import ResultsProgress, SyncEvent
from tui.core.export import export_file_name, export_to_file
from tui.core.models import Batch, RequestResult, ResultsState, ResultType
from tui.core.prices import PriceTable, load_price_table
from tui.core.store import ErrorGroup, ResultFilter, Store
from tui.core.submit.retry import FAILED_TYPES
from tui.ui.messages import FollowsSyncEvents
from tui.ui.screens.export import ExportScreen, export_file_word, filter_words
from tui.ui.screens.request_detail import RequestDetailScreen
from tui.ui.widgets.error_groups import ErrorGroupsPanel
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.result_filters import OUTCOMES, ResultFilters
from tui.ui.widgets.results_view import ResultsView
from tui.ui.widgets.untrusted import one_line

GROUP_LIMIT = 500
"""Error groups listed; past a few dozen they are one-offs, which the filters still reach."""


SUMMARY_INTERVAL = 2.0
"""Seconds between refreshes of counts and groups while results are being downloaded."""


class RequestsScreen(FollowsSyncEvents, Screen):
    """Every request of one batch, for triage: what failed, why, and which to retry."""

    HELP_TITLE = "Requests of this batch"
    """The heading of this screen's keys in the ? screen."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="requests.back"),
        Binding("slash", "search", "Search", id="requests.search"),
        Binding("colon,ctrl+g", "jump", "Go to id", id="requests.jump"),
        Binding("x", "clear_filters", "Clear filters", id="requests.clear"),
        Binding("p", "toggle_groups", "Groups", id="requests.groups"),
        Binding("R", "retry", "Retry", id="requests.retry"),
        Binding("ctrl+e", "export", "Export", id="requests.export"),
        Binding("U", "unmark_all", "Unmark all", show=False, id="requests.unmark"),
        *(
            Binding(str(n), f"outcome('{key}')", f"{label} tab", show=False, id=f"requests.{key}")
            for n, (key, label, _) in enumerate(OUTCOMES, 1)
        ),
    ]

    class RetryRequested(Message):
        """The user asked to retry the marked requests and groups, or with no marks the
        failures in ``view`` (the App plans and confirms)."""

        def __init__(
            self,
            batch_id: str,
            custom_ids: frozenset[str],
            error_keys: frozenset[str],
            view: ResultFilter | None = None,
            *,
            truncated: bool = False,
        ) -> None:
            super().__init__()
            self.batch_id = batch_id
            self.custom_ids = custom_ids
            self.error_keys = error_keys
            self.view = view
            self.truncated = truncated
            """Resend the answers cut off at max_tokens instead of failures."""

    def __init__(
        self,
        store: Store,
        batch: Batch,
        *,
        read_only: bool = False,
        prices: PriceTable | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.shown_batch = batch
        self.read_only = read_only
        self.prices = prices if prices is not None else load_price_table()
        self.marked_ids: set[str] = set()
        """Requests marked with Space in the list."""
        self.marked_groups: set[str] = set()
        """Error group keys marked with Space in the groups panel."""
        self.group_key: str | None = None
        """The error group the list is filtered to, if any."""
        self.groups: list[ErrorGroup] = []
        self.stored = 0
        """How many results of the batch are in the store."""
        self.matching = 0
        self.outcome_counts: dict[ResultType, int] = {}
        self.truncated_count = 0
        """How many of them the list's filter matches."""
        self._summary_at = -SUMMARY_INTERVAL
        self.search_ready = True
        """False while the batch's search index is being built (rows are browsable)."""

    # --- layout ---

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="requests-title", markup=False)  # the label is untrusted
        yield ResultFilters(id="requests-filters")
        with Horizontal(id="requests-progress"):
            yield Label("", id="requests-progress-label")
            yield ProgressBar(total=100, show_eta=False, id="requests-progress-bar")
        with Horizontal(id="requests-body"):
            yield ResultsView(
                self.store, self.shown_batch.id, cost=self._cost_of, id="requests-list"
            )
            yield ErrorGroupsPanel(id="requests-groups")
        yield Input(placeholder="custom_id (Enter to go, Esc to cancel)", id="requests-jump")
        yield KeyFooter()

    def _title(self) -> str:
        batch = self.shown_batch
        name = batch.label or batch.id
        title = f"{one_line(name, 80)} · {batch.provider.value} · {batch.status.value}"
        return title + f" · {batch.counts.total:,} requests"

    def on_mount(self) -> None:
        self.query_one("#requests-groups", ErrorGroupsPanel).border_title = "Error groups"
        self.query_one("#requests-jump").display = False
        self._show_progress(self._downloading)
        self.query_one(ResultsView).focus()
        self._load_summary()
        self._index_for_search()

    @property
    def _downloading(self) -> bool:
        """The batch ended but its results are not all stored yet."""
        return self.shown_batch.is_terminal and self.shown_batch.results_state in (
            ResultsState.NONE,
            ResultsState.PARTIAL,
        )

    def _cost_of(self, result: RequestResult) -> float | None:
        created: date = self.shown_batch.created_at.date()
        cost = request_cost(result, created, self.prices)
        return None if cost is None else usd(cost.paid)

    # --- the App calls these (attributes down) ---

    def results_progress(self, stored: int, total: int, done: bool = False) -> None:
        """Results are being stored: show how far, and show the rows that arrived."""
        self.stored = stored
        finished = done or (total > 0 and stored >= total)
        if finished:
            self.shown_batch.results_state = ResultsState.COMPLETE
        self._show_progress(not finished, stored, total)
        self.query_one(ResultsView).reload()
        # The summary scans the batch: during a long download, refresh it now and then.
        if finished or time.monotonic() - self._summary_at >= SUMMARY_INTERVAL:
            self._load_summary()

    def apply_sync_events(self, events: list[SyncEvent]) -> None:
        """Pick this batch's latest :class:`ResultsProgress` out of a burst of sync events."""
        mine = [
            e
            for e in events
            if isinstance(e, ResultsProgress) and e.batch_id == self.shown_batch.id
        ]
        if mine:
            last = mine[-1]
            self.results_progress(last.stored, last.total, done=any(e.done for e in mine))

    def _show_progress(self, visible: bool, stored: int = 0, total: int | None = None) -> None:
        self.query_one("#requests-progress").display = visible
        if not visible:
            return
        total = total if total is not None else self.shown_batch.counts.total
        self.query_one(ProgressBar).update(total=total or None, progress=stored)
        label = f"Downloading results: {stored:,} of {total:,} stored; browse what has arrived"
        self.query_one("#requests-progress-label", Label).update(label)

    # --- store reads ---

    @work(group="requests-summary", exclusive=True, exit_on_error=False)
    async def _load_summary(self) -> None:
        """Counts per outcome, filter choices and error groups (all cheap grouped queries)."""
        self._summary_at = time.monotonic()
        results = self.store.results
        counts = await results.counts_by_type(self.shown_batch.id)
        self.outcome_counts = counts
        self.stored = sum(counts.values())
        filters = self.query_one(ResultFilters)
        filters.set_counts(counts)
        self._show_match_count()
        if self._downloading and self.query_one("#requests-progress").display:
            self._show_progress(True, self.stored, self.shown_batch.counts.total)
        self.groups = await results.error_groups(self.shown_batch.id, limit=GROUP_LIMIT)
        self._refresh_groups()
        # The slowest query last: it scans the batch, and rows the user pages to wait behind it.
        stop_reasons = await results.distinct_values(self.shown_batch.id, "stop_reason")
        self.truncated_count = stop_reasons.get("max_tokens", 0)
        if len(self.groups) < GROUP_LIMIT:
            error_types = self._error_types()
        else:  # the groups were cut short: count error types properly
            error_types = await results.distinct_values(self.shown_batch.id, "error_type")
        filters.set_choices(stop_reasons, error_types)

    @work(group="requests-index", exclusive=True, exit_on_error=False)
    async def _index_for_search(self) -> None:
        """Build the search index of a batch downloaded by ``batchtui sync`` (which leaves it
        for later), unless the App's background indexing did already. The rows are on screen
        meanwhile; the match count says search is not ready, and a search typed meanwhile is
        run again once it is."""
        results = self.store.results
        batch_id = self.shown_batch.id
        if self.store.db.read_only or self._downloading:
            return
        if not await results.search_pending(batch_id):
            return
        self.search_ready = False
        self._show_match_count()
        await results.build_search_index(batch_id)
        self.search_ready = True
        self._show_match_count()
        view = self.query_one(ResultsView)
        if view.filter.search:
            view.reload()

    def _error_types(self) -> dict[str, int]:
        """Counts per error type, summed from the groups (saves a scan of the batch)."""
        error_types: dict[str, int] = {}
        for group in self.groups:
            if group.error_type:
                error_types[group.error_type] = error_types.get(group.error_type, 0) + group.count
        return dict(sorted(error_types.items(), key=lambda item: -item[1]))

    @work(group="requests-jump", exclusive=True, exit_on_error=False)
    async def _jump_to(self, custom_id: str) -> None:
        view = self.query_one(ResultsView)
        row = await self.store.results.position(self.shown_batch.id, custom_id, view.filter)
        if row >= view.count:
            self.notify(
                "No request at or after that id in this view.", severity="warning", markup=False
            )
            return
        view.move_cursor(row)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group.startswith("requests-"):
            self.notify(
                str(event.worker.error), title="Cannot read results", severity="error", markup=False
            )

    # --- filters ---

    def _current_filter(self) -> ResultFilter:
        bar = self.query_one(ResultFilters)
        outcome = bar.outcome
        return ResultFilter(
            types=frozenset({outcome}) if outcome else None,
            stop_reason=bar.stop_reason,
            error_type=bar.error_type,
            error_key=self.group_key,
            search=bar.search or None,
        )

    def _apply_filter(self) -> None:
        view = self.query_one(ResultsView)
        flt = self._current_filter()
        if flt != view.filter:  # the tabs announce their first tab at mount: nothing to redo
            view.set_filter(flt)

    @on(ResultFilters.Changed)
    def _filters_changed(self, event: ResultFilters.Changed) -> None:
        self._apply_filter()
        if event.submitted:
            self.query_one(ResultsView).focus()

    @on(ResultsView.CountChanged)
    def _count_changed(self, event: ResultsView.CountChanged) -> None:
        self.matching = event.count
        self._show_match_count()

    def _show_match_count(self) -> None:
        text = f"{self.matching:,} of {self.stored:,}"
        if self.group_key is not None:
            text += " in group"
        if not self.search_ready:
            text += " · search: indexing…"
        self.query_one(ResultFilters).set_match_count(text)

    # --- error groups ---

    def _refresh_groups(self) -> None:
        panel = self.query_one(ErrorGroupsPanel)
        panel.show(self.groups, marked=self.marked_groups, active_key=self.group_key)

    @on(ErrorGroupsPanel.GroupSelected)
    def _group_selected(self, event: ErrorGroupsPanel.GroupSelected) -> None:
        self.group_key = event.key
        self._refresh_groups()
        self._apply_filter()
        if event.key is not None:
            self.query_one(ResultsView).focus()

    @on(ErrorGroupsPanel.GroupMarkToggled)
    def _group_mark_toggled(self, event: ErrorGroupsPanel.GroupMarkToggled) -> None:
        self.marked_groups ^= {event.key}
        self._refresh_groups()
        self._marks_changed()

    # --- marks and retry ---

    @on(ResultsView.MarkToggled)
    def _mark_toggled(self, event: ResultsView.MarkToggled) -> None:
        self.marked_ids ^= {event.custom_id}
        self.query_one(ResultsView).set_marked(self.marked_ids)
        self._marks_changed()

    @property
    def marked_count(self) -> int:
        """Requests the retry would cover (a request both marked and in a marked group counts
        twice; the retry plan removes such duplicates)."""
        in_groups = sum(g.count for g in self.groups if g.key in self.marked_groups)
        return len(self.marked_ids) + in_groups

    def _marks_changed(self) -> None:
        self.refresh_bindings()

    @property
    def active_bindings(self) -> dict:
        """The footer's bindings, with the number of marked requests in the retry label."""
        bindings = super().active_bindings
        active = bindings.get("R")
        if active is not None and self.marked_count:
            label = f"Retry ({self.marked_count:,})"
            bindings["R"] = active._replace(binding=replace(active.binding, description=label))
        return bindings

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return not self.read_only
        return True

    def action_retry(self) -> None:
        if self.read_only:
            self.notify("Read-only mode: retry is disabled.", severity="warning")
            return
        if self.marked_count:
            ids, keys = frozenset(self.marked_ids), frozenset(self.marked_groups)
            self.post_message(self.RetryRequested(self.shown_batch.id, ids, keys))
            return
        # No marks: the failures in view, as R on the batch list retries every failure.
        view = self._current_filter()
        failed_types = (view.types or FAILED_TYPES) & FAILED_TYPES
        in_view = sum(self.outcome_counts.get(kind, 0) for kind in failed_types)
        answers = view.types == {ResultType.SUCCEEDED} or view.stop_reason == "max_tokens"
        if self.truncated_count and answers:
            # Nothing failed here, but answers were cut off: offer to resend those.
            ids, batch_id = frozenset[str](), self.shown_batch.id
            self.post_message(self.RetryRequested(batch_id, ids, ids, view, truncated=True))
            return
        if not in_view or not self.matching:
            self.notify(
                "No failed request in view: pick the Errored tab, or mark requests "
                "(Space in the list) or error groups.",
                title="Nothing to retry",
                markup=False,
            )
            return
        self.post_message(self.RetryRequested(self.shown_batch.id, frozenset(), frozenset(), view))

    def action_unmark_all(self) -> None:
        self.marked_ids.clear()
        self.marked_groups.clear()
        self.query_one(ResultsView).set_marked(self.marked_ids)
        self._refresh_groups()
        self._marks_changed()

    # --- export ---

    def action_export(self) -> None:
        """Write the results in view (this filter, every page) to a file the user names."""
        if not self.matching:
            self.notify("Nothing to export: no result matches this view.", severity="warning")
            return
        flt = self._current_filter()
        scope = f"{self.matching:,} result(s) of {self.shown_batch.id}: {filter_words(flt)}"
        default = Path.cwd() / export_file_name(self.shown_batch.id, export_file_word(flt), "jsonl")

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._export(path, flt)

        self.app.push_screen(ExportScreen(scope, default, cwd=Path.cwd()), chosen)

    @work(name="export", group="requests-export", exclusive=True, exit_on_error=False)
    async def _export(self, path: Path, flt: ResultFilter) -> None:
        try:
            written = await export_to_file(self.store, self.shown_batch.id, path, flt=flt)
        except BatchtuiError as exc:
            self.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        self.notify(f"{written:,} result(s) written to {path}", title="Exported", markup=False)

    # --- navigation ---

    @on(ResultsView.Selected)
    def _open_request(self, event: ResultsView.Selected) -> None:
        view = self.query_one(ResultsView)
        screen = RequestDetailScreen(
            self.store,
            self.shown_batch,
            event.custom_id,
            prices=self.prices,
            list_filter=view.filter,
        )
        self.app.push_screen(screen, self._back_from_request)

    def _back_from_request(self, custom_id: str | None) -> None:
        """n/p/f moved on in the request detail: the list's cursor follows."""
        view = self.query_one(ResultsView)
        current = view.cursor_result
        if custom_id and (current is None or current.custom_id != custom_id):
            self._jump_to(custom_id)

    def action_search(self) -> None:
        self.query_one(ResultFilters).focus_search()

    def action_jump(self) -> None:
        jump = self.query_one("#requests-jump", Input)
        jump.display = True
        jump.value = ""
        jump.focus()

    @on(Input.Submitted, "#requests-jump")
    def _jump_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_jump()
        if event.value.strip():
            self._jump_to(event.value.strip())

    def _close_jump(self) -> None:
        self.query_one("#requests-jump").display = False
        self.query_one(ResultsView).focus()

    def action_clear_filters(self) -> None:
        self.group_key = None
        self._refresh_groups()
        self.query_one(ResultFilters).clear()

    def action_toggle_groups(self) -> None:
        panel = self.query_one(ErrorGroupsPanel)
        panel.display = not panel.display

    def action_back(self) -> None:
        """Esc leaves an input first, then the screen."""
        focused = self.focused
        if isinstance(focused, Input):
            if focused.id == "requests-jump":
                self._close_jump()
            else:
                self.query_one(ResultsView).focus()
            return
        self.dismiss()

    def action_outcome(self, key: str) -> None:
        """1-5: the outcome tabs from the keyboard (they never take the focus)."""
        self.show_outcome({k: outcome for k, _, outcome in OUTCOMES}[key])

    def show_outcome(self, outcome: ResultType | None) -> None:
        """Switch the outcome tab (used by the App to open the screen on "errored" directly)."""
        self.query_one(ResultFilters).select_outcome(outcome)
