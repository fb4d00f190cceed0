"""The sync engine against the simulator: import, polling, ingest, resume, faults, health."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from synckit import (
    ANTHROPIC_KEY,
    anthropic_profile,
    chat_body,
    engine_for,
    message_params,
    openai_profile,
    simple_requests,
)

from tui.core.config import Config, Profile, Settings
from tui.core.errors import ConfigError, ProviderError
from tui.core.events import (
    BatchChanged,
    ProfileHealth,
    ProfileStatusChanged,
    ResultsProgress,
)
from tui.core.models import BatchStatus, ProviderKind, ResultsState, ResultType
from tui.core.session import Session
from tui.core.store import ResultFilter, Store
from tui.core.sync import SyncEngine
from tui.sim import Simulator

MANY = 2500


def seed_many(sim: Simulator) -> None:
    """2,500 ended batches per provider, inserted straight into the simulator's state."""
    start = sim.clock.time() - 3 * 86400
    params = {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": []}
    record = sim.state.add_file("in.jsonl", "batch", chat_body() + b"\n", start - 60)
    for i in range(MANY):
        sim.state.create_anthropic([("only", params)], created=start + i * 60)
        sim.state.create_openai(
            input_file=record,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata=None,
            created=start + i * 60,
        )


async def test_import_all_pages_through_thousands_of_batches(
    sim: Simulator, tmp_path: Path
) -> None:
    seed_many(sim)
    async with engine_for(sim, tmp_path) as (engine, store, _):
        events = await engine.import_all()
        new = [e for e in events if isinstance(e, BatchChanged) and e.previous is None]
        assert len(new) == 2 * MANY
        assert len(await store.batches.list(profile="a")) == MANY
        assert len(await store.batches.list(profile="o")) == MANY
        assert sim.counters["anthropic.list"] == 3  # 1,000 a page
        assert sim.counters["openai.batches.list"] == 25  # 100 a page
        again = await engine.import_all()
        assert not [e for e in again if isinstance(e, BatchChanged)]
        assert {s.health for s in engine.statuses.values()} == {ProfileHealth.OK}


async def test_polling_follows_anthropic_batch_to_its_end(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, events):
        created = await engine.providers["a"].create_batch(simple_requests(20))
        await engine.import_all()
        assert (await store.batches.get(created.id)).status == BatchStatus.IN_PROGRESS
        assert not [e for e in await engine.poll_once() if isinstance(e, BatchChanged)]

        sim.clock.advance(hours=9)  # every planned batch ends within 8 hours
        changes = [e for e in await engine.poll_once() if isinstance(e, BatchChanged)]
        assert changes[0].ended
        assert changes[0].batch.status == BatchStatus.ENDED
        batch = await store.batches.get(created.id)
        assert batch.results_state == ResultsState.COMPLETE
        assert batch.models == ("claude-haiku-4-5-20251001",)  # the API answers with the snapshot
        assert await store.results.count(created.id) == 20
        progress = [e for e in events if isinstance(e, ResultsProgress)]
        assert progress[-1] == ResultsProgress(created.id, 20, 20, done=True)


async def test_polling_sees_every_openai_stage(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path, openai_profile(sim)) as (engine, store, _):
        created = await engine.providers["o"].create_batch(
            [(f"c{i}", chat_body(f"q{i}")) for i in range(10)]
        )
        await engine.import_all()
        planned = sim.state.openai[created.id]
        seen = [(await store.batches.get(created.id)).status]
        for moment in (planned.in_progress_at, planned.run_end, planned.final()[1]):
            sim.clock.advance(moment - sim.clock.time() + 1)
            for event in await engine.poll_once():
                if isinstance(event, BatchChanged) and event.batch.id == created.id:
                    seen.append(event.batch.status)
        assert seen[:4] == [
            BatchStatus.VALIDATING,
            BatchStatus.IN_PROGRESS,
            BatchStatus.FINALIZING,
            BatchStatus.ENDED,
        ]
        batch = await store.batches.get(created.id)
        assert batch.results_state == ResultsState.COMPLETE
        assert batch.counts.succeeded == 10
        assert batch.counts.total == 10


async def past_the_window(
    sim: Simulator, engine: SyncEngine, store: Store, batch_id: str
) -> dict[ResultType, int]:
    """Import, move 31 hours on and poll: the batch has expired with every result downloaded;
    its results counted by type."""
    await engine.import_all()
    sim.clock.advance(hours=31)
    await engine.poll_once()
    batch = await store.batches.get(batch_id)
    assert batch.status == BatchStatus.EXPIRED
    assert batch.results_state == ResultsState.COMPLETE
    return await store.results.counts_by_type(batch_id)


async def test_anthropic_results_of_every_type_with_usage_columns(
    sim: Simulator, tmp_path: Path
) -> None:
    def cached(ttl: str | None, text: str) -> dict:
        control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
        return {"system": [{"type": "text", "text": text * 1200, "cache_control": control}]}

    pairs = [
        ("write-5m", orjson.loads(message_params("a", **cached(None, "shared context ")))),
        ("read", orjson.loads(message_params("b", **cached(None, "shared context ")))),
        ("write-1h", orjson.loads(message_params("c", **cached("1h", "other context ")))),
        ("invalid", orjson.loads(message_params("d", max_tokens=0))),
    ] + [(f"plain-{i:03d}", orjson.loads(message_params(f"q{i}"))) for i in range(60)]
    # Planned to run 30 hours: the requests that would finish after 24 hours expire.
    planned = sim.state.create_anthropic(pairs, sim.clock.time(), error_rate=0.1, duration=108000)
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        counts = await past_the_window(sim, engine, store, planned.id)
        assert counts[ResultType.SUCCEEDED]
        assert counts[ResultType.EXPIRED]
        assert counts[ResultType.ERRORED] >= 1
        assert sum(counts.values()) == len(pairs)

        for custom_id, _params in pairs:
            result = await store.results.get(planned.id, custom_id)
            line = orjson.loads(result.raw)
            assert line["custom_id"] == custom_id
            assert result.type == line["result"]["type"]
            if result.type == ResultType.SUCCEEDED:
                usage = line["result"]["message"]["usage"]
                assert result.usage.input_tokens == usage["input_tokens"]
                assert result.usage.cache_read_tokens == usage["cache_read_input_tokens"]
                assert result.usage.output_tokens == usage["output_tokens"]
                assert result.text
                assert result.text.startswith(f"Reply to {custom_id}")
                assert result.stop_reason in ("end_turn", "max_tokens")
        invalid = await store.results.get(planned.id, "invalid")
        assert invalid.type == ResultType.ERRORED
        assert invalid.error_type == "invalid_request_error"
        assert invalid.error_message
        by_id = {cid: await store.results.get(planned.id, cid) for cid in ("write-5m", "read")}
        by_id["write-1h"] = await store.results.get(planned.id, "write-1h")
        if by_id["write-5m"].type == ResultType.SUCCEEDED:
            assert by_id["write-5m"].usage.cache_write_5m_tokens > 0
        if by_id["read"].type == ResultType.SUCCEEDED:
            assert by_id["read"].usage.cache_read_tokens > 0
        if by_id["write-1h"].type == ResultType.SUCCEEDED:
            assert by_id["write-1h"].usage.cache_write_1h_tokens > 0
            assert by_id["write-1h"].usage.cache_write_5m_tokens == 0


async def test_anthropic_cancel_gives_canceled_results(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, events):
        created = await engine.providers["a"].create_batch(simple_requests(50))
        await engine.import_all()
        canceling = await engine.cancel(created.id)
        assert canceling.status == BatchStatus.CANCELING
        assert isinstance(events[-1], BatchChanged)
        assert events[-1].batch.id == created.id
        sim.clock.advance(minutes=5)
        await engine.poll_once()
        batch = await store.batches.get(created.id)
        assert batch.status == BatchStatus.CANCELED
        counts = await store.results.counts_by_type(created.id)
        assert counts[ResultType.CANCELED] == batch.counts.canceled > 0
        assert sum(counts.values()) == 50


async def test_openai_output_and_error_files_judged_line_by_line(
    sim: Simulator, tmp_path: Path
) -> None:
    context = "Background the assistant must keep in mind. " * 120  # > 1,024 tokens: cached
    bodies = [(f"ok-{i}", chat_body(f"q{i}", system=context)) for i in range(30)]
    bodies.append(("too-long", chat_body("x", max_tokens=0)))
    data = b"".join(
        orjson.dumps({"custom_id": c, "method": "POST", "url": "/v1/chat/completions"})[:-1]
        + b',"body":'
        + b
        + b"}\n"
        for c, b in bodies
    )
    record = sim.state.add_file("in.jsonl", "batch", data, sim.clock.time())
    planned = sim.state.create_openai(
        input_file=record,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata=None,
        created=sim.clock.time(),
        error_rate=0.1,
        duration=30 * 3600,
    )
    async with engine_for(sim, tmp_path, openai_profile(sim)) as (engine, store, _):
        counts = await past_the_window(sim, engine, store, planned.id)
        assert sum(counts.values()) == 31
        assert counts[ResultType.EXPIRED] > 0
        assert counts[ResultType.SUCCEEDED] > 0
        # Counts refined from the files: expired requests are no longer lumped in "errored".
        batch = await store.batches.get(planned.id)
        assert batch.counts.expired == counts[ResultType.EXPIRED]
        assert batch.counts.errored == counts[ResultType.ERRORED]

        invalid = await store.results.get(planned.id, "too-long")
        if invalid.type == ResultType.ERRORED:
            assert invalid.error_type == "invalid_request_error"
        reads = 0
        for custom_id, _ in bodies:
            result = await store.results.get(planned.id, custom_id)
            line = orjson.loads(result.raw)
            if result.type == ResultType.EXPIRED:
                assert line["error"]["code"] == "batch_expired"
            if result.type != ResultType.SUCCEEDED:
                continue
            usage = line["response"]["body"]["usage"]
            cached = usage["prompt_tokens_details"]["cached_tokens"]
            assert result.usage.cache_read_tokens == cached
            assert result.usage.input_tokens == usage["prompt_tokens"] - cached
            assert result.usage.output_tokens == usage["completion_tokens"]
            assert result.model == "gpt-4o-mini-2024-07-18"  # the dated snapshot
            assert result.stop_reason in (
                "end_turn",
                "max_tokens",
            )
            reads += cached > 0
        assert reads > 0


async def test_openai_cancelled_lines_become_canceled(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path, openai_profile(sim)) as (engine, store, _):
        created = await engine.providers["o"].create_batch(
            [(f"c{i}", chat_body(f"q{i}")) for i in range(40)]
        )
        await engine.import_all()
        planned = sim.state.openai[created.id]
        sim.clock.advance(planned.in_progress_at - sim.clock.time() + 60)
        await engine.cancel(created.id)
        sim.clock.advance(minutes=10)
        await engine.poll_once()
        batch = await store.batches.get(created.id)
        assert batch.status == BatchStatus.CANCELED
        counts = await store.results.counts_by_type(created.id)
        assert counts[ResultType.CANCELED] > 0
        assert sum(counts.values()) == 40 == batch.counts.total


async def ended_batch(sim: Simulator, count: int) -> str:
    planned = sim.state.create_anthropic(
        [(cid, orjson.loads(p)) for cid, p in simple_requests(count)],
        sim.clock.time() - 86400,
        duration=3600,
    )
    return planned.id


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest 500 results a transaction, so a 2,000-request batch takes four."""
    monkeypatch.setattr("tui.core.sync.CHUNK_SIZE", 500)


@pytest.mark.usefixtures("small_chunks")
async def test_dropped_stream_resumes_to_one_row_per_request(
    sim: Simulator, tmp_path: Path
) -> None:
    batch_id = await ended_batch(sim, 2000)
    sim.faults.inject(route="anthropic.results", kind="drop", after_bytes=900_000)
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.import_all()
        await engine.poll_once()
        assert engine.statuses["a"].health == ProfileHealth.OFFLINE
        assert (await store.batches.get(batch_id)).results_state == ResultsState.PARTIAL
        assert 0 < await store.results.count(batch_id) < 2000

        await engine.poll_once()
        assert engine.statuses["a"].health == ProfileHealth.OK
        assert (await store.batches.get(batch_id)).results_state == ResultsState.COMPLETE
        assert await store.results.count(batch_id) == 2000


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("how", ["exception", "cancelled"])
async def test_crash_mid_ingest_resumes_exactly(sim: Simulator, tmp_path: Path, how: str) -> None:
    batch_id = await ended_batch(sim, 2000)
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.import_all()
        write = store.results.write
        chunks = 0

        async def crashing_write(results):
            nonlocal chunks
            await write(results)
            chunks += 1
            if chunks == 2:
                if how == "cancelled":
                    asyncio.current_task().cancel()
                    await asyncio.sleep(0)
                raise RuntimeError("simulated crash")

        store.results.write = crashing_write
        with pytest.raises((RuntimeError, asyncio.CancelledError)):
            await asyncio.create_task(engine.download_results(batch_id))
        assert (await store.batches.get(batch_id)).results_state == ResultsState.PARTIAL
        assert await store.results.count(batch_id) == 1000

    # A new run over the same database picks it up on its next poll.
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.poll_once()
        assert (await store.batches.get(batch_id)).results_state == ResultsState.COMPLETE
        assert await store.results.count(batch_id) == 2000
        rows = await store.db.fetchone(
            "SELECT count(DISTINCT custom_id), count(*) FROM results WHERE batch_id = ?",
            (batch_id,),
        )
        assert tuple(rows) == (2000, 2000)


@pytest.mark.parametrize(
    ("route", "kind", "profile", "health"),
    [
        ("anthropic.list", "429", "a", ProfileHealth.RATE_LIMITED),
        ("anthropic.list", "529", "a", ProfileHealth.SERVER_ERROR),
        ("openai.batches.list", "429", "o", ProfileHealth.RATE_LIMITED),
        ("openai.batches.list", "500", "o", ProfileHealth.SERVER_ERROR),
    ],
)
async def test_error_storm_is_reported_then_recovers(
    sim: Simulator, tmp_path: Path, route: str, kind: str, profile: str, health: ProfileHealth
) -> None:
    async with engine_for(sim, tmp_path) as (engine, _store, events):
        await engine.providers["a"].create_batch(simple_requests(3))
        await engine.providers["o"].create_batch([("c", chat_body())])
        await engine.import_all()
        sim.faults.inject(route=route, kind=kind, count=3)  # the SDK's first try and 2 retries
        await engine.poll_once()
        assert engine.statuses[profile].health == health
        other = "o" if profile == "a" else "a"
        assert engine.statuses[other].health == ProfileHealth.OK
        if kind == "429":
            assert engine.statuses[profile].retry_after == pytest.approx(0.01)
        assert ANTHROPIC_KEY not in engine.statuses[profile].message
        assert "\n" not in engine.statuses[profile].message

        sim.clock.advance(1)  # past the retry-after
        await engine.poll_once()
        assert engine.statuses[profile].health == ProfileHealth.OK
        changes = [e.status.health for e in events if isinstance(e, ProfileStatusChanged)]
        assert changes.count(health) == 1


async def test_revoked_key_does_not_stop_the_other_profile(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path) as (engine, store, _):
        await engine.providers["a"].create_batch(simple_requests(3))
        created = await engine.providers["o"].create_batch([("c", chat_body())])
        await engine.import_all()
        sim.revoke_key(ANTHROPIC_KEY)
        sim.clock.advance(hours=9)
        await engine.poll_once()
        assert engine.statuses["a"].health == ProfileHealth.UNAUTHORIZED
        assert "refused" in engine.statuses["a"].message
        assert engine.statuses["o"].health == ProfileHealth.OK
        assert (await store.batches.get(created.id)).results_state == ResultsState.COMPLETE


class _RateLimited:
    """A provider that always answers 429 with a long retry-after (no SDK involved)."""

    profile = Profile("slow", ProviderKind.ANTHROPIC, api_key="x")
    kind = ProviderKind.ANTHROPIC

    async def list_batches(self):
        raise ProviderError("rate limited", kind="rate_limited", retry_after=120.0)
        yield

    async def close(self) -> None:
        pass


async def test_next_delay_backs_off_and_honours_retry_after(sim: Simulator, tmp_path: Path) -> None:
    settings = Settings(poll_interval=10, max_poll_interval=80)
    async with engine_for(sim, tmp_path, anthropic_profile(sim), settings=settings) as (
        engine,
        _,
        _,
    ):
        assert engine.next_delay() == 10
        delays = []
        for _ in range(4):
            await engine.poll_once()
            delays.append(engine.next_delay())
        assert delays == [20, 40, 80, 80]
        await engine.providers["a"].create_batch(simple_requests(2))
        await engine.import_all()
        sim.clock.advance(hours=9)
        await engine.poll_once()
        assert engine.next_delay() == 10

    store = await Store.open(tmp_path / "other.db")
    now = sim.clock.now()
    engine = SyncEngine(store, {"slow": _RateLimited()}, settings, clock=lambda: now)
    try:
        await engine.import_all()
        assert engine.statuses["slow"].health == ProfileHealth.RATE_LIMITED
        assert engine.next_delay() == 120  # the provider's retry-after beats our 10 s
    finally:
        await engine.close()
        await store.close()


async def test_delete_refuses_active_batch_then_deletes(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        created = await engine.providers["a"].create_batch(simple_requests(2))
        await engine.import_all()
        with pytest.raises(ProviderError, match="cancel it"):
            await engine.delete(created.id)
        sim.clock.advance(hours=9)
        await engine.poll_once()
        await engine.delete(created.id)
        assert created.id not in sim.state.anthropic
        assert await store.results.count(created.id) == 2  # the local copy stays


async def test_results_of_archived_batch_are_unavailable(sim: Simulator, tmp_path: Path) -> None:
    planned = sim.state.create_anthropic(
        [("only", orjson.loads(message_params()))], sim.clock.time() - 30 * 86400, duration=600
    )
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.import_all()
        await engine.poll_once()
        batch = await store.batches.get(planned.id)
        assert batch.archived_at is not None
        assert batch.results_state == ResultsState.UNAVAILABLE


async def test_session_skips_a_profile_without_key(sim: Simulator, tmp_path: Path) -> None:
    config = Config(
        path=tmp_path / "config.toml",
        profiles={
            "a": anthropic_profile(sim),
            "nokey": Profile("nokey", ProviderKind.OPENAI, api_key_env="MISSING_KEY_VAR"),
        },
    )
    async with Session.open(config, tmp_path / "db.sqlite", env={}) as session:
        assert set(session.providers) == {"a"}
        status = session.engine.statuses["nokey"]
        assert status.health == ProfileHealth.MISCONFIGURED
        assert "MISSING_KEY_VAR" in status.message
        await session.engine.import_all()

    with pytest.raises(ConfigError, match="MISSING_KEY_VAR"):
        async with Session.open(config, tmp_path / "db.sqlite", profile="nokey", env={}):
            pass


@pytest.mark.usefixtures("small_chunks")
async def test_search_index_is_built_once_per_download(sim: Simulator, tmp_path: Path) -> None:
    batch_id = await ended_batch(sim, 1200)
    sim.faults.inject(route="anthropic.results", kind="drop", after_bytes=500_000)
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.import_all()
        await engine.poll_once()  # cut off: rows stored, search index deferred
        await engine.poll_once()
        await engine.download_results(batch_id)  # and once more, on purpose
        everything = ResultFilter(search="Reply")
        assert await store.results.count(batch_id, everything) == 1200
        one = ResultFilter(search="req-00042")
        assert [r.custom_id for r in await store.results.page(batch_id, one)] == ["req-00042"]
        async with store.db.transaction() as conn:  # raises if the index and rows disagree
            await conn.execute("INSERT INTO results_fts (results_fts) VALUES ('integrity-check')")


async def test_one_poll_downloads_every_ended_batch(sim: Simulator, tmp_path: Path) -> None:
    ids = [await ended_batch(sim, 30) for _ in range(6)]
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, events):
        await engine.import_all()
        await engine.poll_once()
        for batch_id in ids:
            assert (await store.batches.get(batch_id)).results_state == ResultsState.COMPLETE
            assert await store.results.count(batch_id) == 30
        assert sim.counters["anthropic.results"] == 6
        done = {e.batch_id for e in events if isinstance(e, ResultsProgress) and e.done}
        assert done == set(ids)
        await engine.poll_once()
        assert sim.counters["anthropic.results"] == 6  # complete: never downloaded again


async def test_results_of_a_running_batch_are_refused(sim: Simulator, tmp_path: Path) -> None:
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        created = await engine.providers["a"].create_batch(simple_requests(2))
        await engine.import_all()
        with pytest.raises(ProviderError, match="once it ends"):
            await engine.download_results(created.id)
        assert (await store.batches.get(created.id)).results_state == ResultsState.NONE
