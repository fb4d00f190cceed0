"""Snapshots of the requests inspector and the request detail screen at 120x36.

Baselines live in ``__snapshots__``; regenerate them with
``pytest tests/ui/test_requests_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from requests_support import HostApp, fill_store, settle

from tui.core.models import Batch, ResultType
from tui.core.store import Store

SIZE = (120, 36)


def prepared(tmp_path: Path, total: int = 600, stored: int | None = None) -> tuple[Batch, Path]:
    """A database file holding a synthetic batch (the app opens it in its own event loop)."""
    path = tmp_path / "cache.db"

    async def fill() -> Batch:
        async with await Store.open(path) as store:
            batch = await fill_store(store, total, stored=stored)
            params = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": []}
            await store.requests.put(batch.id, [("req-000000", orjson.dumps(params))])
            return batch

    return asyncio.run(fill()), path


@pytest.fixture
def app(tmp_path: Path) -> HostApp:
    batch, path = prepared(tmp_path)
    return HostApp(batch, db_path=path)


def test_requests_view(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_requests_view_errored_with_marks(snap_compare, app):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "space", "space")
        pilot.app.screen.show_outcome(ResultType.ERRORED)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_requests_view_downloading(snap_compare, tmp_path):
    batch, path = prepared(tmp_path, total=600, stored=250)
    assert snap_compare(HostApp(batch, db_path=path), terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("tab", ["1", "2", "3", "4"])
def test_request_detail(snap_compare, app, tab):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(tab)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
