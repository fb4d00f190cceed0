"""Bench: the requests inspector over a 100,000-request batch, against a DataTable of every row.

Not a test (nothing asserts a time; machines differ). Run it and read the table::

    python tests/bench/bench_requests_view.py [--requests 100000]

It stores one synthetic batch (the same mix as the UI tests: ~94 % succeeded, 4 % errored,
1.5 % expired, 0.5 % canceled, with text) through ``store.results.write``, then, headless at
120x36, measures for each view:

* open: from pushing the screen to the first rows painted (the first screen of a process
  pays for CSS and widget classes once; "again" is a second open);
* page down: one keypress to a screen of loaded rows (median and worst of 30);
* filter / search: from the change to the first page of matches painted (the search box's
  150 ms typing debounce is left out: it is a deliberate wait, not work).

The DataTable side is what a naive inspector would do: read every row, ``add_rows`` all of them,
and on a filter change ``clear()`` and add the matching rows again.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/builders.py

from requests_support import HostApp, fill_store, settle
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input

from tui.core.models import RequestResult, ResultType
from tui.core.store import ResultFilter, Store
from tui.ui.screens.requests import RequestsScreen
from tui.ui.widgets.result_filters import ResultFilters
from tui.ui.widgets.results_view import ResultsView, preview_of, reason_of

SIZE = (120, 36)
PAGE_DOWNS = 30
REPEATS = 5
SEARCH = "overloaded"


class PaintProbe:
    """Notices the first painted line that satisfies a condition, and when it was painted.

    Both views render through the Line API, so wrapping ``render_line`` sees the very lines the
    compositor paints; waiting on an event avoids polling with ``pilot.pause()``, whose ~20 ms
    per call would swamp what is measured.
    """

    def __init__(self, cls: type) -> None:
        self.event = asyncio.Event()
        self.condition: Callable[[object, int, str], bool] | None = None
        self.painted_at = 0.0
        original = cls.render_line
        probe = self

        def render_line(widget, y: int):
            strip = original(widget, y)
            if probe.condition is not None and probe.condition(widget, y, strip.text):
                probe.painted_at = time.perf_counter()
                probe.condition = None
                probe.event.set()
            return strip

        cls.render_line = render_line

    async def time(
        self,
        action: Callable[[], Awaitable[object] | object],
        condition: Callable[[object, int, str], bool],
    ) -> float:
        """Seconds from calling ``action`` to a painted line meeting ``condition``."""
        self.event.clear()
        self.condition = condition
        start = time.perf_counter()
        result = action()
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            await result
        await asyncio.wait_for(self.event.wait(), timeout=120)
        return self.painted_at - start


def row_id(row: int) -> str:
    return f"req-{row:06d}"  # the synthetic batch numbers its requests in order


# --- the inspector ---------------------------------------------------------------------------


def last_line_loaded(top_id: str) -> Callable[[object, int, str], bool]:
    """The bottom line of the list painted with data, and the top row is ``top_id``."""

    def check(view, y: int, text: str) -> bool:
        if y != view._body_height:
            return False
        top = int(view.scroll_offset.y)
        first = view._row(top, current_only=True)
        bottom = view._row(min(top + y - 1, view.count - 1), current_only=True)
        return first is not None and bottom is not None and first.custom_id == top_id

    return check


def first_match_painted(matches: Callable[[RequestResult], bool]):
    """The top row of the list painted with a row of the new filter (the total may follow)."""

    def check(view, y: int, text: str) -> bool:
        if y != 1:
            return False
        row = view._row(int(view.scroll_offset.y), current_only=True)
        return row is not None and matches(row)

    return check


async def bench_inspector(store: Store, batch) -> dict[str, float | list[float]]:
    probe = PaintProbe(ResultsView)
    app = HostApp(batch, store, push=False)  # the bench times the push
    figures: dict[str, float | list[float]] = {}
    first_row = lambda view, y, text: y == 1 and row_id(0) in text  # noqa: E731
    async with app.run_test(size=SIZE) as pilot:
        opens = []
        for _ in range(REPEATS + 1):
            if opens:
                app.pop_screen()
                await settle(pilot)
            push = lambda: app.push_screen(RequestsScreen(store, batch))  # noqa: E731
            opens.append(await probe.time(push, first_row))
            await settle(pilot)
        figures["open (first in process)"] = opens[0]
        figures["open (again)"] = opens[1:]
        screen = app.screen
        view = screen.query_one(ResultsView)
        downs = []
        for _ in range(PAGE_DOWNS):
            top = int(view.scroll_offset.y) + view._body_height
            painted = last_line_loaded(row_id(top))
            downs.append(await probe.time(lambda: view.action_page(1), painted))
            await settle(pilot)  # the prefetch of the next page, as a reader's pause would allow
        figures["page down"] = downs
        last = view.count - 1
        figures["jump to end (G)"] = await repeat(
            pilot,
            lambda: probe.time(view.action_last, lambda v, y, text: row_id(last) in text),
            view.action_first,
        )
        errored = first_match_painted(lambda r: r.type is ResultType.ERRORED)
        figures["filter: errored"] = await repeat(
            pilot,
            lambda: probe.time(lambda: screen.show_outcome(ResultType.ERRORED), errored),
            lambda: screen.show_outcome(None),
        )
        filters = screen.query_one(ResultFilters)

        def searched(result: RequestResult) -> bool:
            return SEARCH in (result.error_message or result.text or "").lower()

        def search() -> None:
            filters.query_one("#search", Input).value = SEARCH
            filters._post_changed(submitted=True)  # as Enter does; skips the typing debounce

        figures[f"search: {SEARCH!r}"] = await repeat(
            pilot,
            lambda: probe.time(search, first_match_painted(searched)),
            filters.clear,
        )
    return figures


async def repeat(
    pilot, measure: Callable[[], Awaitable[float]], undo: Callable[[], object]
) -> list[float]:
    """``measure`` REPEATS times, undoing it and letting the app settle in between."""
    figures = []
    for _ in range(REPEATS):
        figures.append(await measure())
        await settle(pilot)
        undo()
        await settle(pilot)
    return figures


# --- a DataTable of every row ---------------------------------------------------------------


def cells(result: RequestResult) -> tuple[str, ...]:
    usage = result.usage
    return (
        result.type.value,
        result.custom_id,
        reason_of(result),
        str(usage.prompt_tokens),
        str(usage.output_tokens),
        preview_of(result)[:60],
    )


class TableApp(App):
    def compose(self) -> ComposeResult:
        table = DataTable(cursor_type="row")
        table.add_columns("outcome", "custom_id", "reason", "in", "out", "text / error")
        yield table

    async def show(self, store: Store, batch_id: str, flt: ResultFilter) -> None:
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows([cells(r) async for r in store.results.iterate(batch_id, flt)])


def table_row_painted(expected_rows: int, custom_id: str):
    def check(table, y: int, text: str) -> bool:
        return table.row_count == expected_rows and custom_id in text

    return check


async def bench_table(store: Store, batch) -> dict[str, float | list[float]]:
    probe = PaintProbe(DataTable)
    app = TableApp()
    figures: dict[str, float | list[float]] = {}
    total = await store.results.count(batch.id)
    async with app.run_test(size=SIZE) as pilot:
        opens = []
        for _ in range(3):
            show_all = lambda: app.show(store, batch.id, ResultFilter())  # noqa: E731
            opens.append(await probe.time(show_all, table_row_painted(total, row_id(0))))
            await pilot.pause()
        figures["open (first in process)"] = opens[0]
        figures["open (again)"] = opens[1:]
        table = app.query_one(DataTable)
        table.focus()
        downs = []
        for _ in range(PAGE_DOWNS):
            await pilot.pause()
            before = table.cursor_row
            downs.append(
                await probe.time(
                    table.action_page_down,
                    lambda t, y, text, b=before: t.cursor_row > b and row_id(t.cursor_row) in text,
                )
            )
        figures["page down"] = downs
        figures["jump to end (G)"] = await repeat(
            pilot,
            lambda: probe.time(
                table.action_scroll_bottom, table_row_painted(total, row_id(total - 1))
            ),
            table.action_scroll_top,
        )
        for name, flt in (
            ("filter: errored", ResultFilter(types=frozenset({ResultType.ERRORED}))),
            (f"search: {SEARCH!r}", ResultFilter(search=SEARCH)),
        ):
            expected = await store.results.count(batch.id, flt)
            first = (await store.results.page(batch.id, flt, limit=1))[0]
            times = []
            for _ in range(3):
                show = lambda f=flt: app.show(store, batch.id, f)  # noqa: E731
                times.append(await probe.time(show, table_row_painted(expected, first.custom_id)))
                await pilot.pause()
            figures[name] = times
    return figures


# --- report ----------------------------------------------------------------------------------


def describe(value: float | list[float]) -> str:
    if isinstance(value, list):
        return f"{statistics.median(value) * 1000:8.1f} ms (max {max(value) * 1000:.1f})"
    return f"{value * 1000:8.1f} ms"


async def main(requests: int, with_table: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        async with await Store.open(Path(directory) / "bench.db") as store:
            batch = await fill_store(store, requests)
            print(f"stored {requests:,} results in {time.perf_counter() - started:.1f} s")
            inspector = await bench_inspector(store, batch)
            table = await bench_table(store, batch) if with_table else {}
    print(f"\n{'measure (120x36, headless)':<28} {'ResultsView':>28} {'DataTable, all rows':>28}")
    for name in inspector:
        other = describe(table[name]) if name in table else "-"
        print(f"{name:<28} {describe(inspector[name]):>28} {other:>28}")
    print("\nlists: median (max) of the runs; targets: open <= 300 ms, others <= 50 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--no-table", action="store_true", help="skip the (slow) DataTable side")
    args = parser.parse_args()
    asyncio.run(main(args.requests, not args.no_table))
