"""Every route's responses checked against the public OpenAPI contracts in ``contracts/``.

The contracts are copies of the team's shared reference documents (their sources are in
``contracts/README.md``), kept beside this test so that every clone checks them: a missing
contract fails the test instead of skipping it.

The SDKs drive the simulator through a recording ``httpx2`` client; each recorded exchange is
validated with ``openapi-core``. The contracts' paths have no simulator prefix: Anthropic's start
at ``/v1``, OpenAI's at the resource (``/batches``), so the prefixes are stripped first.

Where a contract and the SDKs (and the real services) disagree, the simulator follows the SDKs;
each such place is marked "contract differs" below.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from simkit import KEY, chat_line, jsonl, message_request

from tui.sim import SimOptions, Simulator

CONTRACTS = Path(__file__).with_name("contracts")


def _spec(name: str) -> OpenAPI:
    document = json.loads((CONTRACTS / name).read_text())
    # Contract differs: the Anthropic cut has no info.version, which OpenAPI requires.
    document["info"].setdefault("version", "0")
    # The results are JSONL: validate them one line at a time, each as a JSON document.
    config = Config(extra_media_type_deserializers={"application/x-jsonl": orjson.loads})
    return OpenAPI.from_dict(document, config=config)


class Recorder:
    """An httpx2 client for the SDKs that keeps every response it sees (bodies read)."""

    def __init__(self) -> None:
        self.responses: list[httpx2.Response] = []
        self.client = httpx2.AsyncClient(event_hooks={"response": [self._keep]}, timeout=60)

    async def _keep(self, response: httpx2.Response) -> None:
        await response.aread()
        self.responses.append(response)


def _mock(response: httpx2.Response, prefix: str, body: bytes) -> tuple[MockRequest, MockResponse]:
    request = response.request
    content_type = response.headers["content-type"].split(";")[0]
    mock_request = MockRequest(
        "http://127.0.0.1",
        request.method,
        request.url.path.removeprefix(prefix),
        args=dict(request.url.params),
        headers=dict(request.headers),
    )
    mock_response = MockResponse(
        body,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=content_type,
    )
    return mock_request, mock_response


def _without_nulls(data: Any) -> Any:
    """Contract differs: OpenAI's Batch schema types optional fields as plain strings and
    integers, while the real API and the SDK (``Optional[...]``) use ``null`` for "not yet"."""
    if isinstance(data, dict):
        if data.get("object") == "list":
            return {**data, "data": [_without_nulls(item) for item in data["data"]]}
        if data.get("object") == "batch":
            return {k: v for k, v in data.items() if v is not None}
    return data


async def _drive_anthropic(sim: Simulator, client: AsyncAnthropic) -> None:
    requests = [
        message_request("ok"),
        message_request("bad", max_tokens=0),
        message_request(
            "cached",
            system=[
                {"type": "text", "text": "rules " * 300, "cache_control": {"type": "ephemeral"}}
            ],
        ),
    ]
    batch = await client.messages.batches.create(requests=requests)
    other = await client.messages.batches.create(requests=[message_request("c")])
    await client.messages.batches.cancel(other.id)
    await client.messages.batches.retrieve(other.id)
    await client.messages.batches.list(limit=1)
    sim.clock.advance(days=1)
    _ = [r async for r in await client.messages.batches.results(batch.id)]
    _ = [r async for r in await client.messages.batches.results(other.id)]
    await client.messages.batches.delete(other.id)
    await client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}]
    )
    for call in (
        client.messages.batches.retrieve("msgbatch_missing"),
        client.messages.batches.cancel(batch.id),
        client.messages.batches.list(limit=5000),
        client.messages.batches.create(requests=[]),
    ):
        with pytest.raises(Exception):  # noqa: B017, PT011 - only the recorded reply matters
            await call


async def test_anthropic_responses_match_the_contract(sim: Simulator) -> None:
    spec = _spec("anthropic-message-batches.openapi.json")
    recorder = Recorder()
    async with AsyncAnthropic(
        base_url=sim.anthropic_base_url, api_key=KEY, http_client=recorder.client, max_retries=0
    ) as client:
        await _drive_anthropic(sim, client)
    seen = set()
    for response in recorder.responses:
        bodies = [response.content]
        if response.headers["content-type"].startswith("application/x-jsonl"):
            bodies = response.content.splitlines()
            assert all(bodies), "no blank lines in JSONL"
        for body in bodies:
            spec.validate_response(*_mock(response, "/anthropic", body))
        seen.add((response.request.method, response.status_code))
    assert {("POST", 200), ("GET", 200), ("DELETE", 200), ("GET", 404), ("POST", 400)} <= seen


async def _drive_openai(sim: Simulator, client: AsyncOpenAI) -> None:
    good = await client.files.create(
        file=("in.jsonl", jsonl([chat_line("a"), chat_line("b", max_tokens=0)])), purpose="batch"
    )
    bad = await client.files.create(file=("bad.jsonl", b"{oops\n"), purpose="batch")
    await client.files.retrieve(good.id)
    await client.files.list()
    batch = await client.batches.create(
        input_file_id=good.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    failing = await client.batches.create(
        input_file_id=bad.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    doomed = await client.batches.create(
        input_file_id=good.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    await client.batches.cancel(doomed.id)
    sim.clock.advance(minutes=1)
    await client.batches.retrieve(failing.id)
    await client.batches.retrieve(batch.id)
    sim.clock.advance(days=1)
    done = await client.batches.retrieve(batch.id)
    await client.batches.list()
    await client.files.content(done.output_file_id)
    await client.files.delete(bad.id)
    for call in (
        client.batches.retrieve("batch_missing"),
        client.files.retrieve("file-missing"),
        client.batches.cancel(batch.id),
    ):
        with pytest.raises(Exception):  # noqa: B017, PT011 - only the recorded reply matters
            await call


async def test_openai_responses_match_the_contract(sim: Simulator) -> None:
    spec = _spec("openai-batch-files.openapi.json")
    recorder = Recorder()
    async with AsyncOpenAI(
        base_url=sim.openai_base_url, api_key=KEY, http_client=recorder.client, max_retries=0
    ) as client:
        await _drive_openai(sim, client)
    for response in recorder.responses:
        if response.request.url.path.endswith("/content"):
            # Contract differs: it declares file content as a JSON string; the SDK asks for
            # application/binary and hands back the raw bytes, so the simulator sends raw bytes.
            continue
        if response.status_code != 200:
            # The contract lists only the 200 replies (no error schema): check the envelope.
            assert set(response.json()["error"]) == {"message", "type", "param", "code"}
            continue
        body = orjson.dumps(_without_nulls(orjson.loads(response.content)))
        spec.validate_response(*_mock(response, "/openai/v1", body))


async def test_openai_output_lines_match_the_line_contract() -> None:
    document = json.loads((CONTRACTS / "openai-batch-lines.openapi.json").read_text())
    schemas = document["components"]["schemas"]
    validator = OAS30Validator(schemas["BatchRequestOutput"])
    options = SimOptions(seed=9, speed=0.0, expire_rate=1.0, error_rate=0.2)
    async with (
        Simulator(options) as sim,
        AsyncOpenAI(base_url=sim.openai_base_url, api_key=KEY) as client,
    ):
        lines = [chat_line(f"r{i}") for i in range(60)]
        lines += [chat_line(f"zero{i}", max_tokens=0) for i in range(20)]
        upload = await client.files.create(file=("in.jsonl", jsonl(lines)), purpose="batch")
        for line in lines[:3]:
            OAS30Validator(schemas["BatchRequestInput"]).validate(copy.deepcopy(line))
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        sim.clock.advance(days=2)
        done = await client.batches.retrieve(batch.id)
        assert done.status == "expired"
        statuses = set()
        for file_id in (done.output_file_id, done.error_file_id):
            for raw in (await client.files.content(file_id)).read().splitlines():
                line = orjson.loads(raw)
                validator.validate(line)
                statuses.add(line["response"]["status_code"] if line["response"] else "none")
        assert statuses == {200, 400, 500, "none"}
