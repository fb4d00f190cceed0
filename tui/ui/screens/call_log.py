"""The ``@`` screen: every HTTP call batchtui made this session, newest first.

It is how a user over SSH finds out why a profile is red: the 429s with the wait the provider
asked for, the 5xx, the calls that got no answer at all, each with the provider's request id
to quote to support. The calls come from the session's :class:`~tui.core.calllog.CallLog`
(bounded, so the table is too: one DataTable, never a widget per call). The table is redrawn
once a second while the screen is open, and only when a call was recorded.

The pane under the table follows the table's cursor through a watch on it, called as the
cursor moves, so it is redrawn in the same frame as the highlight. (It used to follow the
``RowHighlighted`` message, which reaches the screen only after the table has worked through
its queue; while calls arrive that queue holds the re-measuring of every row of a redraw, and
the pane showed the previous call for up to a second.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.core.calllog import CallRecord
from tui.display.formatting import DASH, plain

if TYPE_CHECKING:
    from datetime import tzinfo

    from tui.core.calllog import CallLog
    from tui.ui.services import Services

REFRESH_SECONDS = 1.0
"""How often the open screen looks for new calls."""

ROUTE_WIDTH = 30
"""Columns of the route; the selected call's full route is shown under the table."""

TROUBLE = "⚠"
"""Marks a 429, a 5xx or a call without a response (a glyph, so it survives NO_COLOR)."""

COLUMNS = ("Time", "Profile", "Status", "Retry", "Wait", "Latency", "Method", "Route", "Bytes")
"""What decides why a profile is red comes first, so that 80 columns show it."""


