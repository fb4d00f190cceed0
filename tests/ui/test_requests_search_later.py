"""A batch ``batchtui sync`` stored without its search index (it leaves that to the TUI): the
inspector shows its rows at once, says search is being indexed, builds the index, and runs a
search typed meanwhile again once it is ready. The App indexes such batches in the background."""

from __future__ import annotations

from pathlib import Path

from main_support import demo_services, running_app
from requests_support import BATCH_ID, HostApp, fill_store, screen_text
from requests_support import settle as settle_requests

from tui.core.store import ResultFilter, Store
from tui.ui.widgets.results_view import ResultsView

SIZE = (120, 36)
WORD = "overloaded"


async def store_without_search_index(store: Store, total: int):
    """A complete batch whose rows are stored but not indexed, as ``batchtui sync`` leaves it."""
    await store.results.defer_search_index(BATCH_ID)  # the batch fill_store stores
    batch = await fill_store(store, total)
    assert await store.results.search_pending(batch.id)
    return batch


async def test_rows_first_then_search_once_indexed(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "cache.db") as store:
        batch = await store_without_search_index(store, 3000)
        app = HostApp(batch, store)
        lock = store.db._write_lock
        await lock.acquire()  # the index build waits here, the rows must not
        try:
            async with app.run_test(size=SIZE) as pilot:
                for _ in range(200):
                    await pilot.pause()
                    if "req-000000" in screen_text(app) and "indexing" in screen_text(app):
                        break
                text = screen_text(app)
                assert "req-000000" in text
                assert "search: indexing…" in text
                await pilot.press("slash", *WORD, "enter")  # typed before the index is ready
                lock.release()
                await settle_requests(pilot)
                expected = await store.results.count(batch.id, ResultFilter(search=WORD))
                assert expected > 0
                assert app.screen.query_one(ResultsView).count == expected
                assert "indexing" not in screen_text(app)
                assert not await store.results.search_pending(batch.id)
        finally:
            if lock.locked():
                lock.release()


async def test_the_app_indexes_such_batches_after_its_first_paint(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_services(tmp_path / "run", cache=cache) as (_sim, services):
        store = services.store
        batches = [b for b in await store.batches.list() if await store.results.count(b.id)]
        for batch in batches:  # as if `batchtui sync` had downloaded them
            await store.results.defer_search_index(batch.id)
        assert len(await store.results.downloaded_without_search_index()) == len(batches)
        async with running_app(services, size=SIZE) as (_app, _pilot):
            assert await store.results.downloaded_without_search_index() == []
