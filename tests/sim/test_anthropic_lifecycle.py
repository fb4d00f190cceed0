"""Anthropic Message Batches through the official SDK, from create to each of the four results."""

from __future__ import annotations

import asyncio

import anthropic
import pytest
from anthropic import AsyncAnthropic
from simkit import KEY, anthropic_client, message_request

from tui.sim import SimOptions, Simulator


async def test_create_returns_an_in_progress_batch_with_every_field(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    client = aclient
    batch = await client.messages.batches.create(requests=[message_request("a")])
    assert batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 1
    assert batch.results_url is None
    assert batch.ended_at is None
    assert (batch.expires_at - batch.created_at).total_seconds() == 24 * 3600
    assert batch._request_id.startswith("req_")
    raw = await client.messages.batches.with_raw_response.retrieve(batch.id)
    assert set(raw.http_response.json()) == {
        "id",
        "type",
        "processing_status",
        "request_counts",
        "ended_at",
        "created_at",
        "expires_at",
        "archived_at",
        "cancel_initiated_at",
        "results_url",
    }
    assert raw.http_response.json()["created_at"].endswith("Z")


async def test_succeeded_and_errored_results_after_the_batch_ends(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    client = aclient
    requests = [message_request(f"ok-{i}", "word " * (i * 40 + 1)) for i in range(5)]
    requests.append({"custom_id": "no-max", "params": {"model": "m", "messages": []}})
    requests.append(message_request("streaming", stream=True))
    requests.append(message_request("zero", max_tokens=0))
    requests.append(message_request("short", max_tokens=3))
    batch = await client.messages.batches.create(requests=requests)

    sim.clock.advance(minutes=1)
    running = await client.messages.batches.retrieve(batch.id)
    assert running.request_counts.processing == len(requests)  # counts move only at the end
    with pytest.raises(anthropic.AnthropicError, match="results_url"):
        await client.messages.batches.results(batch.id)

    sim.clock.advance(hours=24)
    ended = await client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended"
    assert ended.request_counts.succeeded == 6
    assert ended.request_counts.errored == 3
    assert ended.results_url.startswith(sim.anthropic_base_url)
    results = {r.custom_id: r.result async for r in await client.messages.batches.results(batch.id)}
    assert set(results) == {r["custom_id"] for r in requests}
    assert results["no-max"].type == "errored"
    assert results["no-max"].error.error.type == "invalid_request_error"
    assert "max_tokens" in results["no-max"].error.error.message
    assert results["streaming"].error.error.type == "invalid_request_error"
    assert results["zero"].error.error.type == "invalid_request_error"
    short = results["short"].message
    assert short.stop_reason == "max_tokens"
    assert short.usage.output_tokens == 3
    message = results["ok-4"].message
    assert message.stop_reason == "end_turn"
    assert "ok-4" in message.content[0].text
    assert message.usage.service_tier == "batch"
    assert message.usage.input_tokens >= 40  # 160 words of 5 characters, about 4 per token
    assert message.usage.output_tokens > 0


async def test_results_are_deterministic_for_a_seed() -> None:
    async def run() -> list[str]:
        options = SimOptions(seed=7, speed=0.0, expire_rate=0.0, error_rate=0.3)
        async with Simulator(options) as sim, anthropic_client(sim) as client:
            requests = [message_request(f"r{i}") for i in range(30)]
            batch = await client.messages.batches.create(requests=requests)
            sim.clock.advance(days=1)
            stream = await client.messages.batches.results(batch.id)
            return [r.to_json() async for r in stream]

    first, second = await run(), await run()
    assert first == second
    assert any('"api_error"' in line or '"overloaded_error"' in line for line in first)


async def test_results_are_shuffled_but_complete(sim: Simulator, aclient: AsyncAnthropic) -> None:
    client = aclient
    requests = [message_request(f"r{i:03d}") for i in range(200)]
    batch = await client.messages.batches.create(requests=requests)
    sim.clock.advance(days=1)
    ids = [r.custom_id async for r in await client.messages.batches.results(batch.id)]
    assert sorted(ids) == [r["custom_id"] for r in requests]
    assert ids != sorted(ids)


async def test_cancel_ends_with_canceled_results(sim: Simulator, aclient: AsyncAnthropic) -> None:
    client = aclient
    requests = [message_request(f"r{i}") for i in range(50)]
    batch = await client.messages.batches.create(requests=requests)
    canceling = await client.messages.batches.cancel(batch.id)
    assert canceling.processing_status == "canceling"
    assert canceling.cancel_initiated_at is not None
    assert canceling.request_counts.processing == 50
    sim.clock.advance(minutes=5)
    ended = await client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended"
    assert ended.request_counts.canceled == 50
    kinds = {r.result.type async for r in await client.messages.batches.results(batch.id)}
    assert kinds == {"canceled"}
    with pytest.raises(anthropic.BadRequestError):
        await client.messages.batches.cancel(batch.id)


async def test_expired_requests_after_24_hours() -> None:
    options = SimOptions(seed=3, speed=0.0, expire_rate=1.0, error_rate=0.0)
    async with Simulator(options) as sim, anthropic_client(sim) as client:
        batch = await client.messages.batches.create(
            requests=[message_request(f"r{i}") for i in range(40)]
        )
        sim.clock.advance(hours=23, minutes=59)
        assert (await client.messages.batches.retrieve(batch.id)).processing_status == (
            "in_progress"
        )
        sim.clock.advance(minutes=1)
        ended = await client.messages.batches.retrieve(batch.id)
        assert ended.processing_status == "ended"
        assert ended.ended_at == ended.expires_at
        counts = ended.request_counts
        assert counts.expired > 0
        assert counts.succeeded + counts.expired == 40
        kinds = {r.result.type async for r in await client.messages.batches.results(batch.id)}
        assert "expired" in kinds


async def test_delete_only_when_ended_then_404(sim: Simulator, aclient: AsyncAnthropic) -> None:
    client = aclient
    batch = await client.messages.batches.create(requests=[message_request("a")])
    with pytest.raises(anthropic.BadRequestError):
        await client.messages.batches.delete(batch.id)
    sim.clock.advance(days=1)
    deleted = await client.messages.batches.delete(batch.id)
    assert (deleted.id, deleted.type) == (batch.id, "message_batch_deleted")
    with pytest.raises(anthropic.NotFoundError):
        await client.messages.batches.retrieve(batch.id)
    with pytest.raises(anthropic.NotFoundError):
        await client.messages.batches.delete(batch.id)


async def test_results_archived_after_29_days(sim: Simulator, aclient: AsyncAnthropic) -> None:
    client = aclient
    batch = await client.messages.batches.create(requests=[message_request("a")])
    sim.clock.advance(days=29)
    archived = await client.messages.batches.retrieve(batch.id)
    assert archived.archived_at is not None
    assert archived.results_url is not None
    with pytest.raises(anthropic.NotFoundError):
        await client.messages.batches.results(batch.id)


async def test_sync_client_in_a_thread(sim: Simulator) -> None:
    def work() -> tuple[str, list[str]]:
        client = anthropic.Anthropic(base_url=sim.anthropic_base_url, api_key=KEY)
        batch = client.messages.batches.create(requests=[message_request("x")])
        sim.clock.advance(days=1)
        kinds = [r.result.type for r in client.messages.batches.results(batch.id)]
        return client.messages.batches.retrieve(batch.id).processing_status, kinds

    status, kinds = await asyncio.to_thread(work)
    assert (status, kinds) == ("ended", ["succeeded"])


async def test_count_tokens_is_deterministic_from_content(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    client = aclient
    short = await client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "Hi"}]
    )
    long = await client.messages.count_tokens(
        model="claude-haiku-4-5",
        system="You are terse.",
        messages=[{"role": "user", "content": "x" * 4000}],
    )
    assert short.input_tokens == 1
    assert long.input_tokens == (4000 + len("You are terse.") + 3) // 4


async def test_unshuffled_results_keep_request_order() -> None:
    options = SimOptions(seed=1, speed=0.0, expire_rate=0.0, error_rate=0.0, shuffle=False)
    async with Simulator(options) as sim, anthropic_client(sim) as client:
        requests = [message_request(f"r{i:02d}") for i in range(20)]
        batch = await client.messages.batches.create(requests=requests)
        sim.clock.advance(days=1)
        ids = [r.custom_id async for r in await client.messages.batches.results(batch.id)]
        assert ids == [r["custom_id"] for r in requests]


async def test_beta_client_uses_the_same_routes(sim: Simulator, aclient: AsyncAnthropic) -> None:
    batch = await aclient.beta.messages.batches.create(
        requests=[message_request("a")], betas=["output-300k-2026-03-24"]
    )
    sim.clock.advance(days=1)
    listed = [b.id async for b in aclient.beta.messages.batches.list()]
    assert listed == [batch.id]
    results = [r async for r in await aclient.beta.messages.batches.results(batch.id)]
    assert results[0].result.type == "succeeded"
