"""The demo workspace: about 30 batches of both providers with every kind of outcome."""

from __future__ import annotations

from collections import Counter

from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

from tui.sim import Simulator


async def test_demo_workspace_has_a_bit_of_everything(
    sim: Simulator, aclient: AsyncAnthropic, oclient: AsyncOpenAI
) -> None:
    sim.seed_demo_workspace()

    anthropic_batches = [b async for b in aclient.messages.batches.list(limit=100)]
    openai_batches = [b async for b in oclient.batches.list(limit=100)]
    assert 25 <= len(anthropic_batches) + len(openai_batches) <= 35
    assert all(b.created_at <= sim.clock.now() for b in anthropic_batches)

    statuses = Counter(b.processing_status for b in anthropic_batches)
    assert statuses["in_progress"] >= 2
    assert statuses["ended"] >= 8
    assert statuses["canceling"] >= 1
    ended = [b for b in anthropic_batches if b.processing_status == "ended"]
    assert any(b.request_counts.canceled for b in ended)
    assert any(b.request_counts.expired for b in ended)
    assert any(b.request_counts.errored for b in ended)
    big = max(anthropic_batches, key=lambda b: sum(b.request_counts.to_dict().values()))
    assert sum(big.request_counts.to_dict().values()) == 20_000

    openai_statuses = Counter(b.status for b in openai_batches)
    assert {"in_progress", "completed", "failed", "expired", "cancelled"} <= set(openai_statuses)
    assert {b.model for b in openai_batches} == {"gpt-4o-mini", "gpt-4.1"}
    anthropic_models = {sim.state.anthropic[b.id].table.models[0] for b in anthropic_batches}
    assert anthropic_models == {"claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"}


async def test_running_demo_batches_progress_as_the_clock_moves(
    sim: Simulator, oclient: AsyncOpenAI, aclient: AsyncAnthropic
) -> None:
    sim.seed_demo_workspace()
    running = [b async for b in oclient.batches.list() if b.status == "in_progress"]
    before = {b.id: b.request_counts.completed for b in running}
    sim.clock.advance(minutes=30)
    for batch_id, completed in before.items():
        assert (await oclient.batches.retrieve(batch_id)).request_counts.completed > completed
    sim.clock.advance(days=1)
    async for batch in aclient.messages.batches.list(limit=100):
        assert batch.processing_status == "ended"


async def test_demo_cached_batches_report_cache_usage(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    sim.seed_demo_workspace()
    sim.clock.advance(days=1)
    reads = 0
    async for batch in aclient.messages.batches.list(limit=100):
        if (
            batch.request_counts.succeeded
            and "sonnet" in sim.state.anthropic[batch.id].table.models[0]
        ):
            async for result in await aclient.messages.batches.results(batch.id):
                if result.result.type == "succeeded":
                    reads += result.result.message.usage.cache_read_input_tokens or 0
    assert reads > 0
