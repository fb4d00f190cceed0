"""The batch list: a DataTable keyed by batch id, diff-updated so polling never moves the cursor.

The table holds every known batch and shows the ones that pass the current view (a quick-filter
tab) and filter query, in the chosen sort order. Each change (new poll results, a tick of the
clock, a new filter) goes through :meth:`BatchTable._reconcile`, which inside one
``app.batch_update()`` removes rows that left, rewrites only the cells whose text changed, adds
new rows, and re-sorts only when the order changed. Columns have fixed widths and are dropped,
least important first, when the terminal is too narrow for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.events import Resize
from textual.widgets import DataTable

from tui.batch_view import SORT_COLUMNS, Query, SortColumn, View, in_view, sort_key
from tui.core.models import Batch
from tui.formatting import (
    DASH,
    ago,
    models_text,
    money,
    plain,
    progress_text,
    short_id,
    status_text,
    time_left,
)


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

_PADDING = 2
"""DataTable's cell padding: one cell each side of every column."""
_SCROLLBAR = 2
_LABEL_MAX = 48
_FILL_CHUNK = 150
"""Rows in the first frame of an empty table: more than any terminal shows at once."""
_FULL_ID = 34


class _IdCell(Text):
    """The id cell remembers the full batch id, which the sort key needs."""

    def __init__(self, batch_id: str, shown: str) -> None:
        super().__init__(shown, no_wrap=True, end="")
        self.batch_id = batch_id


CostLookup = Callable[[Batch], float | None]


def _same(a: Text | None, b: Text) -> bool:
    return a is not None and a.plain == b.plain and a.style == b.style and a.spans == b.spans


