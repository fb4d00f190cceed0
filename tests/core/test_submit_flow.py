"""Submitting, estimating and retrying against the simulator, through the real SDKs."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from builders import params, write_requests
from submitkit import KEY, profile_for, session_on

from tui.core.config import Config, Profile
from tui.core.lineage import latest_outcomes
from tui.core.models import ProviderKind, ResultType
from tui.core.session import Session
from tui.core.submit.attach import attach_file
from tui.core.submit.estimate import cached_prefix_tokens
from tui.core.submit.ledger import Ledger, SubmissionState
from tui.core.submit.retry import plan_retry, submit_retry
from tui.core.submit.submitter import (
    AlreadySubmitted,
    estimate_file,
    plan_file,
    submit_file,
)
from tui.sim import Simulator


async def test_estimate_small_file_counts_every_request_at_the_sim(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "small.jsonl", 12)
    async with session_on(sim, tmp_path) as session:
        provider = session.providers["a"]
        plan = plan_file(path, profile_for(sim))
        estimate = await estimate_file(plan, provider, None)
        exact = sum([await provider.count_tokens(params(i)) for i in range(12)])
    assert estimate.input_method == "exact"
    assert estimate.input_tokens == exact
    assert estimate.output_max == 12 * 200
    assert estimate.output_min == 12
    assert estimate.output_min <= estimate.output_expected <= estimate.output_max


async def test_estimate_large_file_extrapolates_from_a_sample(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "large.jsonl", 260)
    async with session_on(sim, tmp_path) as session:
        provider = session.providers["a"]
        estimate = await estimate_file(plan_file(path, profile_for(sim)), provider, None)
        exact = sum([await provider.count_tokens(params(i)) for i in range(260)])
    assert estimate.input_method == "sampled"
    assert estimate.sampled <= 200
    assert abs(estimate.input_tokens - exact) / exact < 0.1


async def test_estimate_prices_with_the_shipped_table_and_warns_on_short_cache_prefix(
    sim: Simulator, tmp_path: Path
) -> None:
    from tui.core.submit.estimate import price_table_fn

    cached = params(
        1, system=[{"type": "text", "text": "short", "cache_control": {"type": "ephemeral"}}]
    )
    path = tmp_path / "cache.jsonl"
    path.write_bytes(orjson.dumps({"custom_id": "c1", "params": cached}) + b"\n")
    estimate = await estimate_file(plan_file(path, profile_for(sim)), None, price_table_fn())
    assert estimate.input_method == "local"
    assert estimate.cost("max") is not None
    assert estimate.cost("min") < estimate.cost("max")
    assert [w.minimum for w in estimate.cache_warnings] == [4096]
    assert cached_prefix_tokens(params(1)) is None


async def test_submit_stores_params_and_refuses_the_same_file_twice(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "job.jsonl", 20)
    async with session_on(sim, tmp_path) as session:
        plan = plan_file(path, profile_for(sim), label="job")
        progress = []
        [batch] = await submit_file(session, plan, progress=progress.append)
        assert len(sim.state.anthropic) == 1
        stored = await session.store.batches.get(batch.id)
        assert stored.label == "job"
        assert stored.source == str(path.resolve())
        assert await session.store.requests.count(batch.id) == 20
        assert [p.stage for p in progress] == ["creating", "created"]
        with pytest.raises(AlreadySubmitted):
            await submit_file(session, plan_file(path, profile_for(sim)))
        await submit_file(session, plan_file(path, profile_for(sim)), force=True)
    assert len(sim.state.anthropic) == 2


class CrashAfterCreate:
    """The real provider, except that the process "dies" right after create returns."""

    def __init__(self, provider):
        self._provider = provider

    def __getattr__(self, name):
        return getattr(self._provider, name)

    async def create_batch(self, requests, *, endpoint=None):
        await self._provider.create_batch(requests, endpoint=endpoint)
        raise KeyboardInterrupt("crash between create and ledger")


async def submit_and_crash_after_create(session: Session, sim: Simulator, path: Path) -> None:
    """Submit ``path`` as a process that dies once the provider has made the batch, before the
    ledger hears of it; the session gets its real provider back for the next try."""
    real = session.providers["a"]
    session.providers["a"] = CrashAfterCreate(real)
    try:
        with pytest.raises(KeyboardInterrupt):
            await submit_file(session, plan_file(path, profile_for(sim)))
    finally:
        session.providers["a"] = real


async def test_a_crash_between_create_and_ledger_never_makes_a_second_batch(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "job.jsonl", 15)
    async with session_on(sim, tmp_path) as session:
        await submit_and_crash_after_create(session, sim, path)
        [entry] = await Ledger(session.store).pending()
        assert entry.state is SubmissionState.PENDING

        progress = []
        [batch] = await submit_file(
            session, plan_file(path, profile_for(sim)), progress=progress.append
        )
        assert [p.stage for p in progress] == ["adopted"]
        assert len(sim.state.anthropic) == 1
        assert batch.id in sim.state.anthropic
        assert await session.store.requests.count(batch.id) == 15
        assert await Ledger(session.store).pending() == []


async def test_retry_resends_exactly_the_errored_and_expired_requests(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    path = write_requests(tmp_path / "job.jsonl", 60)
    async with session_on(sim, tmp_path) as session:
        [batch] = await submit_file(session, plan_file(path, profile_for(sim)))
        sim.clock.advance(hours=40)
        await session.engine.poll_once()
        results = [r async for r in session.store.results.iterate(batch.id)]
        failed = {
            r.custom_id for r in results if r.type in (ResultType.ERRORED, ResultType.EXPIRED)
        }
        assert {r.type for r in results} >= {ResultType.ERRORED, ResultType.EXPIRED}

        plan = await plan_retry(
            session.store, batch.id, types={ResultType.ERRORED, ResultType.EXPIRED}
        )
        assert set(plan.custom_ids) == failed
        retry = await submit_retry(session, plan)

        assert (await session.store.batches.get(retry.id)).parent_id == batch.id
        table = sim.state.anthropic[retry.id].table
        assert set(table.custom_ids) == failed
        number = {f"req-{i:04d}": i for i in range(60)}
        for custom_id, sent in zip(table.custom_ids, table.params, strict=True):
            assert orjson.loads(sent) == params(number[custom_id])

        with pytest.raises(AlreadySubmitted):
            await submit_retry(session, plan)

        lineage = await latest_outcomes(session.store, retry.id)
        assert lineage.root.id == batch.id
        assert {o.custom_id for o in lineage.missing()} == failed  # retry still running
        assert all(o.batch_id == retry.id for o in lineage.missing())


async def test_attach_then_retry_a_batch_created_with_the_sdk(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    from anthropic import AsyncAnthropic

    sim = failing_sim
    path = write_requests(tmp_path / "elsewhere.jsonl", 40, prefix="ext")
    bad = {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "x"}]}
    requests = [{"custom_id": f"ext-{i:04d}", "params": params(i)} for i in range(40)]
    requests.append({"custom_id": "ext-bad", "params": bad})  # no max_tokens: invalid_request
    client = AsyncAnthropic(api_key=KEY, base_url=sim.anthropic_base_url)
    created = await client.messages.batches.create(requests=requests)
    await client.close()
    with path.open("ab") as handle:  # the original file, as another tool would have kept it
        handle.write(
            orjson.dumps({"custom_id": "ext-bad", "params": {**bad, "max_tokens": 9}}) + b"\n"
        )

    async with session_on(sim, tmp_path) as session:
        await session.engine.import_all()
        sim.clock.advance(hours=40)
        await session.engine.poll_once()
        batch = await session.store.batches.get(created.id)
        report = await attach_file(session.store, batch, path)
        assert report.stored == 41

        plan = await plan_retry(session.store, created.id)
        assert plan.excluded_invalid == ["ext-bad"]
        assert plan.count > 0
        assert "ext-bad" not in plan.custom_ids
        retry = await submit_retry(session, plan)
        table = sim.state.anthropic[retry.id].table
        assert sorted(table.custom_ids) == plan.custom_ids

        with_invalid = await plan_retry(session.store, created.id, include_invalid=True)
        assert "ext-bad" in with_invalid.custom_ids


async def test_openai_file_with_two_models_makes_one_batch_per_model(
    sim: Simulator, tmp_path: Path
) -> None:
    profile = Profile("o", ProviderKind.OPENAI, api_key="sk-openai-t", base_url=sim.openai_base_url)
    path = tmp_path / "openai.jsonl"
    lines = []
    for i in range(6):
        body = {
            "model": "gpt-4o-mini" if i % 2 else "gpt-4.1",
            "messages": [{"role": "user", "content": f"q{i}"}],
        }
        lines.append(
            orjson.dumps(
                {
                    "custom_id": f"o-{i}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": body,
                }
            )
        )
    path.write_bytes(b"\n".join(lines) + b"\n")
    config = Config(path=tmp_path / "config.toml", profiles={"o": profile})
    async with Session.open(config, tmp_path / "cache.db") as session:
        plan = plan_file(path, profile)
        estimate = await estimate_file(plan, session.providers["o"], None)
        assert estimate.input_method == "local"
        batches = await submit_file(session, plan)
        assert [b.endpoint for b in batches] == ["/v1/chat/completions"] * 2
        stored = [await session.store.batches.get(b.id) for b in batches]
        assert [s.models for s in stored] == [("gpt-4.1",), ("gpt-4o-mini",)]
        assert [await session.store.requests.count(b.id) for b in batches] == [3, 3]
    assert len(sim.state.openai) == 2


class CrashOnSecondCreate(CrashAfterCreate):
    """Creates the first batch normally; dies right after the second create returns."""

    def __init__(self, provider):
        super().__init__(provider)
        self.calls = 0

    async def create_batch(self, requests, *, endpoint=None):
        self.calls += 1
        if self.calls == 1:
            return await self._provider.create_batch(requests, endpoint=endpoint)
        return await super().create_batch(requests, endpoint=endpoint)


async def test_an_interrupted_multi_batch_run_resumes_without_duplicates(
    sim: Simulator, tmp_path: Path
) -> None:
    profile = Profile("o", ProviderKind.OPENAI, api_key="sk-openai-t", base_url=sim.openai_base_url)
    path = tmp_path / "openai.jsonl"
    lines = []
    for i in range(9):
        body = {"model": f"gpt-{i % 3}", "messages": [{"role": "user", "content": f"q{i}"}]}
        line = {
            "custom_id": f"o-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        }
        lines.append(orjson.dumps(line))
    path.write_bytes(b"\n".join(lines) + b"\n")
    config = Config(path=tmp_path / "config.toml", profiles={"o": profile})
    async with Session.open(config, tmp_path / "cache.db") as session:
        real = session.providers["o"]
        session.providers["o"] = CrashOnSecondCreate(real)
        with pytest.raises(KeyboardInterrupt):
            await submit_file(session, plan_file(path, profile))
        assert len(sim.state.openai) == 2  # the first, and the one whose answer was lost

        session.providers["o"] = real
        progress = []
        batches = await submit_file(session, plan_file(path, profile), progress=progress.append)
        assert [p.stage for p in progress if p.stage != "creating"] == [
            "skipped",
            "adopted",
            "created",
        ]
        assert len(sim.state.openai) == 3
        assert len({b.id for b in batches}) == 3
        with pytest.raises(AlreadySubmitted):
            await submit_file(session, plan_file(path, profile))


async def test_two_lookalike_batches_after_a_crash_are_ambiguous_and_nothing_is_created(
    sim: Simulator, tmp_path: Path
) -> None:
    from tui.core.submit.ledger import AmbiguousSubmission

    path = write_requests(tmp_path / "job.jsonl", 4)
    async with session_on(sim, tmp_path) as session:
        await submit_and_crash_after_create(session, sim, path)
        # Another tool creates a batch of the same size at about the same time.
        await session.providers["a"].create_batch(
            [(f"other-{i}", orjson.dumps(params(i))) for i in range(4)]
        )
        with pytest.raises(AmbiguousSubmission):
            await submit_file(session, plan_file(path, profile_for(sim)))
        assert len(sim.state.anthropic) == 2
        [batch] = await submit_file(session, plan_file(path, profile_for(sim)), force=True)
    assert len(sim.state.anthropic) == 3
    assert batch.id in sim.state.anthropic
