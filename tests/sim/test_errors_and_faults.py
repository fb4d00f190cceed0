"""Error envelopes (400/401/404/413/429/500/529), key revocation, and injected faults."""

from __future__ import annotations

import time

import anthropic
import httpx2
import openai
import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from simkit import anthropic_client, chat_line, jsonl, message_request, openai_client

from tui.sim import SimOptions, Simulator


def _assert_anthropic_envelope(response: httpx2.Response, status: int, kind: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == kind
    assert body["error"]["message"]
    assert body["request_id"] == response.headers["request-id"]
    assert body["request_id"].startswith("req_")


def _assert_openai_envelope(response: httpx2.Response, status: int, kind: str) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == kind
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"requests": []}, "at least 1"),
        ({"requests": [message_request("a b")]}, "pattern"),
        ({"requests": [message_request("x" * 65)]}, "pattern"),
        ({"requests": [message_request("trailing\n")]}, "pattern"),
        ({"requests": [message_request("")]}, "pattern"),
        ({"requests": [message_request("a"), message_request("a")]}, "Duplicate"),
        ({"requests": [{**message_request("a"), "extra": 1}]}, "extra"),
        ({"requests": [message_request("a")], "stream": True}, "stream"),
        ({"requests": [{"custom_id": "a"}]}, "params"),
        ({}, "requests"),
    ],
)
async def test_anthropic_envelope_errors_are_400(sim: Simulator, body: dict, fragment: str) -> None:
    async with httpx2.AsyncClient(base_url=sim.anthropic_base_url) as http:
        response = await http.post(
            "/v1/messages/batches",
            json=body,
            headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        )
    _assert_anthropic_envelope(response, 400, "invalid_request_error")
    assert fragment in response.json()["error"]["message"]
    assert not sim.state.anthropic


async def test_more_than_100000_requests_is_refused(sim: Simulator) -> None:
    item = {"custom_id": "x", "params": {}}
    requests = [{**item, "custom_id": f"r{i}"} for i in range(100_001)]
    async with httpx2.AsyncClient(base_url=sim.anthropic_base_url, timeout=60) as http:
        response = await http.post(
            "/v1/messages/batches",
            json={"requests": requests},
            headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        )
    _assert_anthropic_envelope(response, 400, "invalid_request_error")
    assert "100000" in response.json()["error"]["message"]


async def test_oversized_create_is_413() -> None:
    async with Simulator(SimOptions(speed=0.0, max_batch_bytes=2000)) as sim:
        async with httpx2.AsyncClient(base_url=sim.anthropic_base_url) as http:
            body = {"requests": [message_request(f"r{i}") for i in range(40)]}
            response = await http.post(
                "/v1/messages/batches",
                json=body,
                headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
            )
        _assert_anthropic_envelope(response, 413, "request_too_large")
        async with anthropic_client(sim) as client:
            with pytest.raises(anthropic.APIStatusError) as info:
                await client.messages.batches.create(requests=body["requests"])
        assert info.value.status_code == 413


async def test_list_limit_out_of_range_is_400(sim: Simulator, aclient: AsyncAnthropic) -> None:
    for limit in (0, 1001):
        with pytest.raises(anthropic.BadRequestError):
            await aclient.messages.batches.list(limit=limit)
    with pytest.raises(openai.BadRequestError):
        async with openai_client(sim) as client:
            await client.batches.list(limit=101)


async def test_missing_key_is_401_on_both_apis(sim: Simulator) -> None:
    async with httpx2.AsyncClient() as http:
        anthropic_reply = await http.get(sim.anthropic_base_url + "/v1/messages/batches")
        openai_reply = await http.get(sim.openai_base_url + "/batches")
    _assert_anthropic_envelope(anthropic_reply, 401, "authentication_error")
    _assert_openai_envelope(openai_reply, 401, "invalid_request_error")


async def test_anthropic_accepts_x_api_key_and_any_version(sim: Simulator) -> None:
    async with httpx2.AsyncClient() as http:
        reply = await http.get(
            sim.anthropic_base_url + "/v1/messages/batches",
            headers={"x-api-key": "anything", "anthropic-version": "2023-06-01"},
        )
    assert reply.status_code == 200
    assert reply.json() == {"data": [], "has_more": False, "first_id": None, "last_id": None}


