"""How fast the simulator creates a 100,000-request Anthropic batch and streams its results.

Not a test (pytest does not collect ``bench_*`` files): run it by hand and read the figures::

    python tests/bench/bench_sim_stream.py [--requests 100000]

It creates the batch through the official SDK (as a client would), ends it by advancing the
simulated clock, then reads the results twice: raw over httpx2 (the server's own rate) and
through the SDK's JSONL decoder (what a client sees).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

import httpx2
from anthropic import AsyncAnthropic

from tui.sim import SimOptions, Simulator


def _requests(count: int) -> list[dict]:
    return [
        {
            "custom_id": f"req-{i:06d}",
            "params": {
                "model": "claude-haiku-4-5",
                "max_tokens": 1024,
                "messages": [{"role": "user", "content": f"Summarise ticket {i} in one line."}],
            },
        }
        for i in range(count)
    ]


async def main(count: int) -> None:
    options = SimOptions(seed=0, speed=0.0, expire_rate=0.0, error_rate=0.02)
    async with Simulator(options) as sim:
        client = AsyncAnthropic(base_url=sim.anthropic_base_url, api_key="sk-bench", timeout=600)
        requests = _requests(count)
        started = time.perf_counter()
        batch = await client.messages.batches.create(requests=requests)
        print(f"create via SDK: {count} requests in {time.perf_counter() - started:.2f} s")
        sim.clock.advance(days=1)
        url = (await client.messages.batches.retrieve(batch.id)).results_url

        started, lines, size = time.perf_counter(), 0, 0
        async with (
            httpx2.AsyncClient(timeout=600) as http,
            http.stream(
                "GET", url, headers={"x-api-key": "k", "anthropic-version": "2023-06-01"}
            ) as reply,
        ):
            async for chunk in reply.aiter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - started
        print(
            f"raw stream: {lines} lines, {size / 1e6:.1f} MB in {elapsed:.2f} s = "
            f"{lines / elapsed:,.0f} lines/s, {size / 1e6 / elapsed:.1f} MB/s"
        )

        started, parsed = time.perf_counter(), 0
        async for _ in await client.messages.batches.results(batch.id):
            parsed += 1
        elapsed = time.perf_counter() - started
        print(f"SDK results: {parsed} results in {elapsed:.2f} s = {parsed / elapsed:,.0f} /s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process (client and server): {peak:.0f} MB")
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().requests))
