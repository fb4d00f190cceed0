"""Our screens and widgets never shadow Textual's ``Widget.batch()``.

Textual's recompose runs ``async with self.batch():``; a screen that stored its Batch in
``self.batch`` would fail there with "'Batch' object is not callable" (mypy found it).
"""

from __future__ import annotations

from pathlib import Path

from requests_support import HostApp, fill_store, make_batch, settle
from textual.app import App, ComposeResult

from tui.core.store import Store
from tui.screens.annotate import AnnotateScreen
from tui.screens.requests import RequestsScreen
from tui.widgets.batch_detail import BatchDetail


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


async def test_batch_detail_keeps_textual_batch() -> None:
    app = _DetailApp()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = app.query_one(BatchDetail)
        detail.shown_batch = make_batch(10)
        async with detail.batch():
            pass
        await pilot.pause()
