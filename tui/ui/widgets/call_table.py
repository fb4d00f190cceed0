"""The ``@`` screen's list of API calls: a Line API view that draws only the rows on screen.

The call log keeps up to 2,000 calls and, while a poll runs, changes many times a second. The
screen used to hand them to a ``DataTable``, which on every redraw re-measures every cell of
every row (20,000 cells, most of a second on a busy machine); keys and the pane under the list
waited behind it. :class:`CallTable` is a :class:`~tui.ui.widgets.line_list.LineList` like the
batch list: a redraw replaces a list of records and paints a screenful.

Columns have fixed widths, most telling first, so 80 columns show time, profile, status, retry,
wait, latency and method; the screen's pane shows the whole route, bytes and request id of the
call under the cursor. The screen learns of each cursor move through :attr:`CallTable.on_cursor`,
called as the cursor moves, so the pane is redrawn in the same frame as the highlight.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.strip import Strip

from tui.core.calllog import CallRecord
from tui.display.formatting import DASH, plain
from tui.ui.widgets.line_list import LineList, render_cells

TROUBLE = "⚠"
"""Marks a 429, a 5xx or a call without a response (a glyph, so it survives NO_COLOR)."""

COLUMNS: tuple[tuple[str, int], ...] = (
    ("Time", 8),
    ("Profile", 10),
    ("Status", 6),  # "⚠ 429", "⚠ ERR", "…" while in flight
    ("Retry", 5),
    ("Wait", 6),  # "120 ms", "4.0 s"
    ("Latency", 7),
    ("Method", 6),
    ("Route", 30),
    ("Bytes", 11),  # "148.2k/1.2M"
    ("Request id", 30),
)
"""Title and width of each column; what decides why a profile is red comes first. A longer
value is cut with an ellipsis; the pane under the list shows the call's route and request id
whole."""

_RIGHT = frozenset({"Retry", "Latency", "Bytes"})


class CallTable(LineList):
    """The calls given to :meth:`show`, newest first, with a row cursor."""

    COMPONENT_CLASSES = {"call-table--header", "call-table--even-row", "call-table--cursor"}
    """Styled in ``tui/ui/app.tcss`` as the batch list is."""

    def __init__(self, *, zone: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.calls: list[CallRecord] = []
        self.zone = zone
        """The zone the times are shown in (the App's clock's)."""
        self.on_cursor: Callable[[], None] = lambda: None
        """Called whenever the call under the cursor may have changed (the screen's pane)."""
        self._styles: dict[str, Style] = {}

    # --- what the screen calls ------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.calls)

    @property
    def selected(self) -> CallRecord | None:
        return self.calls[self.cursor_row] if self.calls else None

    def show(self, calls: list[CallRecord], keep: int | None = None) -> None:
        """Show ``calls``, the cursor on the call numbered ``keep`` if it is among them (else
        on the first row)."""
        self.calls = calls
        row = next((i for i, call in enumerate(calls) if call.seq == keep), 0) if keep else 0
        self.virtual_size = Size(0, len(calls) + 1)
        self.cursor_row = -1  # so that move_cursor scrolls and tells even onto the same row
        self.move_cursor(row)

    def move_cursor(self, row: int) -> None:
        row = max(0, min(row, len(self.calls) - 1))
        self.cursor_row = row
        self._scroll_to_cursor()
        self.refresh()
        self.on_cursor()

    def row_text(self, row: int) -> str:
        """Row ``row``'s cells as plain text, one space apart (for the tests)."""
        return " ".join(cell.plain for cell in self._cells(self.calls[row]))

    # --- keys and mouse -------------------------------------------------------------------------

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + self._body_height * direction)

    def _row_clicked(self, row: int, event: events.Click) -> None:
        if row < len(self.calls):
            event.stop()
            self.move_cursor(row)

    # --- drawing --------------------------------------------------------------------------------

    def _cells(self, call: CallRecord) -> list[Text]:
        style = trouble_style(call)
        status = call.describe_status()
        if call.is_trouble:
            status = f"{TROUBLE} {status}"
        when = call.started_at.astimezone(self.zone).strftime("%H:%M:%S")
        return [
            Text(when, style="dim"),
            plain(call.profile),
            Text(status, style=style),
            Text(str(call.attempt) if call.attempt else ""),
            Text(seconds(call.retry_after) if call.retry_after is not None else ""),
            Text(seconds(call.latency)),
            Text(call.method),
            plain(call.route, style=style),
            Text(transferred(call)),
            plain(call.request_id, style="dim"),
        ]

    def _widths(self) -> list[int]:
        return [width for _, width in COLUMNS]

    def _header_strip(self, width: int) -> Strip:
        cells = [Text(title) for title, _ in COLUMNS]
        return self._strip(cells, width, self._style("header"))

    def _row_strip(self, row: int, width: int) -> Strip:
        if row >= len(self.calls):
            return Strip.blank(width, self.rich_style)
        parity = "odd" if row % 2 else "even"
        base = self._style(f"{parity}-cursor" if row == self.cursor_row else parity)
        return self._strip(self._cells(self.calls[row]), width, base)

    def _strip(self, cells: list[Text], width: int, base: Style) -> Strip:
        for (title, _), cell in zip(COLUMNS, cells, strict=True):
            if title in _RIGHT:
                cell.justify = "right"
        return render_cells(self.app.console, cells, self._widths(), width, base)

    def _style(self, name: str) -> Style:
        """Zebra stripes, the cursor and the header, read once per CSS change."""
        if not self._styles:
            get = self.get_component_rich_style
            even = get("call-table--even-row")
            cursor = get("call-table--cursor")
            self._styles = {
                "even": even,
                "odd": self.rich_style,
                "even-cursor": even + cursor,
                "odd-cursor": self.rich_style + cursor,
                "header": get("call-table--header"),
            }
        return self._styles[name]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}


def trouble_style(call: CallRecord) -> str:
    if call.error or (call.status or 0) >= 500:
        return "bold red"
    if call.status == 429:
        return "bold yellow"
    if call.status is not None and call.status >= 400:
        return "yellow"
    return ""


def seconds(value: float | None) -> str:
    if value is None:
        return DASH
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


def transferred(call: CallRecord) -> str:
    """Bytes sent / received; "stream" for a streamed body (a results download)."""
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
