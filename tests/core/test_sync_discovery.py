"""Polls that discover: batches created elsewhere, list-based refreshes, the shared cache.

Every test drives polls explicitly on the simulator's frozen clock and counts the calls each
route received (``sim.counters``).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from synckit import (
    anthropic_profile,
    chat_body,
    engine_for,
    message_params,
    simple_requests,
)

from tui.core.config import Settings
from tui.core.errors import ProviderError
from tui.core.events import BatchChanged, ProfileHealth
from tui.core.models import BatchStatus, ResultsState
from tui.sim import Simulator


def changes(events: list) -> list[BatchChanged]:
    return [e for e in events if isinstance(e, BatchChanged)]


async def test_poll_discovers_a_batch_created_elsewhere(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path) as (engine, store, _):
        await engine.providers["a"].create_batch(simple_requests(2))
        await engine.import_all()
        await engine.poll_once()
        # A pipeline submits with the SDK while batchtui runs: the engine never stored these.
        made_a = await engine.providers["a"].create_batch(simple_requests(3, "late"))
        made_o = await engine.providers["o"].create_batch([("c", chat_body())])
        new = {e.batch.id for e in changes(await engine.poll_once()) if e.previous is None}
        assert new == {made_a.id, made_o.id}
        assert (await store.batches.get(made_a.id)).status == BatchStatus.IN_PROGRESS
        assert (await store.batches.get(made_o.id)).status == BatchStatus.VALIDATING


async def test_one_list_call_refreshes_many_active_batches(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path) as (engine, store, _):
        for i in range(50):
            await engine.providers["a"].create_batch(simple_requests(2, f"a{i}"))
            await engine.providers["o"].create_batch([(f"c{i}", chat_body(f"q{i}"))])
        await engine.import_all()
        before = dict(sim.counters)
        await engine.poll_once()
        calls = {k: sim.counters[k] - before.get(k, 0) for k in sim.counters}
        # Before: one GET per active batch (50 + 50); now one list page per profile.
        assert calls.get("anthropic.list") == 1
        assert calls.get("openai.batches.list") == 1
        assert not calls.get("anthropic.retrieve")
        assert not calls.get("openai.batches.retrieve")

        sim.clock.advance(hours=25)  # every batch has ended
        ended = [e for e in changes(await engine.poll_once()) if e.ended]
        assert len(ended) == 100
        # The SDK GETs a batch before streaming its results; polling itself asked for none.
        assert sim.counters["anthropic.retrieve"] == sim.counters["anthropic.results"]
        assert {b.status for b in await store.batches.list()} <= {
            BatchStatus.ENDED,
            BatchStatus.EXPIRED,
        }


async def test_an_active_batch_gone_from_the_list_is_asked_for_alone(
    sim: Simulator, tmp_path: Path
) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _events):
        kept = await engine.providers["a"].create_batch(simple_requests(2))
        gone = await engine.providers["a"].create_batch(simple_requests(2, "x"))
        await engine.import_all()
        sim.state.delete_anthropic(gone.id)  # vanished at the provider (not through us)
        await engine.poll_once()
        assert sim.counters["anthropic.retrieve"] == 1  # only the one the list lacked
        assert (await store.batches.get(gone.id)).deleted_remotely
        assert not (await store.batches.get(kept.id)).deleted_remotely


async def test_an_old_active_batch_behind_many_ended_ones_is_asked_for_alone(
    sim: Simulator, tmp_path: Path
) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        params = orjson.loads(message_params())
        now = sim.clock.time()
        old = sim.state.create_anthropic([("only", params)], now - 7200, duration=20 * 3600)
        for i in range(250):  # ended batches listed in front of it (newer)
            sim.state.create_anthropic([("only", params)], now - 3600 + i, duration=60)
        await engine.import_all()
        await engine.poll_once()  # downloads the ended ones; then a quiet poll
        before = dict(sim.counters)
        await engine.poll_once()
        assert sim.counters["anthropic.list"] - before["anthropic.list"] <= 2
        assert sim.counters["anthropic.retrieve"] - before["anthropic.retrieve"] == 1
        assert (await store.batches.get(old.id)).status == BatchStatus.IN_PROGRESS


async def test_polls_keep_the_interval_while_anything_runs(sim: Simulator, tmp_path: Path) -> None:
    settings = Settings(poll_interval=10, max_poll_interval=300)
    async with engine_for(sim, tmp_path, anthropic_profile(sim), settings=settings) as (
        engine,
        _,
        _,
    ):
        await engine.providers["a"].create_batch(simple_requests(2))
        await engine.import_all()
        delays = []
        for _ in range(4):  # Anthropic counts do not move until the end: nothing changes
            sim.clock.advance(60)
            await engine.poll_once()
            delays.append(engine.next_delay())
        assert delays == [10, 10, 10, 10]


async def test_a_poll_with_nothing_running_still_tells_the_truth(
    sim: Simulator, tmp_path: Path
) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, _, _):
        await engine.import_all()
        await engine.poll_once()
        first_ok = engine.statuses["a"].last_ok
        assert engine.statuses["a"].health == ProfileHealth.OK
        assert first_ok is not None

        sim.clock.advance(30)
        sim.faults.inject(route="anthropic.*", kind="500", count=None)  # the API is down
        await engine.poll_once()
        status = engine.statuses["a"]
        assert status.health == ProfileHealth.SERVER_ERROR
        assert status.last_ok == first_ok  # a failed poll is no sync

        sim.faults.clear()
        sim.clock.advance(30)
        await engine.poll_once()
        assert engine.statuses["a"].health == ProfileHealth.OK
        assert engine.statuses["a"].last_ok == sim.clock.now()


async def test_batches_another_process_stored_are_told_about(
    sim: Simulator, tmp_path: Path
) -> None:
    """The TUI's engine and `watch`'s engine share one cache file."""
    planned_done = sim.state.create_anthropic(
        [("only", orjson.loads(message_params()))], sim.clock.time() - 86400, duration=600
    )
    async with (
        engine_for(sim, tmp_path, anthropic_profile(sim)) as (tui, _, _),
        engine_for(sim, tmp_path, anthropic_profile(sim)) as (watch, store, _),
    ):
        await tui.import_all()
        await tui.poll_once()
        running = await watch.providers["a"].create_batch(simple_requests(2))
        await watch.poll_once()  # watch stores it first
        seen = changes(await tui.poll_once())
        assert [(e.batch.id, e.previous) for e in seen] == [(running.id, None)]

        sim.clock.advance(hours=9)
        await watch.poll_once()  # watch records the end and downloads the results
        assert (await store.batches.get(running.id)).results_state == ResultsState.COMPLETE
        ended = [e for e in changes(await tui.poll_once()) if e.ended]
        assert [e.batch.id for e in ended] == [running.id]  # the TUI toasts it
        assert ended[0].previous is not None  # ...as an end, not as a new batch
        assert planned_done.id not in {e.batch.id for e in ended}


async def test_an_ended_batch_stored_elsewhere_reaches_the_tui(
    sim: Simulator, tmp_path: Path
) -> None:
    async with (
        engine_for(sim, tmp_path, anthropic_profile(sim)) as (tui, _, _),
        engine_for(sim, tmp_path, anthropic_profile(sim)) as (sync, _, _),
    ):
        await tui.import_all()
        planned = sim.state.create_anthropic(
            [("only", orjson.loads(message_params()))], sim.clock.time() - 86400, duration=600
        )
        await sync.poll_once()  # `batchtui sync` imports it, ended, results downloaded
        seen = changes(await tui.poll_once())
        assert [(e.batch.id, e.previous) for e in seen] == [(planned.id, None)]
        assert seen[0].batch.results_state == ResultsState.COMPLETE
        assert changes(await tui.poll_once()) == []  # told once, not at every poll


async def test_delete_marks_the_batch_deleted(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path) as (engine, store, events):
        a = await engine.providers["a"].create_batch(simple_requests(2))
        o = await engine.providers["o"].create_batch([("c", chat_body())])
        await engine.import_all()
        sim.clock.advance(hours=25)
        await engine.poll_once()
        for batch_id in (a.id, o.id):
            deleted = await engine.delete(batch_id)
            assert deleted.deleted_remotely
            told = [e for e in changes(events) if e.batch.id == batch_id][-1]
            assert told.batch.deleted_remotely
            assert not told.previous.deleted_remotely
            assert (await store.batches.get(batch_id)).deleted_remotely
        await engine.poll_once()  # OpenAI still lists the batch: the mark stays
        assert (await store.batches.get(o.id)).deleted_remotely


async def test_download_of_archived_results_keeps_the_local_rows(
    sim: Simulator, tmp_path: Path
) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        created = await engine.providers["a"].create_batch(simple_requests(5))
        await engine.import_all()
        sim.clock.advance(hours=9)
        await engine.poll_once()
        assert await store.results.count(created.id) == 5
        sim.clock.advance(days=30)  # the provider archives the results
        await engine.poll_once()
        assert (await store.batches.get(created.id)).archived_at is not None
        with pytest.raises(ProviderError, match="the 5 results stored here are intact"):
            await engine.download_results(created.id)
        assert (await store.batches.get(created.id)).results_state == ResultsState.COMPLETE
        assert await store.results.count(created.id) == 5


async def test_import_of_some_profiles_lists_only_those(sim: Simulator, tmp_path: Path) -> None:
    """``watch`` re-imports only the profiles whose listing failed, not every healthy one."""
    async with engine_for(sim, tmp_path) as (engine, _store, _):
        await engine.providers["o"].create_batch([("c", chat_body())])
        before = dict(sim.counters)
        events = await engine.import_all(only={"o"})
        assert {e.batch.profile for e in changes(events)} == {"o"}
        assert sim.counters["anthropic.list"] == before["anthropic.list"]
        assert sim.counters["openai.batches.list"] > before["openai.batches.list"]
