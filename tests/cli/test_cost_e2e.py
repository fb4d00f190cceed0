"""``batchtui cost`` end to end: the SDK submits, the simulator runs, the engine syncs.

Each test submits a batch with the official SDK (prompt caching included), lets the simulated
clock run it to the end, syncs it into the cache with the real engine, then checks that
``batchtui cost --json`` equals a sum worked out independently from the raw result lines: the
Anthropic results JSONL, and the OpenAI output file (whose cached input is a cache read).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

from tui.cli.main import main
from tui.core.config import load_config
from tui.core.models import ResultsState
from tui.core.prices import load_price_table
from tui.core.session import Session
from tui.sim import Simulator

KEY = "sk-test"


def write_config(path: Path, sim: Simulator) -> Path:
    path.write_text(
        f'[profiles.simulated]\nprovider = "anthropic"\napi_key = "{KEY}"\n'
        f'base_url = "{sim.anthropic_base_url}"\n'
    )
    path.chmod(0o600)  # a file holding api_key must be private
    return path


def run_cost(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> str:
    config, data = tmp_path / "config.toml", tmp_path / "data"
    code = main(["--config", str(config), "--data-dir", str(data), "cost", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


# Long enough to be cached at all: Haiku 4.5 caches 4,096 tokens or more, Sonnet 4.5 1,024.
SYSTEM_5M = "You are a careful assistant who answers briefly. " * 400
SYSTEM_1H = "You summarise documents for a busy reader, in plain words. " * 100


def request(custom_id: str, model: str, system: str | None = None, ttl: str | None = None):
    params: dict = {
        "model": model,
        "max_tokens": 200,
        "messages": [{"role": "user", "content": f"Question {custom_id}"}],
    }
    if system is not None:
        control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
        params["system"] = [{"type": "text", "text": system, "cache_control": control}]
    return {"custom_id": custom_id, "params": params}


REQUESTS = [
    request("r1-write-5m", "claude-haiku-4-5", SYSTEM_5M),
    request("r2-read-5m", "claude-haiku-4-5", SYSTEM_5M),
    request("r3-write-1h", "claude-sonnet-4-5-20250929", SYSTEM_1H, ttl="1h"),
    request("r4-read-1h", "claude-sonnet-4-5-20250929", SYSTEM_1H, ttl="1h"),
    request("r5-plain", "claude-opus-4-5"),
    request("r6-unpriced", "claude-mythos-preview"),
    {"custom_id": "r7-invalid", "params": {"model": "claude-haiku-4-5", "messages": []}},
]


async def raw_result_lines(client: AsyncAnthropic, batch_id: str) -> list[dict]:
    """The results JSONL exactly as the simulator serves it, without our parser."""
    batch = await client.messages.batches.retrieve(batch_id)
    assert batch.results_url
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    async with aiohttp.ClientSession() as http, http.get(batch.results_url, headers=headers) as r:
        body = await r.text()
    return [json.loads(line) for line in body.splitlines() if line]


def independent_cost(lines: list[dict], created: datetime) -> tuple[Decimal, Decimal, int]:
    """Paid and standard USD from raw usage, with the formula of reference A.12 written out."""
    prices = load_price_table()
    paid = standard = Decimal(0)
    unpriced = 0
    for line in lines:
        if line["result"]["type"] != "succeeded":
            continue  # errored, canceled and expired requests are not billed
        message = line["result"]["message"]
        usage = message["usage"]
        cw5 = usage["cache_creation"]["ephemeral_5m_input_tokens"]
        cw1h = usage["cache_creation"]["ephemeral_1h_input_tokens"]
        cr = usage["cache_read_input_tokens"] or 0
        prompt = usage["input_tokens"] + cw5 + cw1h + cr
        quote = prices.quote(message["model"], created.date(), prompt)
        if quote is None:
            unpriced += 1
            continue
        r = quote.rates
        std = (
            usage["input_tokens"] * r.input
            + cw5 * r.cache_write_5m
            + cw1h * r.cache_write_1h
            + cr * r.cache_read
            + usage["output_tokens"] * r.output
        ) / Decimal(1_000_000)
        standard += std
        paid += std * Decimal("0.5")
    return paid, standard, unpriced


def usd(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.000001")))


async def test_cost_json_matches_raw_results_from_the_simulator(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = AsyncAnthropic(base_url=sim.anthropic_base_url, api_key=KEY)
    batch = await client.messages.batches.create(requests=REQUESTS)
    sim.clock.advance(hours=25)
    lines = await raw_result_lines(client, batch.id)
    await client.close()
    kinds = {line["custom_id"]: line["result"]["type"] for line in lines}
    assert kinds["r7-invalid"] == "errored"
    usages = {
        line["custom_id"]: line["result"]["message"]["usage"]
        for line in lines
        if line["result"]["type"] == "succeeded"
    }
    assert usages["r1-write-5m"]["cache_creation"]["ephemeral_5m_input_tokens"] > 0
    assert usages["r2-read-5m"]["cache_read_input_tokens"] > 0
    assert usages["r3-write-1h"]["cache_creation"]["ephemeral_1h_input_tokens"] > 0
    assert usages["r4-read-1h"]["cache_read_input_tokens"] > 0

    config_path = write_config(tmp_path / "config.toml", sim)
    async with Session.open(load_config(config_path), tmp_path / "data" / "batchtui.db") as s:
        await s.engine.import_all()
        await s.engine.poll_once()
        assert (await s.store.batches.get(batch.id)).results_state is ResultsState.COMPLETE

    document = json.loads(await asyncio.to_thread(run_cost, capsys, tmp_path, "--json"))
    paid, standard, unpriced = independent_cost(lines, batch.created_at)
    totals = document["totals"]
    assert totals["paid_usd"] == usd(paid)
    assert totals["standard_usd"] == usd(standard)
    assert totals["batch_saving_usd"] == usd(standard - paid)
    assert totals["requests"] == 6
    assert totals["unpriced_requests"] == unpriced == 1
    assert totals["unpriced_models"] == ["claude-mythos-preview"]
    assert totals["cache_hit_rate"] > 0
    assert [row["key"] for row in document["rows"]] == [batch.id]
    by_model = json.loads(
        await asyncio.to_thread(run_cost, capsys, tmp_path, "--json", "--by", "model")
    )
    assert sum(row["requests"] for row in by_model["rows"]) == 6


# --- OpenAI: cached input is billed at the cache-read rate ------------------------------------

LONG_SYSTEM = "Answer as a patient teacher would, with one example each time. " * 80


def chat_line(custom_id: str) -> dict:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o-mini",
            "max_tokens": 200,
            "messages": [
                {"role": "system", "content": LONG_SYSTEM},
                {"role": "user", "content": f"Question {custom_id}"},
            ],
        },
    }


def openai_independent_paid(lines: list[dict]) -> tuple[Decimal, int]:
    """Reference B.10 written out: ((p - c) x in + c x cached + o x out) x 0.5 per 200 line."""
    rates = load_price_table().quote("gpt-4o-mini", None)
    assert rates is not None
    paid, cached_total = Decimal(0), 0
    for line in lines:
        if line["response"]["status_code"] != 200:
            continue
        usage = line["response"]["body"]["usage"]
        p, o = usage["prompt_tokens"], usage["completion_tokens"]
        c = usage["prompt_tokens_details"]["cached_tokens"] or 0
        cached_total += c
        std = (p - c) * rates.rates.input + c * rates.rates.cache_read + o * rates.rates.output
        paid += std / Decimal(1_000_000) * Decimal("0.5")
    return paid, cached_total


async def test_openai_cost_matches_raw_output_lines(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = AsyncOpenAI(base_url=sim.openai_base_url, api_key=KEY)
    body = b"".join(json.dumps(chat_line(f"q{i}")).encode() + b"\n" for i in range(4))
    upload = await client.files.create(file=("in.jsonl", body), purpose="batch")
    batch = await client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    sim.clock.advance(hours=25)
    batch = await client.batches.retrieve(batch.id)
    assert batch.output_file_id
    content = (await client.files.content(batch.output_file_id)).read()
    await client.close()
    lines = [json.loads(line) for line in content.splitlines() if line]
    paid, cached = openai_independent_paid(lines)
    assert cached > 0  # the shared system prompt was read from the cache

    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.oai]\nprovider = "openai"\napi_key = "{KEY}"\n'
        f'base_url = "{sim.openai_base_url}"\n'
    )
    config.chmod(0o600)
    async with Session.open(load_config(config), tmp_path / "data" / "batchtui.db") as s:
        await s.engine.import_all()
        await s.engine.poll_once()

    document = json.loads(await asyncio.to_thread(run_cost, capsys, tmp_path, "--json"))
    assert document["totals"]["paid_usd"] == usd(paid)
    assert document["totals"]["tokens"]["cache_read"] == cached
    assert document["totals"]["requests"] == 4