class CallLogScreen(Screen[None]):
    """The session's API calls in a filterable table; Esc goes back."""

    HELP_TITLE = "API calls"
    BINDINGS: ClassVar = [
        Binding("escape", "back", "Back", id="calls.back"),
        Binding("q", "back", "Back", show=False, id="calls.quit"),  # q quits from the list only
        Binding("slash", "filter", "Filter", id="calls.filter"),
        Binding("t", "toggle_trouble", "Only trouble", id="calls.trouble"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.call_log: CallLog = services.call_log
        self.zone: tzinfo | None = services.clock().tzinfo
        self.only_trouble = False
        self.words: list[str] = []
        self._shown_version = -1
        self._shown: list[CallRecord] = []

    def compose(self) -> ComposeResult:
        yield Static(id="calls-title")
        yield Input(placeholder="filter: profile, route, status, request id…", id="calls-filter")
        table: DataTable[Text] = DataTable(id="calls-table", cursor_type="row", zebra_stripes=True)
        for name in COLUMNS:
            table.add_column(name, key=name, width=ROUTE_WIDTH if name == "Route" else None)
        table.add_column("Request id", key="Request id")
        yield table
        yield Static(id="calls-detail")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        self.watch(table, "cursor_coordinate", self._cursor_moved, init=False)
        self.show_calls()
        table.focus()
        self.set_interval(REFRESH_SECONDS, self._refresh_if_new, name="calls-refresh")

    # --- the table ---------------------------------------------------------------------------

    def _refresh_if_new(self) -> None:
        if self.call_log.version != self._shown_version:
            self.show_calls()

    def show_calls(self) -> None:
        """Redraw from the log (filtered), keeping the cursor on the same call if it is shown."""
        self._shown_version = self.call_log.version
        calls = self.call_log.records()
        shown = [call for call in calls if self._matches(call)]
        table: DataTable[Text] = self.query_one(DataTable)
        selected = self._selected_seq()
        self._shown = []  # the cursor moves while the rows are replaced: show once, below
        table.clear()
        table.add_rows(self._row(call) for call in shown)
        self._shown = shown
        if selected is not None:
            for index, call in enumerate(shown):
                if call.seq == selected:
                    table.move_cursor(row=index, animate=False)
                    break
        self._show_title(calls, shown)
        self._show_detail()

    def _selected_seq(self) -> int | None:
        table: DataTable[Text] = self.query_one(DataTable)
        if not self._shown or table.cursor_row >= len(self._shown) or table.cursor_row <= 0:
            return None  # at the top, the newest call stays selected as calls arrive
        return self._shown[table.cursor_row].seq

    def _row(self, call: CallRecord) -> list[Text]:
        style = _trouble_style(call)
        status = call.describe_status()
        if call.is_trouble:
            status = f"{TROUBLE} {status}"
        when = call.started_at.astimezone(self.zone).strftime("%H:%M:%S")
        return [
            Text(when, style="dim"),
            plain(call.profile),
            Text(status, style=style),
            Text(str(call.attempt) if call.attempt else "", justify="right"),
            Text(_seconds(call.retry_after) if call.retry_after is not None else ""),
            Text(_seconds(call.latency), justify="right"),
            Text(call.method),
            plain(call.route, style=style),
            Text(_bytes(call), justify="right"),
            plain(call.request_id, style="dim"),
        ]

    def _matches(self, call: CallRecord) -> bool:
        if self.only_trouble and not call.is_trouble:
            return False
        if not self.words:
            return True
        text = " ".join(
            (call.profile, call.method, call.route, call.describe_status(), call.request_id)
            + ((call.error,) if call.error else ())
        ).lower()
        return all(word in text for word in self.words)

    def _show_title(self, calls: list[CallRecord], shown: list[CallRecord]) -> None:
        trouble = sum(1 for call in calls if call.is_trouble)
        parts = [f"API calls this session: {len(calls):,}"]
        if trouble:
            parts.append(f"{TROUBLE} {trouble:,} rate-limited, failed or unanswered")
        if len(shown) != len(calls):
            parts.append(f"{len(shown):,} shown")
        if len(calls) >= self.call_log.capacity:
            parts.append(f"the newest {self.call_log.capacity:,} kept")
        self.query_one("#calls-title", Static).update(Text(" · ".join(parts)))

    def _show_detail(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        detail = self.query_one("#calls-detail", Static)
        if not self._shown:
            empty = "No calls match." if self.words or self.only_trouble else "No calls yet."
            detail.update(Text(empty, style="dim"))
            return
        call = self._shown[min(max(table.cursor_row, 0), len(self._shown) - 1)]
        lines = Text(f"{call.method} ")
        lines.append_text(plain(call.route))
        lines.append("\n")
        notes: list[Text] = []
        if call.request_id:
            notes.append(Text("request id ").append_text(plain(call.request_id)))
        if call.error:
            notes.append(plain(f"no response: {call.error}", style="bold"))
        elif call.retry_after is not None:
            notes.append(Text(f"the provider asked to wait {_seconds(call.retry_after)}"))
        lines.append_text(Text(" · ").join(notes))
        detail.update(lines)

    def _cursor_moved(self) -> None:
        if self._shown:  # empty while show_calls replaces the rows (it shows the pane itself)
            self._show_detail()

    # --- filtering ---------------------------------------------------------------------------

    @on(Input.Changed, "#calls-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.words = event.value.lower().split()
        self.show_calls()

    @on(Input.Submitted, "#calls-filter")
    def _filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#calls-filter", Input).focus()

    def action_toggle_trouble(self) -> None:
        self.only_trouble = not self.only_trouble
        self.show_calls()

    def action_back(self) -> None:
        if self.focused is self.query_one("#calls-filter", Input):
            self.query_one(DataTable).focus()  # Esc leaves the filter first, then the screen
            return
        self.app.pop_screen()


def _trouble_style(call: CallRecord) -> str:
    if call.error or (call.status or 0) >= 500:
        return "bold red"
    if call.status == 429:
        return "bold yellow"
    if call.status is not None and call.status >= 400:
        return "yellow"
    return ""


def _seconds(value: float | None) -> str:
    if value is None:
        return DASH
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


def _bytes(call: CallRecord) -> str:
    sent = _size(call.bytes_sent)
    streamed = call.bytes_received is None and call.status is not None
    received = "stream" if streamed else _size(call.bytes_received)
    return f"{sent}/{received}"


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    if value < 1000:
        return str(value)
    if value < 1_000_000:
        return f"{value / 1000:.1f}k"
    return f"{value / 1_000_000:.1f}M"
