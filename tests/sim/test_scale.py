"""A 100,000-request Anthropic batch: accepted, and its results streamed lazily in chunks."""

from __future__ import annotations

import httpx2
import orjson
import pytest

from tui.sim import Simulator

COUNT = 100_000


@pytest.mark.slow
async def test_a_100000_request_batch_is_created_and_streamed(sim: Simulator) -> None:
    params = {"model": "claude-haiku-4-5", "max_tokens": 64, "messages": []}
    requests = [
        {
            "custom_id": f"r{i:06d}",
            "params": {**params, "messages": [{"role": "user", "content": f"q{i}"}]},
        }
        for i in range(COUNT)
    ]
    body = orjson.dumps({"requests": requests})
    headers = {
        "x-api-key": "k",
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
    }
    async with httpx2.AsyncClient(base_url=sim.anthropic_base_url, timeout=120) as http:
        created = await http.post("/v1/messages/batches", content=body, headers=headers)
        assert created.status_code == 200
        batch = created.json()
        assert batch["request_counts"]["processing"] == COUNT
        sim.clock.advance(days=1)
        ended = (await http.get(f"/v1/messages/batches/{batch['id']}", headers=headers)).json()
        assert ended["request_counts"]["succeeded"] == COUNT
        lines = chunks = 0
        tail = b""
        async with http.stream("GET", ended["results_url"], headers=headers) as reply:
            assert reply.headers["content-type"].startswith("application/x-jsonl")
            assert "content-length" not in reply.headers  # chunked, generated as it goes
            async for chunk in reply.aiter_raw():
                chunks += 1
                lines += chunk.count(b"\n")
                tail = (tail + chunk)[-4096:]
    assert lines == COUNT
    assert chunks > 10
    assert orjson.loads(tail.splitlines()[-1])["result"]["type"] == "succeeded"
    table = sim.state.anthropic[batch["id"]].table
    assert isinstance(table.params[0], bytes)  # params kept as compact raw JSON