class BatchTable(DataTable):
    """Every known batch; rows keyed by batch id, columns keyed by :data:`COLUMNS` keys."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id, cursor_type="row", zebra_stripes=True, cursor_foreground_priority="renderable"
        )
        self._batches: dict[str, Batch] = {}
        self._cells: dict[str, dict[str, Text]] = {}
        self._layout: tuple = ()
        self._resize_pending = False
        self.now: datetime | None = None
        self.view = View.ALL
        self.query = Query()
        self.sort_column: SortColumn = SORT_COLUMNS[0]
        self.sort_reverse = False
        self.full_ids = False
        self.cost_of: CostLookup = lambda batch: None

    # --- what the screen calls ------------------------------------------------------------------

    @property
    def batches(self) -> dict[str, Batch]:
        """Every batch the table knows, shown or not (read-only view for the screen)."""
        return self._batches

    @property
    def selected(self) -> Batch | None:
        key = self._cursor_key()
        return self._batches.get(key) if key else None

    @property
    def shown_ids(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    def replace(self, batches: Iterable[Batch], now: datetime) -> None:
        self._batches = {batch.id: batch for batch in batches}
        self.now = now
        self._reconcile()

    def upsert(self, batches: Iterable[Batch], now: datetime) -> None:
        for batch in batches:
            self._batches[batch.id] = batch
        self.now = now
        self._reconcile()

    def forget(self, batch_id: str) -> None:
        self._batches.pop(batch_id, None)
        self._reconcile()

    def tick(self, now: datetime) -> None:
        """Rewrite the relative times (created, left): only cells whose text changed."""
        self.now = now
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
            self.query = query
        if sort is not None:
            self.sort_column, self.sort_reverse = sort
        if full_ids is not None:
            self.full_ids = full_ids
        self._reconcile()

    def select(self, batch_id: str) -> None:
        if batch_id in self.rows:
            self.move_cursor(row=self.get_row_index(batch_id))

    # --- reconciliation -------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        # At start-up the table is sized several times within a few frames (before and after
        # the screen's breakpoint class applies); settle on the size after the next refresh
        # rather than rebuilding a thousand rows for each.
        if not self._resize_pending:
            self._resize_pending = True
            self.call_after_refresh(self._resized)

    def _resized(self) -> None:
        self._resize_pending = False
        if not self._layout or self._fit(self.size.width) != self._layout[0]:
            self._reconcile()

    def _cursor_key(self) -> str | None:
        if not self.row_count or not self.is_valid_row_index(self.cursor_row):
            return None
        return str(self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value)

    def _wanted(self) -> list[Batch]:
        now = self.now
        if now is None:
            return []
        wanted = [
            b for b in self._batches.values() if in_view(b, self.view) and self.query.matches(b)
        ]
        descending = self.sort_column.descending != self.sort_reverse
        wanted.sort(key=sort_key(self.sort_column, now), reverse=descending)
        return wanted

    def _reconcile(self) -> None:
        if not self.is_mounted or not self.size.width:
            return  # not laid out yet: the first resize builds the rows
        wanted = self._wanted()
        layout = (
            self._fit(self.size.width),
            self.sort_column.key,
            self.sort_reverse,
            self.full_ids,
        )
        cursor = self._cursor_key()
        with self.app.batch_update():
            if layout != self._layout:
                self._rebuild(layout, wanted)
            else:
                self._diff(wanted)
            self._restore_cursor(cursor)

    def _rebuild(self, layout: tuple, wanted: list[Batch]) -> None:
        self._layout = layout
        columns = layout[0]
        self.clear(columns=True)
        self._cells.clear()
        for column, width in columns:
            self.add_column(self._header(column), width=width, key=column.key)
        self._diff(wanted)

    def _diff(self, wanted: list[Batch]) -> None:
        wanted_ids = {batch.id for batch in wanted}
        for key in [k for k in self._cells if k not in wanted_ids]:
            self.remove_row(key)
            del self._cells[key]
        # Filling an empty table: paint the first screenfuls now, the rest after that frame.
        limit = _FILL_CHUNK if not self._cells else len(wanted)
        added = 0
        for batch in wanted:
            if batch.id not in self._cells:
                if added < limit:
                    self._add(batch)
                    added += 1
                continue
            shown = self._cells[batch.id]
            for column_key, cell in self._cells_for(batch).items():
                if not _same(shown.get(column_key), cell):
                    self.update_cell(batch.id, column_key, cell)
                    shown[column_key] = cell
        order = [batch.id for batch in wanted if batch.id in self._cells]
        if self.shown_ids != order:
            position = {batch_id: index for index, batch_id in enumerate(order)}
            self.sort("id", key=lambda cell: position[cell.batch_id])
        if len(order) < len(wanted):
            self.call_after_refresh(self._reconcile)

    def _add(self, batch: Batch) -> None:
        cells = self._cells_for(batch)
        self._cells[batch.id] = cells
        self.add_row(*cells.values(), key=batch.id, height=1)

    def _restore_cursor(self, key: str | None) -> None:
        if key is None or key not in self._cells:
            return
        index = self.get_row_index(key)
        if index != self.cursor_row:
            self.move_cursor(row=index)

    # --- layout and cells -----------------------------------------------------------------------

    def _fit(self, width: int) -> tuple[tuple[Column, int], ...]:
        """The columns that fit ``width``, with their widths, in display order."""
        room = max(width, 40) - _SCROLLBAR
        kept: dict[str, int] = {}
        for column in sorted(COLUMNS, key=lambda c: c.priority):
            wanted = self._width(column)
            if wanted + _PADDING <= room:
                kept[column.key] = wanted
                room -= wanted + _PADDING
        flex = next((c for c in COLUMNS if c.flex and c.key in kept), None)
        if flex is not None:
            kept[flex.key] = min(kept[flex.key] + room, _LABEL_MAX)
        return tuple((c, kept[c.key]) for c in COLUMNS if c.key in kept)

    def _width(self, column: Column) -> int:
        return _FULL_ID if column.key == "id" and self.full_ids else column.width

    def _header(self, column: Column) -> Text:
        if column.key != self.sort_column.key:
            return Text(column.title)
        descending = self.sort_column.descending != self.sort_reverse
        return Text(f"{column.title} {'▼' if descending else '▲'}", style="bold")

    def _cells_for(self, batch: Batch) -> dict[str, Text]:
        """The cells of ``batch`` for the shown columns, in column order."""
        now = self.now
        assert now is not None
        id_width = _FULL_ID if self.full_ids else COLUMNS[1].width
        makers: dict[str, Callable[[], Text]] = {
            "status": lambda: status_text(batch.status),
            "id": lambda: _IdCell(batch.id, short_id(batch.id, id_width)),
            "label": lambda: plain(batch.label) if batch.label else Text(DASH, style="dim"),
            "profile": lambda: plain(batch.profile),
            "models": lambda: plain(models_text(batch.models)),
            "progress": lambda: progress_text(batch.counts),
            "created": lambda: Text(ago(batch.created_at, now).removesuffix(" ago"), end=""),
            "left": lambda: time_left(batch, now),
            "cost": lambda: Text(money(self.cost_of(batch)), justify="right", end=""),
        }
        return {column.key: makers[column.key]() for column, _ in self._layout[0]}
