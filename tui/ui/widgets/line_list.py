"""The base of batchtui's Line API lists: a cursor over rows drawn one line at a time.

No widget per row: a :class:`LineList` is a ``ScrollView`` whose first line is a header and
whose other lines are rows, each rendered on demand by :meth:`LineList.render_line` (as
Textual's toolong does). The batch list (:mod:`~tui.ui.widgets.batch_table`) and the requests
list (:mod:`~tui.ui.widgets.results_view`, which the comparison reuses) are thin subclasses: they
say how many rows there are, how the header and a row look, how the cursor moves, and what a
click on a row does. The cursor, scrolling it into view and the key actions live here.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.scroll_view import ScrollView
from textual.strip import Strip

CURSOR_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
    Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
    Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="list.page_up"),
    Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="list.page_down"),
    Binding("home,ctrl+home,g", "first", "First", show=False, id="list.first"),
    Binding("end,ctrl+end,G", "last", "Last", show=False, id="list.last"),
]
"""The cursor keys of every list (a subclass that does not inherit bindings spreads them in)."""

PADDING = 1
"""Blank cells on each side of every column of a table-like list."""


class LineList(ScrollView, can_focus=True):
    """A header line over rows, a row cursor, and the keys that move it."""

    BINDINGS = CURSOR_BINDINGS

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cursor_row = 0
        """The row under the cursor (0 when there are none)."""

    # --- what a subclass says ---

    @property
    def row_count(self) -> int:
        """How many rows the list shows."""
        raise NotImplementedError

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        raise NotImplementedError

    def _header_strip(self, width: int) -> Strip:
        raise NotImplementedError

    def _row_strip(self, row: int, width: int) -> Strip:
        """Line ``row`` below the header (it may lie past the last row: draw the blank)."""
        raise NotImplementedError

    def _row_clicked(self, row: int, event: events.Click) -> None:
        """A click on line ``row`` below the header (it may lie past the last row)."""
        raise NotImplementedError

    def _line_width(self) -> int:
        return self.scrollable_content_region.width

    # --- cursor and scrolling ---

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _row_visible(self, row: int) -> bool:
        top = int(self.scroll_offset.y)
        return top <= row < top + self._body_height

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + self._body_height:
            y = self.cursor_row - self._body_height + 1
            self.scroll_to(y=y, animate=False, immediate=True)

    # --- keys, mouse and lines ---

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:  # not the header
            self._row_clicked(int(self.scroll_offset.y) + event.y - 1, event)

    def render_line(self, y: int) -> Strip:
        width = self._line_width()
        if y == 0:
            return self._header_strip(width)
        return self._row_strip(int(self.scroll_offset.y) + y - 1, width)


def render_cells(
    console: Console, cells: Sequence[Text], widths: Sequence[int], width: int, base: Style
) -> Strip:
    """One line of a table-like list: each cell cut (with an ellipsis) or padded to its column
    width, :data:`PADDING` blanks around it, then blank to ``width``; ``base`` under it all."""
    pad = Segment(" " * PADDING, base)
    segments: list[Segment] = []
    for column_width, cell in zip(widths, cells, strict=True):
        text = cell.copy()
        text.overflow = "ellipsis"
        text.align(cell.justify if cell.justify == "right" else "left", column_width)
        segments.append(pad)
        if text.spans:
            for segment in text.render(console, end=""):
                style = segment.style
                segments.append(Segment(segment.text, base + style if style else base))
        else:  # Text.render leaves a span-less text's own style to its caller
            style = console.get_style(text.style) if text.style else None
            segments.append(Segment(text.plain, base + style if style else base))
        segments.append(pad)
    strip = Strip(segments).adjust_cell_length(width, base)
    return strip.crop(0, width)
