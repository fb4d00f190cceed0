"""``batchtui sync`` leaves the search index of what it downloads to the TUI (its only reader):
the rows are stored and complete, the batch stays listed as not indexed, and one later build
indexes every row exactly once."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from storekit import search_index_is_exact
from synckit import anthropic_profile, simple_requests

from tui.core.config import Settings
from tui.core.models import ResultsState
from tui.core.providers.factory import make_provider
from tui.core.store import ResultFilter, Store
from tui.core.sync import SyncEngine
from tui.sim import Simulator


async def ended_batch(sim: Simulator, count: int) -> str:
    requests = [(cid, orjson.loads(p)) for cid, p in simple_requests(count)]
    return sim.state.create_anthropic(requests, sim.clock.time() - 86400, duration=3600).id


@pytest.mark.parametrize("chunk", [500, 5000])  # several chunks appended, or one
async def test_a_download_without_indexing_leaves_one_build_for_later(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr("tui.core.sync.CHUNK_SIZE", chunk)
    batch_id = await ended_batch(sim, 1200)
    store = await Store.open(tmp_path / "cache.db")
    provider = make_provider(anthropic_profile(sim))
    engine = SyncEngine(store, {"a": provider}, Settings(), index_search=False)
    try:
        await engine.import_all()
        await engine.poll_once()
        assert (await store.batches.get(batch_id)).results_state == ResultsState.COMPLETE
        assert await store.results.count(batch_id) == 1200
        everything = ResultFilter(search="Reply")
        assert await store.results.count(batch_id, everything) == 0  # not indexed yet
        assert await store.results.search_pending(batch_id)
        assert await store.results.downloaded_without_search_index() == [batch_id]

        await store.results.build_search_index(batch_id)
        assert await store.results.count(batch_id, everything) == 1200
        assert not await store.results.search_pending(batch_id)
        assert await store.results.downloaded_without_search_index() == []
        await search_index_is_exact(store)
    finally:
        await engine.close()
        await store.close()


async def test_the_engine_indexes_as_it_downloads_by_default(
    sim: Simulator, tmp_path: Path
) -> None:
    batch_id = await ended_batch(sim, 300)
    store = await Store.open(tmp_path / "cache.db")
    engine = SyncEngine(store, {"a": make_provider(anthropic_profile(sim))}, Settings())
    try:
        await engine.import_all()
        await engine.poll_once()
        assert await store.results.count(batch_id, ResultFilter(search="Reply")) == 300
        assert not await store.results.search_pending(batch_id)
    finally:
        await engine.close()
        await store.close()
