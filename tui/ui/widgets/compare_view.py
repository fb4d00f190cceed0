"""The rows of a comparison: one line per custom_id, A's outcome beside B's, read lazily.

It is the requests inspector's Line API view (:class:`~tui.ui.widgets.results_view.ResultsView`:
a ``ScrollView`` that renders only the lines on screen, pages from SQLite into a small LRU
cache, exclusive loading workers) with another source and another row: pages come from
:meth:`~tui.core.store.comparison.ComparisonRepository.page`, a row is a
:class:`~tui.core.store.comparison.ComparedPair`. Never a widget per row.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.message import Message
from textual.strip import Strip

from tui.core.compare import ComparedPair, CompareFilter
from tui.core.models import RequestResult, ResultType
from tui.core.store import Store
from tui.ui.widgets.line_list import CURSOR_BINDINGS
from tui.ui.widgets.result_cells import (
    OUTCOME_GLYPHS,
    compact_number,
    fit_cell,
    preview_of,
    reason_of,
    strip_of,
)
from tui.ui.widgets.results_view import PAGE_SIZE, ResultsView
from tui.ui.widgets.untrusted import one_line

ABSENT = ("·", "dim")
"""The glyph of a side that has no request with this custom_id."""


def _glyph(result: RequestResult | None) -> tuple[str, str]:
    return ABSENT if result is None else OUTCOME_GLYPHS[result.type]


def _reason(result: RequestResult | None) -> str:
    return "not in batch" if result is None else reason_of(result)


class CompareView(ResultsView, inherit_bindings=False):
    """Every pair of two batches that a :class:`CompareFilter` shows, one line each."""

    BINDINGS = [*CURSOR_BINDINGS]

    class CursorMoved(Message):
        """The pair under the cursor changed (None: the view is empty or not loaded yet)."""

        def __init__(self, pair: ComparedPair | None) -> None:
            super().__init__()
            self.pair = pair

    def __init__(
        self, store: Store, a: str, b: str, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(store, a, id=id, classes=classes)
        self.a, self.b = a, b
        self.filter: Any = CompareFilter()
        self._announced: ComparedPair | None = None

    @property
    def cursor_pair(self) -> ComparedPair | None:
        pair: ComparedPair | None = self._row(self.cursor_row, current_only=True)  # type: ignore[assignment]
        return pair

    def set_compare_filter(self, flt: CompareFilter) -> None:
        self.set_filter(flt)  # type: ignore[arg-type]  # the same machinery, another filter type

    # --- the source ----------------------------------------------------------------------------

    async def _fetch(self, page: int) -> list[Any]:
        pages, flt = self._store.comparison, self.filter
        previous = self._pages.get(page - 1)
        if previous is not None and len(previous) == PAGE_SIZE:
            after = previous[-1].custom_id
            return await pages.page(self.a, self.b, flt, after=after, limit=PAGE_SIZE)
        following = self._pages.get(page + 1)
        if following:
            before = following[0].custom_id
            return await pages.page(self.a, self.b, flt, before=before, limit=PAGE_SIZE)
        offset = page * PAGE_SIZE
        return await pages.page_at(self.a, self.b, flt, offset=offset, limit=PAGE_SIZE)

    @work(group="results-count", exclusive=True, exit_on_error=False, description="Counting")
    async def _load_count(self, generation: int) -> None:
        count = await self._store.comparison.count(self.a, self.b, self.filter)
        if generation == self._generation:
            self._set_count(count)

    def _put_page(self, page: int, rows: list[Any]) -> None:
        super()._put_page(page, rows)
        self._announce()

    def move_cursor(self, row: int) -> None:
        super().move_cursor(row)
        self._announce()

    def action_page(self, direction: int) -> None:
        super().action_page(direction)
        self._announce()

    def _announce(self) -> None:
        pair = self.cursor_pair
        if pair is not self._announced:
            self._announced = pair
            self.post_message(self.CursorMoved(pair))

    # --- rendering -----------------------------------------------------------------------------

    def _layout(self, width: int) -> tuple[int, int, int, int]:
        """Cells for custom_id, each reason, each token count, each preview."""
        id_width = min(self._id_width, 16 if width < 100 else 24)
        reason, tokens = (10, 5) if width < 100 else (14, 6)
        fixed = 4 + id_width + 1 + 2 * (reason + 1 + tokens + 1) + 3
        return id_width, reason, tokens, max(0, (width - fixed) // 2)

    def _header_strip(self, width: int) -> Strip:
        id_width, reason, tokens, preview = self._layout(width)
        parts = ["    ", fit_cell("custom_id", id_width), " "]
        for side in ("A", "B"):
            parts += [fit_cell(side, reason), " ", fit_cell("out", tokens, right=True), " "]
        parts += [" ", fit_cell("A text", preview), " │ ", "B text"]
        style = self.get_component_rich_style("results-view--header")
        return self._to_strip(Text("".join(parts), style=style), width)

    def _render_row(self, result: Any, width: int, *, cursor: bool) -> Strip:
        pair: ComparedPair = result
        styles = self._row_styles()
        base = styles["cursor"] if cursor else styles["base"]
        id_width, reason, tokens, preview = self._layout(width)
        cells: list[tuple[str, str | Style | None]] = []
        for side in (pair.a, pair.b):
            glyph, glyph_colour = _glyph(side)
            cells.append((f"{glyph} ", glyph_colour))
        cells.append((fit_cell(one_line(pair.custom_id, 200), id_width) + " ", None))
        for side in (pair.a, pair.b):
            colour: str | None = None
            if side is None or side.type is not ResultType.SUCCEEDED:
                colour = _glyph(side)[1]
            elif side.stop_reason == "max_tokens":
                colour = "yellow"  # cut short: flag it, as the inspector does
            out = compact_number(side.usage.output_tokens) if side else ""
            cells.append((fit_cell(_reason(side), reason) + " ", colour))
            cells.append((fit_cell(out, tokens, right=True) + " ", styles["dim"]))
        cells.append((" " + fit_cell(_preview(pair.a), preview), None))
        cells.append((" │ ", styles["dim"]))
        cells.append((_preview(pair.b), None))
        return strip_of(cells, width, base)


def _preview(result: RequestResult | None) -> str:
    return "" if result is None else preview_of(result)
