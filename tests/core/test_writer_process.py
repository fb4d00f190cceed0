"""A large download's rows inserted by a second process (tui.core.store.writer_process): the
same rows, costs, error groups and raw JSON as the in-process writer, and the same crash
safety when either process dies."""

from __future__ import annotations

import asyncio
import marshal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from synckit import anthropic_profile, engine_for, message_params

from tui.core.errors import StoreError
from tui.core.models import ResultsState
from tui.core.store import Store
from tui.core.store.codec import RESULT_COLUMNS
from tui.core.store.writer_process import CHILD_MODULE, FRAME_HEADER, ProcessAppender
from tui.sim import Simulator


async def mixed_batch(sim: Simulator) -> str:
    """An ended batch with successes, errors and expiries (so error groups and costs)."""
    pairs = [(f"req-{i:04d}", orjson.loads(message_params(f"question {i}"))) for i in range(1200)]
    pairs.append(("invalid", orjson.loads(message_params("zero", max_tokens=0))))
    planned = sim.state.create_anthropic(pairs, sim.clock.time(), error_rate=0.1, duration=108000)
    sim.clock.advance(hours=31)
    return planned.id


async def stored_everything(store: Store, batch_id: str) -> dict[str, object]:
    """What a user gets from the cache: every row with its raw JSON, costs, error groups."""
    rows = [
        (r.custom_id, r.type, r.model, r.stop_reason, r.text, r.usage, r.error_message, r.raw)
        async for r in store.results.iterate(batch_id)
    ]
    return {
        "rows": rows,
        "counts": await store.results.counts_by_type(batch_id),
        "groups": await store.results.error_groups(batch_id),
        "usage": await store.results.usage_groups(batch_ids=[batch_id]),
        "state": (await store.batches.get(batch_id)).results_state,
    }


async def test_both_writers_store_the_same(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.core.sync.CHUNK_SIZE", 500)
    batch_id = await mixed_batch(sim)
    seen = {}
    started: list[object] = []
    start = ProcessAppender.start

    async def counted_start(*args, **kwargs):  # the real one, counted
        started.append(args)
        return await start(*args, **kwargs)

    monkeypatch.setattr(ProcessAppender, "start", counted_start)
    for writer, threshold in (("in-process", 10**9), ("writer-process", 0)):
        monkeypatch.setattr("tui.core.store.results.PROCESS_WRITER_MIN", threshold)
        started.clear()
        async with engine_for(sim, tmp_path / writer, anthropic_profile(sim)) as (engine, store, _):
            await engine.import_all()
            assert await engine.download_results(batch_id) == 1201
            seen[writer] = await stored_everything(store, batch_id)
        assert len(started) == (writer == "writer-process")
    assert seen["in-process"]["state"] == ResultsState.COMPLETE
    assert seen["in-process"]["groups"]  # errors and expiries were there to group
    assert seen["writer-process"] == seen["in-process"]


async def test_a_writer_process_that_dies_fails_the_download_and_loses_nothing(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.core.sync.CHUNK_SIZE", 300)
    monkeypatch.setattr("tui.core.store.results.PROCESS_WRITER_MIN", 0)
    batch_id = await mixed_batch(sim)
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.import_all()
        write = store.results.write
        chunks = 0

        async def write_then_kill_the_writer(results):
            nonlocal chunks
            await write(results)
            chunks += 1
            if chunks == 2:
                appender = store.results._appending[batch_id]
                assert isinstance(appender, ProcessAppender)
                appender._process.kill()
                await asyncio.to_thread(appender._process.wait)

        store.results.write = write_then_kill_the_writer
        with pytest.raises(StoreError, match="writer process failed"):
            await engine.download_results(batch_id)
        assert (await store.batches.get(batch_id)).results_state == ResultsState.PARTIAL
        stored = await store.results.count(batch_id)
        assert stored % 300 == 0  # whole chunks only
        assert stored <= 600

    # The next run downloads it again, to exactly one row per request.
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.poll_once()
        assert (await store.batches.get(batch_id)).results_state == ResultsState.COMPLETE
        rows = await store.db.fetchone(
            "SELECT count(DISTINCT custom_id), count(*) FROM results WHERE batch_id = ?",
            (batch_id,),
        )
        assert tuple(rows) == (1201, 1201)


def frame(values: list[tuple]) -> bytes:
    payload = marshal.dumps(values)
    return FRAME_HEADER.pack(len(payload)) + payload


def row(batch_id: str, custom_id: str) -> tuple:
    values = dict.fromkeys(RESULT_COLUMNS)
    values.update(batch_id=batch_id, custom_id=custom_id, type="succeeded", text="fox", raw=b"{}")
    values.update(input_tokens=1, cache_write_5m=0, cache_write_1h=0, cache_read=0)
    values.update(output_tokens=1)
    return tuple(values[c] for c in RESULT_COLUMNS)


async def test_a_parent_that_dies_mid_chunk_leaves_only_whole_chunks(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    store = await Store.open(path)
    await store.results.defer_search_index("b1")
    first = frame([row("b1", f"r{i:03d}") for i in range(100)])
    second = frame([row("b1", f"r{i:03d}") for i in range(100, 150)])
    child = subprocess.run(
        [sys.executable, "-m", CHILD_MODULE, str(path), "b1", "index"],
        input=first + second[: len(second) // 2],  # then the stream ends: the parent died
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    assert await store.results.count("b1") == 100
    assert await store.results.search_pending("b1")  # never marked as indexed in full
    await store.close()


async def test_the_writer_process_reports_a_database_it_cannot_use(tmp_path: Path) -> None:
    path = tmp_path / "not-a-database"
    path.write_bytes(b"this is not sqlite" * 100)
    appender = await ProcessAppender.start(path, "b1", index=False)
    await appender.write([row("b1", "r1")])
    with pytest.raises(StoreError, match="not-a-database"):
        await asyncio.wait_for(appender.flush(), 60)
