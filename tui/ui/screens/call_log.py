"""The ``@`` screen: every HTTP call batchtui made this session, newest first.

It is how a user over SSH finds out why a profile is red: the 429s with the wait the provider
asked for, the 5xx, the calls that got no answer at all, each with the provider's request id
to quote to support. The calls come from the session's :class:`~tui.core.calllog.CallLog`
(bounded, at most 2,000) and are drawn by a Line API list that paints only the rows on screen
(:class:`~tui.ui.widgets.call_table.CallTable`). The list is redrawn once a second while the
screen is open, and only when a call was recorded.

The pane under the list follows its cursor through the list's ``on_cursor`` hook, called as
the cursor moves, so it is redrawn in the same frame as the highlight. (It used to follow a
``DataTable``'s ``RowHighlighted`` message, which reached the screen only after the table had
worked through its queue; while calls poured in, that queue held the re-measuring of every cell
of a redraw, and the pane showed the previous call for up to a second.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.core.calllog import CallRecord
from tui.display.formatting import plain
from tui.ui.widgets.call_table import TROUBLE, CallTable, seconds, transferred

if TYPE_CHECKING:
    from datetime import tzinfo

    from tui.core.calllog import CallLog
    from tui.ui.services import Services

REFRESH_SECONDS = 1.0
"""How often the open screen looks for new calls."""


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

    def compose(self) -> ComposeResult:
        yield Static(id="calls-title")
        yield Input(placeholder="filter: profile, route, status, request id…", id="calls-filter")
        yield CallTable(zone=self.zone, id="calls-table")
        yield Static(id="calls-detail")
        yield Footer()

    @property
    def table(self) -> CallTable:
        return self.query_one(CallTable)

    def on_mount(self) -> None:
        table = self.table
        table.on_cursor = self._show_detail
        self.show_calls()
        table.focus()
        self.set_interval(REFRESH_SECONDS, self._refresh_if_new, name="calls-refresh")

    # --- the list ----------------------------------------------------------------------------

    def _refresh_if_new(self) -> None:
        if self.call_log.version != self._shown_version:
            self.show_calls()

    def show_calls(self) -> None:
        """Redraw from the log (filtered), keeping the cursor on the same call if it is shown."""
        self._shown_version = self.call_log.version
        calls = self.call_log.records()
        shown = [call for call in calls if self._matches(call)]
        table = self.table
        # At the top, the newest call stays selected as calls arrive.
        selected = table.selected if table.cursor_row > 0 else None
        self._show_title(calls, shown)
        table.show(shown, keep=selected.seq if selected else None)  # the pane follows

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
        detail = self.query_one("#calls-detail", Static)
        call = self.table.selected
        if call is None:
            empty = "No calls match." if self.words or self.only_trouble else "No calls yet."
            detail.update(Text(empty, style="dim"))
            return
        lines = Text(f"{call.method} ")
        lines.append_text(plain(call.route))
        lines.append("\n")
        notes: list[Text] = []
        if call.request_id:
            notes.append(Text("request id ").append_text(plain(call.request_id)))
        if call.error:
            notes.append(plain(f"no response: {call.error}", style="bold"))
        elif call.retry_after is not None:
            notes.append(Text(f"the provider asked to wait {seconds(call.retry_after)}"))
        if call.bytes_sent is not None or call.bytes_received is not None:
            notes.append(Text(f"bytes sent/received {transferred(call)}", style="dim"))
        lines.append_text(Text(" · ").join(notes))
        detail.update(lines)

    # --- filtering ---------------------------------------------------------------------------

    @on(Input.Changed, "#calls-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.words = event.value.lower().split()
        self.show_calls()

    @on(Input.Submitted, "#calls-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def action_filter(self) -> None:
        self.query_one("#calls-filter", Input).focus()

    def action_toggle_trouble(self) -> None:
        self.only_trouble = not self.only_trouble
        self.show_calls()

    def action_back(self) -> None:
        if self.focused is self.query_one("#calls-filter", Input):
            self.table.focus()  # Esc leaves the filter first, then the screen
            return
        self.app.pop_screen()

