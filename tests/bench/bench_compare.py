"""Bench: comparing two 100,000-request batches, in the store and on the compare screen.

Not a test (nothing asserts a time; machines differ). Run it and read the figures::

    python tests/bench/bench_compare.py [--requests 100000] [--db PATH]

It stores two synthetic batches (the inspector bench's mix: ~94 % succeeded, 4 % errored...,
different seeds so outcomes and texts differ; A lacks every 97th custom_id, B every 89th)
through ``store.results.write``. ``--db`` keeps the database between runs (filling takes a
while). Then it prints, per compare filter, with no search, a rare word and a common word:

* first: the first page (200 pairs); next: the page after it, by key; at half: a page at the
  middle of the filter, by offset (a jump: G, a scrollbar drag); count: the filter's total;
* the tallies (every outcome pair, texts that differ, B longer) over both batches;
* on the compare screen (headless, 120x36): open to first rows painted, and each filter tab
  to its first row painted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/builders.py
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_requests_view import PaintProbe
from requests_support import inspected_batch, random_result
from textual.app import App

from tui.core.compare import CompareFilter, Only
from tui.core.store import Store
from tui.ui.screens.compare import CompareScreen
from tui.ui.widgets.compare_view import CompareView

A, B = "msgbatch_01BENCHA", "msgbatch_01BENCHB"
SEARCHES = (None, "overloaded", "invoice")
"""No search, a word in ~1 % of rows (error messages), a word in most texts."""


async def fill(store: Store, total: int) -> None:
    for batch_id, seed, gap in ((A, 1, 97), (B, 2, 89)):
        await store.batches.upsert([inspected_batch(total, batch_id=batch_id)])
        rng = random.Random(seed)
        for start in range(0, total, 5000):
            rows = [random_result(batch_id, n, rng) for n in range(start, min(start + 5000, total))]
            await store.results.write([r for r in rows if int(r.custom_id[4:]) % gap])


async def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = await call
    return (time.perf_counter() - start) * 1000, result


async def bench_store(store: Store) -> None:
    repo = store.comparison
    head = ("filter", "search", "first", "next", "at half", "count")
    print("{:10} {:11} {:>7} {:>7} {:>8} {:>7}  pairs".format(*head))
    for only in Only:
        for search in SEARCHES:
            flt = CompareFilter(only, search)
            first_ms, page = await timed(repo.page(A, B, flt))
            count_ms, count = await timed(repo.count(A, B, flt))
            next_ms = half_ms = 0.0
            if page:
                next_ms, _ = await timed(repo.page(A, B, flt, after=page[-1].custom_id))
                half_ms, _ = await timed(repo.page_at(A, B, flt, offset=count // 2))
            print(
                f"{only.value:10} {search or '-':11} {first_ms:6.1f}ms {next_ms:6.1f}ms "
                f"{half_ms:7.1f}ms {count_ms:6.1f}ms  {count:,}"
            )
    tally_ms, pairs = await timed(repo.counts(A, B))
    print(f"tallies over both batches: {tally_ms:.0f} ms ({pairs.in_both:,} in both)")


class Host(App):
    CSS_PATH = Path(__file__).resolve().parents[2] / "tui" / "ui" / "app.tcss"


async def bench_screen(store: Store, total: int) -> None:
    probe = PaintProbe(CompareView)
    batch_a, batch_b = await store.batches.get(A), await store.batches.get(B)
    app = Host()

    def first_row_of(view: object, y: int, text: str) -> bool:
        assert isinstance(view, CompareView)
        return y == 1 and view.cursor_pair is not None

    async with app.run_test(size=(120, 36)) as pilot:
        opens = []
        for _ in range(3):
            if opens:
                app.pop_screen()
                await pilot.pause()
            screen = CompareScreen(store, batch_a, batch_b)
            opens.append(await probe.time(lambda s=screen: app.push_screen(s), first_row_of))
            await app.workers.wait_for_complete()
        print(f"screen open to first rows painted: first {opens[0] * 1000:.0f} ms, "
              f"again {statistics.median(opens[1:]) * 1000:.0f} ms (median)")  # fmt: skip
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        view = screen.view
        for only in [*list(Only)[1:], Only.ALL]:

            def switched(v: object, y: int, text: str, only: Only = only) -> bool:
                return first_row_of(v, y, text) and view.filter.only is only

            ms = await probe.time(lambda o=only: screen.action_only(o.value), switched) * 1000
            await app.workers.wait_for_complete()
            print(f"  tab {only.value:9} first row painted {ms:6.0f} ms; {view.count:,} rows")
        pages = []
        for _ in range(10):
            start = time.perf_counter()
            await pilot.press("pagedown")
            await app.workers.wait_for_complete()
            await pilot.pause()
            pages.append((time.perf_counter() - start) * 1000)
        median = statistics.median(pages)
        print(f"  page down (key to rows loaded, incl. a pause): median {median:.0f} ms")


async def main(total: int, db: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "bench.db"
        store = await Store.open(path)
        try:
            if await store.results.count(B) != total - total // 89 - 1:
                start = time.perf_counter()
                await fill(store, total)
                print(f"stored 2 x {total:,} requests in {time.perf_counter() - start:.0f} s")
            await bench_store(store)
            await bench_screen(store, total)
        finally:
            await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="keep the database here between runs")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.db))
