"""The API call log records the real SDKs' HTTP calls to the simulator, through their hooks."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator

import pytest
from synckit import (
    ANTHROPIC_KEY,
    OPENAI_KEY,
    anthropic_profile,
    chat_body,
    openai_profile,
    simple_requests,
)

from tui.core.calllog import CallLog, CallRecord, retry_after
from tui.core.config import Profile
from tui.core.errors import ProviderError
from tui.core.models import ProviderKind
from tui.core.providers.anthropic import AnthropicProvider
from tui.core.providers.factory import make_provider
from tui.core.providers.openai import OpenAIProvider
from tui.sim import Simulator


@pytest.fixture
def log() -> CallLog:
    return CallLog()


@pytest.fixture
async def anthropic(sim: Simulator, log: CallLog) -> AsyncIterator[AnthropicProvider]:
    provider = make_provider(anthropic_profile(sim, name="work"), call_log=log)
    assert isinstance(provider, AnthropicProvider)
    yield provider
    await provider.close()


@pytest.fixture
async def openai(sim: Simulator, log: CallLog) -> AsyncIterator[OpenAIProvider]:
    provider = make_provider(openai_profile(sim, name="oai"), call_log=log)
    assert isinstance(provider, OpenAIProvider)
    yield provider
    await provider.close()


def _text_of(record: CallRecord) -> str:
    return " ".join(str(value) for value in dataclasses.astuple(record)) + repr(record)


def _no_secret_in(log: CallLog, *secrets: str) -> None:
    for record in log.records():
        text = _text_of(record).lower()
        for secret in secrets:
            assert secret.lower() not in text
        for header in ("x-api-key", "authorization", "bearer"):
            assert header not in text


async def test_anthropic_calls_are_recorded_newest_first(
    sim: Simulator, log: CallLog, anthropic: AnthropicProvider
) -> None:
    batch = await anthropic.create_batch(simple_requests(3))
    await anthropic.get_batch(batch.id)
    sim.clock.advance(hours=9)
    ended = await anthropic.get_batch(batch.id)
    results = [r async for chunk in anthropic.stream_results(ended) for r in chunk]
    assert len(results) == 3

    calls = log.records()
    # The simulator serves both APIs, each under its own prefix of the path.
    assert [(c.method, c.route.removeprefix("/anthropic")) for c in calls] == [
        ("GET", f"/v1/messages/batches/{batch.id}/results"),
        ("GET", f"/v1/messages/batches/{batch.id}"),  # the SDK reads the results_url first
        ("GET", f"/v1/messages/batches/{batch.id}"),
        ("GET", f"/v1/messages/batches/{batch.id}"),
        ("POST", "/v1/messages/batches"),
    ]
    assert [c.seq for c in calls] == sorted((c.seq for c in calls), reverse=True)
    for call in calls:
        assert call.profile == "work"
        assert call.status == 200
        assert call.attempt == 0
        assert call.request_id.startswith("req_")
        assert call.latency is not None
        assert call.latency >= 0
        assert not call.in_flight
        assert not call.is_trouble
    assert len({c.request_id for c in calls}) == 5
    assert calls[0].bytes_received is None  # the results are streamed, chunked
    create = calls[-1]
    assert create.bytes_sent is not None
    assert create.bytes_sent > 100
    assert create.bytes_received is not None
    assert create.bytes_received > 0
    _no_secret_in(log, ANTHROPIC_KEY)


async def test_openai_calls_carry_the_x_request_id(
    sim: Simulator, log: CallLog, openai: OpenAIProvider
) -> None:
    batch = await openai.create_batch([("x", chat_body("one"))])
    await openai.get_batch(batch.id)
    routes = [
        (c.method, c.route.removeprefix("/openai"), c.status) for c in reversed(log.records())
    ]
    assert routes == [
        ("POST", "/v1/files", 200),
        ("POST", "/v1/batches", 200),
        ("GET", f"/v1/batches/{batch.id}", 200),
    ]
    assert all(c.request_id.startswith("req_") and c.profile == "oai" for c in log.records())
    _no_secret_in(log, OPENAI_KEY)


async def test_a_429_retried_twice_is_three_calls_with_the_wait_asked(
    sim: Simulator, log: CallLog, anthropic: AnthropicProvider
) -> None:
    batch = await anthropic.create_batch(simple_requests(1))
    sim.faults.inject(route="anthropic.retrieve", kind="429", count=2)
    await anthropic.get_batch(batch.id)  # the SDK retries and gets through

    retrieves = [c for c in reversed(log.records()) if c.route.endswith(batch.id)]
    assert [(c.status, c.attempt) for c in retrieves] == [(429, 0), (429, 1), (200, 2)]
    assert [c.retry_after for c in retrieves] == [pytest.approx(0.01), pytest.approx(0.01), None]
    assert [c.is_trouble for c in retrieves] == [True, True, False]
    assert all(c.request_id for c in retrieves)
    _no_secret_in(log, ANTHROPIC_KEY)


async def test_a_refused_key_is_recorded_but_never_the_key(
    sim: Simulator, log: CallLog, anthropic: AnthropicProvider
) -> None:
    sim.revoke_key(ANTHROPIC_KEY)
    with pytest.raises(ProviderError):
        await anthropic.get_batch("msgbatch_nope")
    [call] = log.records()
    assert call.status == 401
    _no_secret_in(log, ANTHROPIC_KEY)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_calls_that_get_no_response_are_closed_with_the_reason(log: CallLog) -> None:
    reported: list[CallRecord] = []
    log.on_finished = reported.append  # what sync --log-calls writes from
    profile = Profile(
        "down",
        ProviderKind.ANTHROPIC,
        api_key=ANTHROPIC_KEY,
        base_url=f"http://127.0.0.1:{_closed_port()}",
    )
    provider = make_provider(profile, call_log=log)
    try:
        with pytest.raises(ProviderError) as raised:
            await provider.get_batch("msgbatch_x")
    finally:
        await provider.close()
    assert raised.value.kind == "offline"
    calls = log.records()
    assert [c.attempt for c in calls] == [2, 1, 0]  # the SDK's two retries, newest first
    assert not any(c.in_flight for c in calls)
    assert all(c.status is None and c.is_trouble for c in calls)
    assert calls[0].error.startswith("profile 'down': cannot reach the API")
    assert calls[1].error == "no response"  # closed when the retry was sent
    assert calls[0].describe_status() == "ERR"
    assert sorted(reported, key=lambda c: c.seq) == sorted(calls, key=lambda c: c.seq)
    _no_secret_in(log, ANTHROPIC_KEY)


async def test_the_log_keeps_only_the_newest_calls(sim: Simulator) -> None:
    small = CallLog(capacity=3)
    provider = make_provider(anthropic_profile(sim), call_log=small)
    try:
        batch = await provider.create_batch(simple_requests(1))
        for _ in range(4):
            await provider.get_batch(batch.id)
    finally:
        await provider.close()
    calls = small.records()
    assert len(calls) == len(small) == 3
    assert [c.seq for c in calls] == [5, 4, 3]
    assert all(c.method == "GET" for c in calls)


async def test_version_moves_only_when_a_call_is_recorded(log: CallLog) -> None:
    before = log.version
    assert log.records() == []
    log.started("p", "GET", "/v1/x", key=before)
    started = log.version
    assert started > before
    assert log.records()[0].in_flight
    log.finished(before, 503, {"retry-after": "7", "x-request-id": "req_\x1b]0;evil\x07ok"})
    [call] = log.records()
    assert log.version > started
    assert (call.status, call.retry_after, call.is_trouble) == (503, 7.0, True)
    assert call.request_id == "req_ok"  # a provider's header is sanitised before it is shown


def test_retry_after_is_read_as_the_sdks_read_it() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after({}) is None
