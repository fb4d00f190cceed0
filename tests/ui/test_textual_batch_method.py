"""Our screens and widgets never shadow Textual's own methods with their state.

Textual's recompose runs ``async with self.batch():``; a screen that stored its Batch in
``self.batch`` would fail there with "'Batch' object is not callable", and a table that kept
its search in ``self.query`` broke ``Widget.query()`` (mypy found both).
"""

from __future__ import annotations

from pathlib import Path

from requests_support import HostApp, fill_store, inspected_batch, settle
from textual.app import App, ComposeResult

from tui.core.store import Store
from tui.ui.batch_view import parse_query
from tui.ui.screens.annotate import AnnotateScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.widgets.batch_detail import BatchDetail
from tui.ui.widgets.batch_table import BatchTable


async def test_requests_and_annotate_screens_keep_textual_batch(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "cache.db")
    try:
        batch = await fill_store(store, 50)
        app = HostApp(batch, store)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, RequestsScreen)
            async with app.screen.batch():
                pass
            await app.push_screen(AnnotateScreen(batch))
            await settle(pilot)
            assert isinstance(app.screen, AnnotateScreen)
            await app.screen.recompose()  # runs `async with self.batch():`
            assert app.screen.shown_batch is batch
    finally:
        await store.close()


class _DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BatchDetail(id="detail")
        yield BatchTable(id="batches")


async def test_batch_detail_keeps_textual_batch() -> None:
    app = _DetailApp()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = app.query_one(BatchDetail)
        detail.shown_batch = inspected_batch(10)
        async with detail.batch():
            pass
        await pilot.pause()


async def test_batch_table_keeps_textual_query() -> None:
    app = _DetailApp()
    async with app.run_test(size=(80, 24)):
        table = app.query_one(BatchTable)
        table.configure(query=parse_query("status:ended"))
        assert list(table.query("*")) == []  # Widget.query(): the table has no children
        assert table.search == parse_query("status:ended")
