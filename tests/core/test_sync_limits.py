"""Polls that hold back: a 429 ends a profile's round, and two processes never sync one profile.

The simulator counts the calls each route received (``sim.counters``); the clock is frozen, so
"before the retry-after has passed" is exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from synckit import anthropic_profile, engine_for, message_params, simple_requests

from tui.core.config import Profile, Settings
from tui.core.errors import ProviderError
from tui.core.events import ProfileHealth, ProfileStatusChanged
from tui.core.models import Batch, ProviderKind, ResultsState
from tui.core.store import Store
from tui.core.sync import SyncEngine
from tui.core.sync_lock import ProfileLock, lock_path
from tui.core.sync_poll import refresh_each
from tui.sim import Simulator


def anthropic_calls(sim: Simulator) -> int:
    return sum(n for route, n in sim.counters.items() if route.startswith("anthropic."))


async def test_a_429_ends_the_round_until_the_retry_after(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, _, _):
        for i in range(50):
            await engine.providers["a"].create_batch(simple_requests(1, f"b{i}"))
        await engine.import_all()
        sim.faults.inject(route="anthropic.*", kind="429", count=None, retry_after_ms=10)
        before = anthropic_calls(sim)
        await engine.poll_once()
        # Before: one GET per active batch, each tried 3 times by the SDK (150 calls).
        assert anthropic_calls(sim) - before == 3  # one list call, tried 3 times
        status = engine.statuses["a"]
        assert status.health == ProfileHealth.RATE_LIMITED
        assert "rate-limited, waiting" in status.message

        before = anthropic_calls(sim)
        await engine.poll_once()  # the frozen clock: the retry-after has not passed
        assert anthropic_calls(sim) == before
        assert engine.statuses["a"].health == ProfileHealth.RATE_LIMITED

        sim.faults.clear()
        sim.clock.advance(1)
        await engine.poll_once()
        assert anthropic_calls(sim) > before
        assert engine.statuses["a"].health == ProfileHealth.OK


async def test_the_first_429_cancels_the_other_single_refreshes(
    sim: Simulator, tmp_path: Path
) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        for i in range(50):
            await engine.providers["a"].create_batch(simple_requests(1, f"b{i}"))
        await engine.import_all()
        batches = await store.batches.list()
        sim.faults.inject(route="anthropic.retrieve", kind="429", count=None)
        with pytest.raises(ProviderError, match="rate limited"):
            await refresh_each(engine.providers["a"], batches, on_gone=_never)
        # At most the 8 refreshes under way when the first 429 came, 3 tries each.
        assert sim.counters["anthropic.retrieve"] <= 24


async def _never(batch: Batch) -> None:
    raise AssertionError(f"{batch.id} is not gone")


class _LongRateLimit:
    """A provider that answers every list with a 429 and a 30 s retry-after (no SDK)."""

    profile = Profile("busy", ProviderKind.ANTHROPIC, api_key="x")
    kind = ProviderKind.ANTHROPIC

    def __init__(self) -> None:
        self.calls = 0

    async def list_batches(self, *, page_size: int | None = None) -> AsyncIterator[Batch]:
        self.calls += 1
        raise ProviderError("rate limited", kind="rate_limited", retry_after=30.0)
        yield  # an async generator, like the real ones

    async def close(self) -> None:
        pass


async def test_the_status_says_how_long_it_waits(sim: Simulator, tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "cache.db")
    provider = _LongRateLimit()
    engine = SyncEngine(store, {"busy": provider}, Settings(poll_interval=10), clock=sim.clock.now)
    try:
        await engine.poll_once()
        assert engine.statuses["busy"].message == "profile 'busy': rate-limited, waiting 30 s"
        assert engine.next_delay() == 30
        sim.clock.advance(12)
        await engine.poll_once()
        assert provider.calls == 1
        assert engine.statuses["busy"].message == "profile 'busy': rate-limited, waiting 18 s"
        assert engine.next_delay() >= 18  # never before the provider allows
    finally:
        await engine.close()
        await store.close()


async def ended_batches(sim: Simulator, how_many: int) -> list[str]:
    params = orjson.loads(message_params())
    start = sim.clock.time() - 86400
    return [
        sim.state.create_anthropic([("only", params)], start + i, duration=600).id
        for i in range(how_many)
    ]


async def test_two_engines_on_one_cache_download_once(sim: Simulator, tmp_path: Path) -> None:
    ids = await ended_batches(sim, 6)
    async with (
        engine_for(sim, tmp_path, anthropic_profile(sim)) as (first, store, _),
        engine_for(sim, tmp_path, anthropic_profile(sim)) as (second, _, events),
    ):
        await asyncio.gather(first.import_all(), second.import_all())
        await asyncio.gather(first.poll_once(), second.poll_once())
        assert sim.counters["anthropic.results"] == len(ids)  # before: twice as many
        busy = [
            e.status
            for e in events
            if isinstance(e, ProfileStatusChanged) and e.status.health == ProfileHealth.BUSY
        ]
        assert busy
        assert "another batchtui process is syncing it; skipped" in busy[0].message
        for batch_id in ids:
            assert (await store.batches.get(batch_id)).results_state == ResultsState.COMPLETE


async def test_a_profile_synced_elsewhere_is_skipped_then_waited_for(
    sim: Simulator, tmp_path: Path
) -> None:
    ids = await ended_batches(sim, 3)
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, events):
        other = ProfileLock(lock_path(tmp_path, "a"))  # what another process would hold
        assert other.try_acquire()
        await engine.poll_once()
        assert sum(sim.counters.values()) == 0  # nothing asked while the other one syncs
        assert engine.statuses["a"].health == ProfileHealth.BUSY

        engine.wait_for_other_process = True  # as `batchtui sync` does
        engine.lock_wait_step = 0.001
        waiting = asyncio.Event()
        engine.on_event = lambda e: (
            waiting.set()
            if isinstance(e, ProfileStatusChanged) and "waiting" in e.status.message
            else events.append(e)
        )
        polling = asyncio.create_task(engine.poll_once())
        await waiting.wait()
        assert sum(sim.counters.values()) == 0
        other.release()
        await polling
        assert engine.statuses["a"].health == ProfileHealth.OK
        assert sim.counters["anthropic.results"] == len(ids)
        assert {(await store.batches.get(i)).results_state for i in ids} == {ResultsState.COMPLETE}
