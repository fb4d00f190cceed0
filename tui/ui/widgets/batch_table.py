"""The batch list: a Line API view that renders only the rows on screen, whatever their number.

No widget per row and no table holding a renderable per cell: :class:`BatchTable` is a
``ScrollView`` (like :mod:`tui.ui.widgets.results_view`) over a list of batch ids in display order.
It declares ``virtual_size = (0, rows + 1)`` and draws one line at a time: line 0 is the
header, the others are the rows under the viewport. A row's cells are computed from
:mod:`tui.display.formatting` when the row is first drawn and cached with the batch and the
clock tick they were made for, so 1,000 or 10,000 batches cost the same to paint; a poll that
changes one batch recomputes one row.

Every change (new poll results, a tick of the clock, a filter, a sort) recomputes the order of
the ids, puts the cursor back on the batch it was on, and only scrolls when that batch would
otherwise leave the screen. Columns have fixed widths and are dropped, least important first,
when the terminal is too narrow for all of them. The widget posts :class:`BatchTable.Highlighted`
when the batch under the cursor changes and :class:`BatchTable.Chosen` on Enter or a click on
the cursor row.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from tui.core.models import Batch
from tui.display.formatting import (
    DASH,
    ago,
    models_text,
    money,
    plain,
    progress_text,
    safe,
    short_id,
    status_text,
    time_left,
)
from tui.display.glyphs import glyph
from tui.ui.batch_marks import MARK_GLYPH
from tui.ui.batch_view import SORT_COLUMNS, Query, SortColumn, View, in_view, sort_key
from tui.ui.widgets.line_list import PADDING, LineList, render_cells


@dataclass(frozen=True)
class Column:
    """One column: fixed width, and a priority (lower stays longer on a narrow terminal)."""

    key: str
    title: str
    width: int
    priority: int
    flex: bool = False
    """The column that takes the spare width (the label)."""


COLUMNS: tuple[Column, ...] = (
    Column("status", "Status", 12, 0),
    Column("id", "ID", 12, 1),
    Column("label", "Label", 16, 4, flex=True),
    Column("profile", "Profile", 10, 7),
    Column("models", "Model", 18, 6),
    Column("progress", "Progress", 16, 2),
    Column("created", "Created", 9, 8),
    Column("left", "Left", 8, 3),
    Column("cost", "Cost", 8, 5),
)
"""Display order; ``priority`` decides which survive at 80 columns."""

_SCROLLBAR = 2
_LABEL_MAX = 48
_FULL_ID = 38
"""The longest whole id: OpenAI's ``batch_`` and 32 hex digits (Anthropic's are 33)."""

EMPTY_HINT = (
    "No batches yet. To start:",
    "  n                      submit a JSONL requests file",
    "  batchtui sim           run the local batch API simulator (any key works)",
    "  batchtui config init   write a config file for your profiles and keys",
)
"""What the list says when the cache holds no batch at all (a fresh install)."""

NO_MATCH_HINT = ("No batch in this view (4 shows them all; Esc clears a filter).",)

CostLookup = Callable[[Batch], float | None]
EtaLookup = Callable[[Batch], datetime | None]
Layout = tuple[tuple[Column, int], ...]
"""The shown columns and their widths, in display order."""


@dataclass(eq=False)
class _Row:
    """The cells of one batch as last drawn, and its rendered lines by base style."""

    batch: Batch
    epoch: int
    cells: tuple[Text, ...]
    strips: dict[Style, Strip] = field(default_factory=dict)


class BatchTable(LineList):
    """Every known batch, shown through a view, a filter query and a sort; see the module."""

    BINDINGS = [
        Binding("enter", "choose", "Open", show=False, id="batches.open"),
    ]

    COMPONENT_CLASSES = {
        "batch-table--header",
        "batch-table--even-row",
        "batch-table--cursor",
    }
    """Styled in ``tui/ui/app.tcss`` as a DataTable with zebra stripes and a row cursor is."""

    class Highlighted(Message):
        """The batch under the cursor changed (None: the list shows nothing)."""

        def __init__(self, table: BatchTable, batch_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.batch_id = batch_id

        @property
        def control(self) -> BatchTable:
            return self.table

    class Chosen(Message):
        """Enter, or a click on the cursor row: open this batch."""

        def __init__(self, table: BatchTable, batch_id: str) -> None:
            super().__init__()
            self.table = table
            self.batch_id = batch_id

        @property
        def control(self) -> BatchTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._batches: dict[str, Batch] = {}
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._rows: dict[str, _Row] = {}
        self._layout: Layout = ()
        self._epoch = 0
        """Bumped when every row's cells may be stale (a clock tick, new costs, full ids)."""
        self._styles: dict[str, Style] = {}
        self._announced: str | None = None
        self.now: datetime | None = None
        self.view = View.ALL
        self.search = Query()  # not `query`: that is Widget.query()
        self.sort_column: SortColumn = SORT_COLUMNS[0]
        self.sort_reverse = False
        self.full_ids = False
        self.cost_of: CostLookup = lambda batch: None
        self.eta_of: EtaLookup = lambda batch: None
        """When a running batch should end, from its count history (None: no ETA)."""
        self.marked: Container[str] = ()
        """Ids drawn as marked (the screen's :class:`~tui.ui.batch_marks.BatchMarks`)."""

    # --- what the screen calls ------------------------------------------------------------------

    @property
    def batches(self) -> dict[str, Batch]:
        """Every batch the table knows, shown or not (read-only view for the screen)."""
        return self._batches

    @property
    def selected(self) -> Batch | None:
        if 0 <= self.cursor_row < len(self._order):
            return self._batches[self._order[self.cursor_row]]
        return None

    @property
    def shown_ids(self) -> list[str]:
        """The ids of the shown batches, in display order."""
        return list(self._order)

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def column_keys(self) -> list[str]:
        """The keys of the columns that fit the current width, in display order."""
        return [column.key for column, _ in self._current_layout()]

    def cell(self, batch_id: str, column_key: str) -> Text:
        """The text of one cell as it is drawn (computed if the row was not drawn yet)."""
        keys = self.column_keys
        return self._row(batch_id).cells[keys.index(column_key)]

    def replace(self, batches: Iterable[Batch], now: datetime) -> None:
        self._batches = {batch.id: batch for batch in batches}
        self._rows = {k: row for k, row in self._rows.items() if k in self._batches}
        self._set_now(now)
        self._reconcile()

    def upsert(self, batches: Iterable[Batch], now: datetime) -> None:
        for batch in batches:
            self._batches[batch.id] = batch
        self._set_now(now)
        self._reconcile()

    def forget(self, batch_id: str) -> None:
        self._batches.pop(batch_id, None)
        self._rows.pop(batch_id, None)
        self._reconcile()

    def tick(self, now: datetime) -> None:
        """Redraw the relative times (created, left) and the costs of the rows on screen."""
        self.now = now
        self._epoch += 1
        self._reconcile()

    def configure(
        self,
        *,
        view: View | None = None,
        query: Query | None = None,
        sort: tuple[SortColumn, bool] | None = None,
        full_ids: bool | None = None,
    ) -> None:
        if view is not None:
            self.view = view
        if query is not None:
            self.search = query
        if sort is not None:
            self.sort_column, self.sort_reverse = sort
        if full_ids is not None and full_ids != self.full_ids:
            self.full_ids = full_ids
            self._epoch += 1
        self._reconcile()

    def select(self, batch_id: str) -> None:
        """Put the cursor on ``batch_id`` if it is shown."""
        index = self._index.get(batch_id)
        if index is not None:
            self.move_cursor(index)

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        row = max(0, min(row, len(self._order) - 1))
        if row != self.cursor_row:
            self.cursor_row = row
            self.refresh()
        self._scroll_to_cursor()
        self._announce()

    # --- order and cursor -----------------------------------------------------------------------

    def _set_now(self, now: datetime) -> None:
        if now != self.now:
            self.now = now
            self._epoch += 1

    def _wanted(self) -> list[str]:
        now = self.now
        if now is None:
            return []
        view, query = self.view, self.search
        wanted = [b for b in self._batches.values() if in_view(b, view) and query.matches(b)]
        descending = self.sort_column.descending != self.sort_reverse
        wanted.sort(key=sort_key(self.sort_column, now), reverse=descending)
        return [batch.id for batch in wanted]

    def _reconcile(self) -> None:
        """Recompute the order, keep the cursor on its batch, repaint what is on screen."""
        before = self._order[self.cursor_row] if self.cursor_row < len(self._order) else None
        self._order = self._wanted()
        self._index = {batch_id: index for index, batch_id in enumerate(self._order)}
        self._update_virtual_size()
        row = self._index.get(before, self.cursor_row) if before else self.cursor_row
        row = max(0, min(row, len(self._order) - 1))
        moved, self.cursor_row = row != self.cursor_row, row
        if moved:
            self._scroll_to_cursor()  # only if it left the screen: polling never jumps
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        batch = self.selected
        batch_id = batch.id if batch else None
        if batch_id != self._announced:
            self._announced = batch_id
            self.post_message(self.Highlighted(self, batch_id))

    def _update_virtual_size(self) -> None:
        # No width: lines are cut to the widget, and a scrollbar coming or going (which
        # changes the content width) then needs no second layout.
        self.virtual_size = Size(0, len(self._order) + 1)

    # --- keys and mouse -------------------------------------------------------------------------

    def action_page(self, direction: int) -> None:
        """Move the view a screenful and the cursor with it, keeping its place on screen; on
        the first or last page, move the cursor a screenful instead."""
        count, step = len(self._order), self._body_height * direction
        top = int(self.scroll_offset.y)
        new_top = max(0, min(top + step, count - self._body_height))
        if new_top == top:
            self.move_cursor(self.cursor_row + step)
            return
        self.scroll_to(y=new_top, animate=False, immediate=True)
        self.move_cursor(self.cursor_row + new_top - top)

    def action_choose(self) -> None:
        batch = self.selected
        if batch is not None:
            self.post_message(self.Chosen(self, batch.id))

    def _row_clicked(self, row: int, event: events.Click) -> None:
        if row >= len(self._order):
            return  # the blank below the last row
        event.stop()
        if row == self.cursor_row:
            self.action_choose()  # a click on the highlighted row opens it, as in a DataTable
        else:
            self.move_cursor(row)

    # --- layout ---------------------------------------------------------------------------------

    def _current_layout(self) -> Layout:
        """The columns that fit the width, recomputed (and row caches dropped) when it changes."""
        layout = self._fit(self.size.width)
        if layout != self._layout:
            self._layout = layout
            self._rows.clear()
        return layout

    def _fit(self, width: int) -> Layout:
        """The columns that fit ``width``, with their widths, in display order."""
        room = max(width, 40) - _SCROLLBAR
        kept: dict[str, int] = {}
        for column in sorted(COLUMNS, key=lambda c: c.priority):
            wanted = self._width(column)
            if wanted + 2 * PADDING <= room:
                kept[column.key] = wanted
                room -= wanted + 2 * PADDING
        flex = next((c for c in COLUMNS if c.flex and c.key in kept), None)
        if flex is not None:
            kept[flex.key] = min(kept[flex.key] + room, _LABEL_MAX)
        return tuple((c, kept[c.key]) for c in COLUMNS if c.key in kept)

    def _width(self, column: Column) -> int:
        return _FULL_ID if column.key == "id" and self.full_ids else column.width

    # --- cells ----------------------------------------------------------------------------------

    def _row(self, batch_id: str) -> _Row:
        """The cached cells of a batch, recomputed if the batch or the clock tick changed."""
        batch = self._batches[batch_id]
        layout = self._current_layout()
        row = self._rows.get(batch_id)
        if row is None or row.batch is not batch or row.epoch != self._epoch:
            cells = tuple(self._cell_text(batch, column.key) for column, _ in layout)
            row = self._rows[batch_id] = _Row(batch, self._epoch, cells)
        return row

    def _cell_text(self, batch: Batch, key: str) -> Text:
        """One cell of ``batch``; untrusted text (labels, models, profiles) is never markup."""
        now = self.now
        assert now is not None
        if key == "status":
            if batch.deleted_remotely:  # what is left of it is the local copy
                return Text("✗ deleted", style="dim", no_wrap=True, end="")
            return status_text(batch.status)
        if key == "id":
            if self.full_ids:  # the whole provider id, as the API and every command take it
                return Text(safe(batch.id), no_wrap=True)
            return Text(short_id(batch.id, COLUMNS[1].width))
        if key == "label":
            return plain(batch.label) if batch.label else Text(DASH, style="dim")
        if key == "profile":
            return plain(batch.profile)
        if key == "models":
            return plain(models_text(batch.models))
        if key == "progress":
            return progress_text(batch.counts, dict(self._layout).get(COLUMNS[5]))
        if key == "created":
            return Text(ago(batch.created_at, now).removesuffix(" ago"))
        if key == "left":
            return time_left(batch, now, None if batch.is_terminal else self.eta_of(batch))
        return Text(money(self.cost_of(batch)), justify="right")

    # --- rendering ------------------------------------------------------------------------------

    def _line_width(self) -> int:
        return self.size.width

    def _row_strip(self, index: int, width: int) -> Strip:
        if not self._order:
            return self._hint_strip(index, width)
        if index >= len(self._order):
            return Strip.blank(width, self.rich_style)
        base = self._base_style(index)
        row = self._row(self._order[index])
        strip = row.strips.get(base)
        if strip is None or strip.cell_length != width:
            strip = row.strips[base] = self._render_cells(row.cells, width, base)
        if self._order[index] in self.marked:  # the mark takes the blank cell before Status
            mark = Strip([Segment(MARK_GLYPH, base + Style(bold=True, reverse=True))], 1)
            return Strip.join([mark, strip.crop(1, width)])
        return strip

    def _hint_strip(self, index: int, width: int) -> Strip:
        """A line of the hint shown in place of rows when there are none to show."""
        lines = EMPTY_HINT if not self._batches else NO_MATCH_HINT
        if not 0 <= index < len(lines):
            return Strip.blank(width, self.rich_style)
        text = Text(" " + lines[index], style="dim" if index else "bold", no_wrap=True)
        segments = list(text.render(self.app.console, end=""))
        # The padding gets the widget's style too: a segment without one breaks Textual's
        # NO_COLOR filter (it reads every segment's style).
        strip = Strip(segments).apply_style(self.rich_style)
        return strip.adjust_cell_length(width, self.rich_style)

    def _base_style(self, index: int) -> Style:
        """Zebra stripes and the cursor, read once per CSS change rather than once per row."""
        if not self._styles:
            get = self.get_component_rich_style
            even = get("batch-table--even-row")
            self._styles = {
                "even": even,
                "odd": self.rich_style,
                "even-cursor": even + get("batch-table--cursor"),
                "odd-cursor": self.rich_style + get("batch-table--cursor"),
                "header": get("batch-table--header"),
            }
        parity = "odd" if index % 2 else "even"
        return self._styles[f"{parity}-cursor" if index == self.cursor_row else parity]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        for row in self._rows.values():
            row.strips.clear()

    def _header_strip(self, width: int) -> Strip:
        cells = []
        for column, _ in self._current_layout():
            if column.key != self.sort_column.key:
                cells.append(Text(column.title))
                continue
            descending = self.sort_column.descending != self.sort_reverse
            arrow = glyph("▼" if descending else "▲")
            cells.append(Text(f"{column.title} {arrow}", style="bold"))
        self._base_style(0)
        return self._render_cells(tuple(cells), width, self._styles["header"])

    def _render_cells(self, cells: tuple[Text, ...], width: int, base: Style) -> Strip:
        """One line: each cell cut (with an ellipsis) or padded to its column, then blank."""
        widths = [column_width for _, column_width in self._layout]
        return render_cells(self.app.console, cells, widths, width, base)
