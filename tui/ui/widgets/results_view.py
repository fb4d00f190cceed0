"""The requests list of one batch: a Line API view over SQLite pages, for 100,000+ rows.

No widget per row and no table holding every row: :class:`ResultsView` is a ``ScrollView`` that
declares ``virtual_size = (width, count + 1)`` and renders one line at a time (as Textual's
toolong does). Rows come from the store a page at a time and live in a small LRU cache; a page
that is not cached is loaded by an exclusive worker, so scrolling fast cancels loads for rows
already scrolled past, and the view repaints when the page lands. Sequential pages are read by
key (``custom_id > last``), jumps (``G``, scrollbar drags) by position.

The view owns the cursor, the filter and the cache. It shows which requests are marked, but the
screen owns the marked set and hands it down; Enter and Space are posted up as messages.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from tui.core.models import RequestResult, ResultType
from tui.core.store import ResultFilter, Store
from tui.display.presentation import money
from tui.ui.widgets.line_list import LineList
from tui.ui.widgets.result_cells import (
    Columns,
    compact_number,
    cut_cell,
    fit_cell,
    mark_glyph,
    outcome_look,
    preview_of,
    reason_of,
    strip_of,
)
from tui.ui.widgets.untrusted import one_line

PAGE_SIZE = 200
"""Rows read from SQLite in one query."""
MAX_PAGES = 64
"""Pages kept in memory (12,800 rows): enough to scroll back and forth without re-reading."""
MAX_STRIPS = 2000
"""Rendered rows kept; the cursor row is never cached (it is styled differently)."""

CostFunction = Callable[[RequestResult], float | None]
"""Returns what a request cost in dollars at the batch price, or None when unknown."""


class ResultsView(LineList):
    """Every request of a batch matching a filter, one line each, read lazily from the store."""

    BINDINGS = [
        Binding("enter", "select", "Open", id="requests.open"),
        Binding("space", "toggle_mark", "Mark", id="requests.mark"),
    ]

    COMPONENT_CLASSES = {
        "results-view--header",
        "results-view--cursor",
        "results-view--marked",
        "results-view--dim",
    }

    DEFAULT_CSS = """
    ResultsView {
        overflow-x: hidden;
        & > .results-view--header { text-style: bold; background: $panel; }
        & > .results-view--cursor { background: $block-cursor-blurred-background; }
        &:focus > .results-view--cursor {
            background: $block-cursor-background; color: $block-cursor-foreground;
        }
        & > .results-view--marked { color: $accent; text-style: bold; }
        & > .results-view--dim { color: $text-muted; }
    }
    """

    class Selected(Message):
        """Enter (or a double click) on a row: open that request."""

        def __init__(self, custom_id: str) -> None:
            super().__init__()
            self.custom_id = custom_id

    class MarkToggled(Message):
        """Space on a row: the screen adds it to, or removes it from, the marked set."""

        def __init__(self, custom_id: str) -> None:
            super().__init__()
            self.custom_id = custom_id

    class CountChanged(Message):
        """How many rows match the filter (posted after every filter change or refresh)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(
        self,
        store: Store,
        batch_id: str,
        *,
        cost: CostFunction | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._store = store
        self.batch_id = batch_id
        self._cost = cost
        self.filter = ResultFilter()
        self.count = 0
        self.marked: Collection[str] = frozenset()
        """Custom ids shown as marked; the screen hands its own set down."""
        self._generation = 0
        self._pages: OrderedDict[int, list[RequestResult]] = OrderedDict()
        self._previous_pages: dict[int, list[RequestResult]] = {}
        """The last filter's pages, still painted until the new filter's first page arrives,
        so typing a search does not flash placeholders."""
        self._loading: frozenset[int] = frozenset()
        self._strips: OrderedDict[int, Strip] = OrderedDict()
        self._styles: dict[str, Style] = {}
        self._id_width = 16
        self._columns = Columns(custom_id=16)
        self._counted = -1
        """The generation whose count has been asked for (or learnt from a short page)."""
        self._started = False
        """Mounted: loads may start (before, a filter set by the parent is only recorded)."""

    # --- public API (attributes down) ---

    def set_filter(self, flt: ResultFilter) -> None:
        """Show the rows matching ``flt``, cursor on the first."""
        self.filter = flt
        self.cursor_row = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._invalidate(keep_visible=True)

    def reload(self) -> None:
        """Re-read count and rows (results were added), keeping the cursor's position."""
        self._invalidate(keep_visible=True)

    def set_marked(self, marked: Collection[str]) -> None:
        """Show ``marked`` custom ids as marked."""
        self.marked = marked
        self._strips.clear()
        self.refresh()

    @property
    def cursor_result(self) -> RequestResult | None:
        """The result under the cursor, if its page (for the current filter) is loaded."""
        return self._row(self.cursor_row, current_only=True)

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        row = max(0, min(row, self.count - 1))
        if row == self.cursor_row and self._row_visible(row):
            return
        self.cursor_row = row
        self._scroll_to_cursor()
        self.refresh()

    # --- loading ---

    def _invalidate(self, keep_visible: bool) -> None:
        self._generation += 1
        if keep_visible and self._pages:
            self._previous_pages = dict(self._pages)
        self._pages.clear()
        self._strips.clear()
        self._loading = frozenset()
        if self._started:
            self._load()

    def _load(self) -> None:
        # Only the rows now; the count waits for the first page (see _put_page).
        self._request_visible()
        if not self._previous_pages:
            self.refresh()  # else the old rows stay up until the new page repaints them

    def _visible_pages(self) -> list[int]:
        first = int(self.scroll_offset.y)
        last = min(first + self._body_height, max(self.count, 1)) - 1
        return list(range(first // PAGE_SIZE, max(last, first) // PAGE_SIZE + 1))

    def _request_visible(self) -> None:
        """Start loading the pages the viewport needs, unless they are cached or loading."""
        missing = [p for p in self._visible_pages() if p not in self._pages]
        if not missing or set(missing) <= self._loading:
            return
        self._loading = frozenset(missing)
        self._load_pages(self._generation, self._loading)

    @work(group="results-page", exclusive=True, exit_on_error=False, description="Loading rows")
    async def _load_pages(self, generation: int, pages: frozenset[int]) -> None:
        try:
            for page in sorted(pages):
                if page in self._pages:
                    continue
                rows = await self._fetch(page)
                if generation != self._generation:
                    return
                self._put_page(page, rows)
            await self._prefetch(generation, max(pages) + 1)
        finally:
            if self._loading is pages:
                self._loading = frozenset()

    async def _prefetch(self, generation: int, page: int) -> None:
        """Read the page after the viewport by key, so the next page-down is a cache hit."""
        if page * PAGE_SIZE >= self.count or page in self._pages:
            return
        rows = await self._fetch(page)
        if generation == self._generation:
            self._put_page(page, rows)

    async def _fetch(self, page: int) -> list[RequestResult]:
        results = self._store.results
        previous = self._pages.get(page - 1)
        if previous is not None and len(previous) == PAGE_SIZE:
            after = previous[-1].custom_id
            return await results.page(self.batch_id, self.filter, after=after, limit=PAGE_SIZE)
        following = self._pages.get(page + 1)
        if following:
            before = following[0].custom_id
            return await results.page(self.batch_id, self.filter, before=before, limit=PAGE_SIZE)
        offset = page * PAGE_SIZE
        return await results.page_at(self.batch_id, self.filter, offset=offset, limit=PAGE_SIZE)

    def _put_page(self, page: int, rows: list[RequestResult]) -> None:
        self._previous_pages = {}
        self._pages[page] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        if page == 0 and rows:
            self._fit_id_width(rows)
        self.refresh()
        end = page * PAGE_SIZE + len(rows)
        counted = self._counted == self._generation
        self._counted = self._generation
        if len(rows) < PAGE_SIZE and (rows or page == 0):
            self._set_count(end)  # a short page is the last one: this is the count
            return
        if end > self.count:
            # Paint the first rows before the count query returns; it corrects the total.
            self._set_count(end, final=False)
        if not counted:
            # Asked only now, so the count never runs ahead of the first page on the
            # store's reader: a search's first rows wait for one query, not two.
            self._load_count(self._generation)

    def _fit_id_width(self, rows: list[RequestResult]) -> None:
        width = max(12, min(28, max(len(r.custom_id) for r in rows)))
        if width != self._id_width:
            self._id_width = width
            self._relayout()

    @work(group="results-count", exclusive=True, exit_on_error=False, description="Counting")
    async def _load_count(self, generation: int) -> None:
        count = await self._store.results.count(self.batch_id, self.filter)
        if generation == self._generation:
            self._set_count(count)

    def _set_count(self, count: int, final: bool = True) -> None:
        changed = count != self.count
        self.count = count
        self.virtual_size = Size(self.scrollable_content_region.width, count + 1)
        self.cursor_row = max(0, min(self.cursor_row, count - 1))
        if final:
            self.post_message(self.CountChanged(count))
        if changed:
            self.refresh()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group.startswith("results-"):
            self._loading = frozenset()
            self.notify(
                str(event.worker.error), title="Cannot read results", severity="error", markup=False
            )

    # --- rendering ---

    @property
    def row_count(self) -> int:
        return self.count

    def _row(self, row: int, current_only: bool = False) -> RequestResult | None:
        result, _current = self._row_and_source(row, current_only)
        return result

    def _row_and_source(
        self, row: int, current_only: bool = False
    ) -> tuple[RequestResult | None, bool]:
        """The result on ``row`` and whether it is the current filter's (not a stale page's)."""
        page, index = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        current = rows is not None
        if current:
            self._pages.move_to_end(page)
        elif not current_only:
            rows = self._previous_pages.get(page)
        if rows is None or index >= len(rows):
            return None, current
        return rows[index], current

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self.virtual_size = Size(self.scrollable_content_region.width, self.count + 1)

    def _relayout(self) -> None:
        self._columns = Columns.fit(self.scrollable_content_region.width, self._id_width)
        self._strips.clear()
        self.refresh()

    def _row_strip(self, row: int, width: int) -> Strip:
        if row >= self.count:
            if row == 0 and self._pages.get(0) == []:
                return self._placeholder_strip(width, "    No request matches these filters.")
            return Strip.blank(width, self.rich_style)
        result, current = self._row_and_source(row)
        if result is None:
            self._request_visible()
            return self._placeholder_strip(width)
        if not current:
            # A row of the last filter's pages, painted until the new filter's page arrives:
            # never cached, or it would outlive that page (rows of the old filter shown under
            # the new one until the cursor passed over them).
            self._request_visible()
            return self._render_row(result, width, cursor=row == self.cursor_row)
        if row == self.cursor_row:
            return self._render_row(result, width, cursor=True)
        strip = self._strips.get(row)
        if strip is None:
            strip = self._strips[row] = self._render_row(result, width, cursor=False)
            if len(self._strips) > MAX_STRIPS:
                self._strips.popitem(last=False)
        return strip

    def _header_strip(self, width: int) -> Strip:
        c = self._columns
        parts = ["    ", cut_cell("custom_id", c.custom_id), " ", cut_cell("reason", c.reason), " "]
        parts += [
            cut_cell("in", c.tokens, right=True),
            " ",
            cut_cell("out", c.tokens, right=True),
            " ",
        ]
        if c.cache:
            parts += [cut_cell("cache", c.cache, right=True), " "]
        if c.cost:
            parts += [cut_cell("cost", c.cost, right=True), " "]
        parts.append("text / error")
        style = self.get_component_rich_style("results-view--header")
        return self._to_strip(Text("".join(parts), style=style), width)

    def _placeholder_strip(self, width: int, text: str = "    …") -> Strip:
        style = self.get_component_rich_style("results-view--dim")
        return self._to_strip(Text(text, style=style), width)

    def _render_row(self, result: RequestResult, width: int, *, cursor: bool) -> Strip:
        """One row as segments, cell by cell: no Text layout, as a screenful is rendered at
        every page-down."""
        c, styles = self._columns, self._row_styles()
        base = styles["cursor"] if cursor else styles["base"]
        symbol, colour = outcome_look(result.type)
        failed = result.type is not ResultType.SUCCEEDED
        truncated = result.stop_reason == "max_tokens"  # the answer was cut short: flag it
        reason_style = colour if failed else ("yellow" if truncated else None)
        usage = result.usage
        cells: list[tuple[str, str | Style | None]] = [
            (mark_glyph() if result.custom_id in self.marked else " ", styles["marked"]),
            (f" {symbol} ", colour),
            (fit_cell(one_line(result.custom_id, 200), c.custom_id) + " ", None),
            (fit_cell(reason_of(result), c.reason) + " ", reason_style),
            (fit_cell(compact_number(usage.prompt_tokens), c.tokens, right=True) + " ", None),
            (fit_cell(compact_number(usage.output_tokens), c.tokens, right=True) + " ", None),
        ]
        if c.cache:
            cached = usage.cache_read_tokens + usage.cache_write_5m_tokens
            cached += usage.cache_write_1h_tokens
            cells.append(
                (fit_cell(compact_number(cached), c.cache, right=True) + " ", styles["dim"])
            )
        if c.cost:
            cost = self._cost(result) if self._cost else None
            cells.append((fit_cell(money(cost), c.cost, right=True) + " ", styles["dim"]))
        cells.append((preview_of(result), colour if failed else None))
        return strip_of(cells, width, base)

    def _row_styles(self) -> dict[str, Style]:
        """Component styles, read once per CSS change rather than once per row."""
        if not self._styles:
            get = self.get_component_rich_style
            self._styles = {
                "base": self.rich_style,
                "cursor": self.rich_style + get("results-view--cursor"),
                "dim": get("results-view--dim", partial=True),
                "marked": get("results-view--marked", partial=True),
            }
        return self._styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._strips.clear()

    def _to_strip(self, text: Text, width: int, base: Style | None = None) -> Strip:
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console, end=""))
        style = self.rich_style + base if base else self.rich_style
        return Strip(segments, text.cell_len).crop_extend(0, width, style).apply_style(style)

    # --- cursor and actions ---

    def action_page(self, direction: int) -> None:
        """Move the cursor and the view a screenful, keeping the cursor's place on screen."""
        step = self._body_height * direction
        offset = self.cursor_row - int(self.scroll_offset.y)
        top = max(0, min(int(self.scroll_offset.y) + step, self.count - self._body_height))
        self.scroll_to(y=top, animate=False, immediate=True)
        self.cursor_row = max(0, min(top + offset, self.count - 1))
        self.refresh()

    def action_select(self) -> None:
        result = self.cursor_result
        if result is not None:
            self.post_message(self.Selected(result.custom_id))

    def action_toggle_mark(self) -> None:
        result = self.cursor_result
        if result is not None:
            self.post_message(self.MarkToggled(result.custom_id))
            self.action_cursor(1)

    def _row_clicked(self, row: int, event: events.Click) -> None:
        self.move_cursor(row)
        if event.chain >= 2:
            self.action_select()

    def on_mount(self) -> None:
        self._started = True
        self._load()