async def test_revoked_key_is_401_everywhere(sim: Simulator) -> None:
    sim.revoke_key("sk-bad")
    async with AsyncAnthropic(base_url=sim.anthropic_base_url, api_key="sk-bad") as client:
        with pytest.raises(anthropic.AuthenticationError) as info:
            await client.messages.batches.list()
        assert info.value.type == "authentication_error"
        with pytest.raises(anthropic.AuthenticationError):
            await client.messages.count_tokens(model="m", messages=[])
    async with AsyncOpenAI(base_url=sim.openai_base_url, api_key="sk-bad") as client:
        with pytest.raises(openai.AuthenticationError) as oinfo:
            await client.files.list()
        assert oinfo.value.code == "invalid_api_key"
    async with anthropic_client(sim) as client:  # other keys still work
        await client.messages.batches.list()


async def test_unknown_ids_are_404(sim: Simulator, aclient: AsyncAnthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as info:
        await aclient.messages.batches.retrieve("msgbatch_nope")
    assert info.value.type == "not_found_error"
    assert info.value.request_id.startswith("req_")
    async with openai_client(sim) as client:
        with pytest.raises(openai.NotFoundError) as oinfo:
            await client.batches.retrieve("batch_nope")
        assert oinfo.value.type == "invalid_request_error"
        with pytest.raises(openai.NotFoundError):
            await client.files.content("file-nope")
    async with httpx2.AsyncClient() as http:
        reply = await http.get(
            sim.openai_base_url + "/batches/x", headers={"authorization": "Bearer k"}
        )
    _assert_openai_envelope(reply, 404, "invalid_request_error")


@pytest.mark.parametrize(
    ("kind", "status", "openai_status", "anthropic_type", "error_class"),
    [
        ("429", 429, 429, "rate_limit_error", anthropic.RateLimitError),
        ("500", 500, 500, "api_error", anthropic.InternalServerError),
        ("529", 529, 503, "overloaded_error", anthropic.OverloadedError),  # OpenAI has no 529
        ("503", 529, 503, "overloaded_error", anthropic.OverloadedError),
    ],
)
async def test_injected_errors_have_the_documented_shape(
    sim: Simulator,
    kind: str,
    status: int,
    openai_status: int,
    anthropic_type: str,
    error_class: type,
) -> None:
    sim.faults.inject(route="anthropic.list", kind=kind, count=1)
    sim.faults.inject(route="openai.batches.list", kind=kind, count=1)
    async with httpx2.AsyncClient() as http:
        anthropic_reply = await http.get(
            sim.anthropic_base_url + "/v1/messages/batches",
            headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        )
        openai_reply = await http.get(
            sim.openai_base_url + "/batches", headers={"authorization": "Bearer k"}
        )
    _assert_anthropic_envelope(anthropic_reply, status, anthropic_type)
    assert openai_reply.status_code == openai_status
    for reply in (anthropic_reply, openai_reply):
        assert reply.headers["retry-after"] == "1"  # whole seconds, as the real APIs send
        assert int(reply.headers["retry-after-ms"]) < 1000  # read first by the SDKs: quick tests
        assert reply.headers["x-should-retry"] == "true"
    sim.faults.inject(route="anthropic.list", kind=kind, count=1)
    async with anthropic_client(sim, max_retries=0) as client:
        with pytest.raises(error_class) as info:
            await client.messages.batches.list()
    assert info.value.type == anthropic_type


@pytest.mark.parametrize("kind", ["429", "529", "500"])
async def test_sdks_retry_injected_errors_and_succeed(sim: Simulator, kind: str) -> None:
    sim.faults.inject(route="anthropic.create", kind=kind, count=2)
    sim.faults.inject(route="openai.files.create", kind=kind, count=2)
    async with anthropic_client(sim) as client:
        batch = await client.messages.batches.create(requests=[message_request("a")])
    async with openai_client(sim) as client:
        upload = await client.files.create(
            file=("in.jsonl", jsonl([chat_line("a")])), purpose="batch"
        )
    assert batch.processing_status == "in_progress"
    assert upload.id in sim.state.files
    assert sim.counters["anthropic.create"] == 3
    assert sim.counters["openai.files.create"] == 3
    assert len(sim.state.anthropic) == 1  # faulted attempts created nothing


async def test_fault_count_none_fires_until_cleared(sim: Simulator) -> None:
    sim.faults.inject(route="*", kind="500", count=None)
    async with anthropic_client(sim, max_retries=1) as client:
        with pytest.raises(anthropic.InternalServerError):
            await client.messages.batches.list()
        assert sim.counters["anthropic.list"] == 2
        sim.faults.clear()
        await client.messages.batches.list()


async def test_dropped_results_stream_raises(sim: Simulator, aclient: AsyncAnthropic) -> None:
    requests = [message_request(f"r{i}", max_tokens=400) for i in range(2000)]
    batch = await aclient.messages.batches.create(requests=requests)
    sim.clock.advance(days=1)
    sim.faults.inject(route="anthropic.results", kind="drop", count=1, after_bytes=200_000)
    received: list[object] = []

    async def drain() -> None:
        async for result in await aclient.messages.batches.results(batch.id):
            received.append(result)

    # Up to anthropic 2.16 the SDK let httpx2's own error out of a streaming body; from 2.17
    # it wraps it as a connection error. The product's translation handles both.
    with pytest.raises((httpx2.RemoteProtocolError, anthropic.APIConnectionError)):
        await drain()
    assert 0 < len(received) < 2000
    results = [r async for r in await aclient.messages.batches.results(batch.id)]
    assert len(results) == 2000


async def test_dropped_raw_stream_raises_after_the_given_bytes(sim: Simulator) -> None:
    async with openai_client(sim) as client:
        data = jsonl([chat_line(f"r{i}", "x" * 500) for i in range(200)])
        upload = await client.files.create(file=("in.jsonl", data), purpose="batch")
    sim.faults.inject(route="openai.files.content", kind="drop", after_bytes=10_000)
    url = f"{sim.openai_base_url}/files/{upload.id}/content"
    received = bytearray()

    async def drain(http: httpx2.AsyncClient) -> None:
        async with http.stream("GET", url, headers={"authorization": "Bearer k"}) as reply:
            async for chunk in reply.aiter_bytes():
                received.extend(chunk)

    async with httpx2.AsyncClient() as http:
        with pytest.raises(httpx2.RemoteProtocolError):
            await drain(http)
    assert bytes(received) == data[:10_000]


async def test_drop_on_a_json_route_is_a_connection_error(sim: Simulator) -> None:
    sim.faults.inject(route="anthropic.list", kind="drop", count=None)
    async with anthropic_client(sim, max_retries=0) as client:
        with pytest.raises(anthropic.APIConnectionError):
            await client.messages.batches.list()


async def test_latency_fault_delays_the_answer(sim: Simulator, aclient: AsyncAnthropic) -> None:
    sim.faults.inject(route="anthropic.list", kind="latency", seconds=0.3)
    started = time.monotonic()
    await aclient.messages.batches.list()
    assert time.monotonic() - started >= 0.3


def test_unknown_fault_kinds_and_routes_are_refused() -> None:
    sim = Simulator(SimOptions(speed=0.0))
    with pytest.raises(ValueError, match="kind"):
        sim.faults.inject(route="*", kind="418")
    with pytest.raises(ValueError, match="route"):
        sim.faults.inject(route="anthropic.nope", kind="500")


async def test_a_simulator_bug_still_answers_in_the_envelope(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.sim import anthropic_api

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    sim.state.create_anthropic([("a", message_request("a")["params"])], sim.clock.time())
    monkeypatch.setattr(anthropic_api, "batch_json", broken)
    async with anthropic_client(sim, max_retries=0) as client:
        with pytest.raises(anthropic.InternalServerError) as info:
            await client.messages.batches.list()
    assert info.value.type == "api_error"
    assert "boom" in info.value.api_message
