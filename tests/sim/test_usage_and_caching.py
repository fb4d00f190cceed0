"""Synthetic usage: tokens follow the request size, prompt caching writes once then reads."""

from __future__ import annotations

import orjson
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from simkit import chat_line, jsonl, message_request

from tui.sim import Simulator

SYSTEM = "You follow the house style guide to the letter. " * 400  # about 4,800 tokens: over
# claude-haiku-4-5's minimum cacheable prompt of 4,096 tokens (catalogue.toml)


def _cached_request(custom_id: str, ttl: str | None = None) -> dict:
    control = {"type": "ephemeral"} if ttl is None else {"type": "ephemeral", "ttl": ttl}
    return message_request(
        custom_id,
        f"Question {custom_id}",
        system=[{"type": "text", "text": SYSTEM, "cache_control": control}],
    )


async def _results(sim: Simulator, client: AsyncAnthropic, requests: list[dict]) -> dict:
    batch = await client.messages.batches.create(requests=requests)
    sim.clock.advance(days=1)
    stream = await client.messages.batches.results(batch.id)
    return {r.custom_id: r.result.message.usage async for r in stream}


async def test_first_request_writes_the_cache_and_the_rest_read_it(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    usage = await _results(sim, aclient, [_cached_request(f"r{i}") for i in range(4)])
    prefix = len(SYSTEM) // 4
    assert usage["r0"].cache_creation_input_tokens == prefix
    assert usage["r0"].cache_creation.ephemeral_5m_input_tokens == prefix
    assert usage["r0"].cache_creation.ephemeral_1h_input_tokens == 0
    assert usage["r0"].cache_read_input_tokens == 0
    for name in ("r1", "r2", "r3"):
        assert usage[name].cache_read_input_tokens == prefix
        assert usage[name].cache_creation_input_tokens == 0
        assert usage[name].input_tokens < 10  # only the uncached question remains


async def test_one_hour_ttl_goes_to_the_1h_bucket(sim: Simulator, aclient: AsyncAnthropic) -> None:
    usage = await _results(sim, aclient, [_cached_request("a", "1h"), _cached_request("b", "1h")])
    assert usage["a"].cache_creation.ephemeral_1h_input_tokens == len(SYSTEM) // 4
    assert usage["a"].cache_creation.ephemeral_5m_input_tokens == 0
    assert usage["b"].cache_read_input_tokens == len(SYSTEM) // 4


async def test_top_level_cache_control_caches_the_whole_prompt(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    same = "Shared context. " * 1100  # 4,400 tokens, over Haiku 4.5's 4,096 minimum
    requests = [
        message_request(f"r{i}", same, cache_control={"type": "ephemeral"}) for i in range(2)
    ]
    usage = await _results(sim, aclient, requests)
    assert usage["r0"].cache_creation_input_tokens == len(same) // 4
    assert usage["r1"].cache_read_input_tokens == len(same) // 4


async def test_no_cache_control_means_no_cache_tokens(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    usage = await _results(sim, aclient, [message_request("a", "x" * 400)])
    assert usage["a"].input_tokens == 100
    assert usage["a"].cache_creation_input_tokens == 0
    assert usage["a"].cache_read_input_tokens == 0
    assert usage["a"].service_tier == "batch"


async def test_openai_repeated_long_prefix_reports_cached_tokens(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    lines = []
    for i in range(3):
        line = chat_line(f"r{i}", f"Question {i}")
        line["body"]["messages"].insert(0, {"role": "system", "content": SYSTEM})
        lines.append(line)
    upload = await oclient.files.create(file=("in.jsonl", jsonl(lines)), purpose="batch")
    batch = await oclient.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    sim.clock.advance(days=1)
    done = await oclient.batches.retrieve(batch.id)
    cached = {}
    for raw in (await oclient.files.content(done.output_file_id)).read().splitlines():
        line = orjson.loads(raw)
        usage = line["response"]["body"]["usage"]
        cached[line["custom_id"]] = usage["prompt_tokens_details"]["cached_tokens"]
        assert cached[line["custom_id"]] <= usage["prompt_tokens"]
    assert cached["r0"] == 0
    assert cached["r1"] == cached["r2"] == len(SYSTEM) // 4 // 128 * 128
    assert done.usage.input_tokens_details.cached_tokens == 2 * cached["r1"]
