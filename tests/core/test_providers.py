"""Both providers against the simulator through the real SDKs, and the JSON → model mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from synckit import (
    ANTHROPIC_KEY,
    OPENAI_KEY,
    anthropic_profile,
    chat_body,
    message_params,
    openai_profile,
    simple_requests,
)

from tui.core.errors import ProviderError
from tui.core.models import BatchStatus, ProviderKind, ResultType, Usage
from tui.core.providers.anthropic import AnthropicProvider
from tui.core.providers.factory import make_provider
from tui.core.providers.normalize import (
    anthropic_batch,
    anthropic_result,
    openai_batch,
    openai_result,
)
from tui.core.providers.openai import OpenAIProvider
from tui.core.providers.streaming import split_lines
from tui.core.providers.translate import provider_error
from tui.sim import Simulator


@pytest.fixture
async def anthropic(sim: Simulator) -> AsyncIterator[AnthropicProvider]:
    provider = make_provider(anthropic_profile(sim))
    yield provider
    await provider.close()


@pytest.fixture
async def openai(sim: Simulator) -> AsyncIterator[OpenAIProvider]:
    provider = make_provider(openai_profile(sim))
    yield provider
    await provider.close()


# --- against the simulator -------------------------------------------------------------------


async def test_anthropic_create_sends_params_byte_for_byte(
    sim: Simulator, anthropic: AnthropicProvider
) -> None:
    requests = [*simple_requests(3), ("odd-unicode", message_params("naïve → ✓"))]
    batch = await anthropic.create_batch(requests)
    assert batch.provider == ProviderKind.ANTHROPIC
    assert batch.status == BatchStatus.IN_PROGRESS
    assert batch.counts.processing == 4
    assert batch.created_at.tzinfo is not None
    assert batch.expires_at - batch.created_at == timedelta(hours=24)
    table = sim.state.anthropic[batch.id].table
    assert table.custom_ids == [c for c, _ in requests]
    assert [orjson.loads(p) for p in table.params] == [orjson.loads(p) for _, p in requests]
    assert batch.raw["id"] == batch.id


async def test_openai_create_uploads_a_jsonl_file_then_creates(
    sim: Simulator, openai: OpenAIProvider
) -> None:
    batch = await openai.create_batch([("x", chat_body("one")), ("y", chat_body("two"))])
    assert batch.status == BatchStatus.VALIDATING
    assert batch.endpoint == "/v1/chat/completions"
    uploaded = sim.state.files[batch.input_file_id]
    assert uploaded.purpose == "batch"
    lines = [orjson.loads(line) for line in uploaded.path.read_bytes().splitlines()]
    assert [(line["custom_id"], line["url"]) for line in lines] == [
        ("x", "/v1/chat/completions"),
        ("y", "/v1/chat/completions"),
    ]
    assert lines[0]["body"]["messages"][0]["content"] == "one"


async def test_list_batches_pages_newest_first(
    sim: Simulator, anthropic: AnthropicProvider, openai: OpenAIProvider
) -> None:
    start = sim.clock.time() - 3600
    params = orjson.loads(message_params())
    for i in range(1205):
        sim.state.create_anthropic([("only", params)], created=start + i)
    ids = [b.id async for b in anthropic.list_batches()]
    assert ids == [key[2] for key in sim.state.anthropic_order.keys]
    assert sim.counters["anthropic.list"] == 2

    for i in range(3):
        await openai.create_batch([(f"c{i}", chat_body())])
    listed = [b async for b in openai.list_batches()]
    assert [b.id for b in listed] == [key[2] for key in sim.state.openai_order.keys]


async def test_stream_results_in_chunks_with_progress(
    sim: Simulator, anthropic: AnthropicProvider
) -> None:
    batch = await anthropic.create_batch(simple_requests(20))
    sim.clock.advance(hours=9)
    batch = await anthropic.get_batch(batch.id)
    received: list[int] = []
    chunks = [
        c async for c in anthropic.stream_results(batch, chunk_size=7, progress=received.append)
    ]
    assert [len(c) for c in chunks] == [7, 7, 6]
    results = [r for c in chunks for r in c]
    assert sorted(r.custom_id for r in results) == [c for c, _ in simple_requests(20)]
    assert all(r.type == ResultType.SUCCEEDED for r in results)
    assert received == sorted(received)
    assert received[-1] == sum(len(r.raw) + 1 for r in results)


async def test_openai_stream_reads_output_and_error_files(
    sim: Simulator, openai: OpenAIProvider
) -> None:
    batch = await openai.create_batch([("good", chat_body()), ("bad", chat_body(max_tokens=0))])
    sim.clock.advance(hours=9)
    batch = await openai.get_batch(batch.id)
    assert batch.status == BatchStatus.ENDED
    assert batch.output_file_id
    assert batch.error_file_id
    results = {r.custom_id: r async for c in openai.stream_results(batch) for r in c}
    assert results["good"].type == ResultType.SUCCEEDED
    assert results["bad"].type == ResultType.ERRORED
    assert results["bad"].error_type == "invalid_request_error"


async def test_cancel_delete_and_count_tokens(
    sim: Simulator, anthropic: AnthropicProvider, openai: OpenAIProvider
) -> None:
    batch = await anthropic.create_batch(simple_requests(5))
    canceling = await anthropic.cancel_batch(batch.id)
    assert canceling.status == BatchStatus.CANCELING
    assert canceling.cancel_initiated_at is not None
    sim.clock.advance(hours=1)
    ended = await anthropic.get_batch(batch.id)
    assert ended.status == BatchStatus.CANCELED
    await anthropic.delete_batch(batch.id)
    assert batch.id not in sim.state.anthropic

    assert await anthropic.count_tokens(orjson.loads(message_params("a" * 400))) > 50
    with pytest.raises(ProviderError, match="no token-counting"):
        await openai.count_tokens({})

    created = await openai.create_batch([("c", chat_body())])
    sim.clock.advance(hours=9)
    done = await openai.get_batch(created.id)
    await openai.delete_batch(created.id)
    assert done.input_file_id not in sim.state.files
    assert done.output_file_id not in sim.state.files


async def test_sdk_errors_become_provider_errors(
    sim: Simulator, anthropic: AnthropicProvider, openai: OpenAIProvider
) -> None:
    with pytest.raises(ProviderError) as info:
        await anthropic.get_batch("msgbatch_missing")
    assert info.value.kind == "not_found"

    batch = await anthropic.create_batch(simple_requests(1))
    sim.clock.advance(hours=9)
    with pytest.raises(ProviderError) as info:
        await anthropic.cancel_batch(batch.id)
    assert info.value.kind == "bad_request"
    assert "already ended" in str(info.value)

    sim.faults.inject(route="openai.batches.list", kind="429", count=3)
    with pytest.raises(ProviderError) as info:
        [b async for b in openai.list_batches()]
    assert info.value.kind == "rate_limited"
    assert info.value.retry_after == pytest.approx(0.01)

    sim.faults.inject(route="anthropic.retrieve", kind="529", count=3)
    with pytest.raises(ProviderError) as info:
        await anthropic.get_batch(batch.id)
    assert info.value.kind == "server_error"

    sim.revoke_key(OPENAI_KEY)
    with pytest.raises(ProviderError) as info:
        await openai.get_batch("batch_x")
    assert info.value.kind == "unauthorized"
    assert str(info.value).startswith("profile 'o': the API key was refused (HTTP 401)")


async def test_unreachable_api_is_offline(sim: Simulator) -> None:
    from anthropic import AsyncAnthropic

    profile = anthropic_profile(sim)
    # Port 9 (discard) on loopback is closed; no retries keeps the test fast.
    client = AsyncAnthropic(base_url="http://127.0.0.1:9", api_key=ANTHROPIC_KEY, max_retries=0)
    provider = AnthropicProvider(profile, ANTHROPIC_KEY, client=client)
    try:
        with pytest.raises(ProviderError) as info:
            await provider.get_batch("msgbatch_x")
        assert info.value.kind == "offline"
        assert "\n" not in str(info.value)
    finally:
        await provider.close()


async def test_dropped_results_stream_is_offline(
    sim: Simulator, anthropic: AnthropicProvider
) -> None:
    batch = await anthropic.create_batch(simple_requests(400))
    sim.clock.advance(hours=9)
    batch = await anthropic.get_batch(batch.id)
    sim.faults.inject(route="anthropic.results", kind="drop", after_bytes=100_000)
    got: list[int] = []

    async def consume() -> None:
        async for chunk in anthropic.stream_results(batch, chunk_size=50):
            got.append(len(chunk))

    with pytest.raises(ProviderError) as info:
        await consume()
    assert info.value.kind == "offline"
    assert 0 < sum(got) < 400


# --- mapping, without the network ------------------------------------------------------------


def test_error_messages_never_carry_the_key() -> None:
    class FakeStatusError(Exception):
        status_code = 401
        body = {"error": {"message": f"Incorrect API key provided: {OPENAI_KEY}\nsecond line"}}

    error = provider_error(FakeStatusError("x"), profile="o", key=OPENAI_KEY)
    assert OPENAI_KEY not in str(error)
    assert "\n" not in str(error)
    assert error.kind == "unauthorized"


def anthropic_json(status: str, **fields) -> dict:
    counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    counts.update(fields.pop("counts", {}))
    return {
        "id": "msgbatch_1",
        "processing_status": status,
        "request_counts": counts,
        "created_at": "2026-11-01T10:00:00.123456Z",
        "expires_at": "2026-11-02T10:00:00Z",
        "ended_at": None,
        "cancel_initiated_at": None,
        "archived_at": None,
        **fields,
    }


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (anthropic_json("in_progress", counts={"processing": 3}), BatchStatus.IN_PROGRESS),
        (
            anthropic_json("canceling", cancel_initiated_at="2026-11-01T10:05:00Z"),
            BatchStatus.CANCELING,
        ),
        (anthropic_json("ended", counts={"succeeded": 3}), BatchStatus.ENDED),
        (
            anthropic_json(
                "ended", counts={"succeeded": 3}, cancel_initiated_at="2026-11-01T10:05:00Z"
            ),
            BatchStatus.CANCELED,
        ),
        (anthropic_json("ended", counts={"succeeded": 2, "expired": 1}), BatchStatus.EXPIRED),
    ],
)
def test_anthropic_statuses(data: dict, status: BatchStatus) -> None:
    batch = anthropic_batch(data, "a")
    assert batch.status == status
    assert batch.provider_status == data["processing_status"]
    assert batch.created_at == datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("word", "status", "counts"),
    [
        ("validating", BatchStatus.VALIDATING, (0, 0, 0, 0, 0)),
        ("in_progress", BatchStatus.IN_PROGRESS, (5, 3, 2, 0, 0)),
        ("finalizing", BatchStatus.FINALIZING, (0, 8, 2, 0, 0)),
        ("cancelling", BatchStatus.CANCELING, (5, 3, 2, 0, 0)),
        ("completed", BatchStatus.ENDED, (0, 8, 2, 0, 0)),
        # OpenAI's "failed" holds the requests left unrun: canceled (expired) until the
        # results tell real errors apart (here 2 failed + 5 missing from the counts).
        ("cancelled", BatchStatus.CANCELED, (0, 3, 0, 7, 0)),
        ("expired", BatchStatus.EXPIRED, (0, 3, 0, 0, 7)),
        ("failed", BatchStatus.FAILED, (0, 0, 0, 0, 0)),
    ],
)
def test_openai_statuses_and_counts(word: str, status: BatchStatus, counts: tuple) -> None:
    totals = {"total": 0, "completed": 0, "failed": 0}
    if counts != (0, 0, 0, 0, 0):
        failed = 2 if word in ("cancelled", "expired") else counts[2]
        totals = {"total": 10, "completed": counts[1], "failed": failed}
    data = {
        "id": "batch_1",
        "status": word,
        "created_at": 1_700_000_000,
        "request_counts": totals,
        "model": "gpt-4o-mini",
        "completed_at": 1_700_003_600 if word == "completed" else None,
    }
    batch = openai_batch(data, "o")
    assert batch.status == status
    c = batch.counts
    assert (c.processing, c.succeeded, c.errored, c.canceled, c.expired) == counts
    assert batch.models == ("gpt-4o-mini",)
    assert batch.created_at == datetime.fromtimestamp(1_700_000_000, UTC)
    if word == "completed":
        assert batch.ended_at == datetime.fromtimestamp(1_700_003_600, UTC)


def test_anthropic_result_lines() -> None:
    succeeded = orjson.dumps(
        {
            "custom_id": "r1",
            "result": {
                "type": "succeeded",
                "message": {
                    "model": "claude-haiku-4-5",
                    "content": [
                        {"type": "thinking", "thinking": "hmm"},
                        {"type": "text", "text": "Hello "},
                        {"type": "text", "text": "there"},
                    ],
                    "stop_reason": "max_tokens",
                    "usage": {
                        "input_tokens": 10,
                        "output_tokens": 34,
                        "cache_creation_input_tokens": 7,
                        "cache_read_input_tokens": 5,
                        "cache_creation": {
                            "ephemeral_5m_input_tokens": 3,
                            "ephemeral_1h_input_tokens": 4,
                        },
                    },
                },
            },
        }
    )
    result = anthropic_result(succeeded, "b")
    assert result.raw == succeeded
    assert result.text == "Hello there"
    assert result.stop_reason == "max_tokens"
    assert result.usage == Usage(10, 3, 4, 5, 34)

    no_split = orjson.loads(succeeded)
    no_split["result"]["message"]["usage"]["cache_creation"] = None
    assert anthropic_result(orjson.dumps(no_split), "b").usage == Usage(10, 7, 0, 5, 34)

    errored = anthropic_result(
        b'{"custom_id":"r2","result":{"type":"errored","error":{"type":"error",'
        b'"error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}}}',
        "b",
    )
    assert (errored.type, errored.error_type) == (ResultType.ERRORED, "invalid_request_error")
    assert errored.error_message == "max_tokens: Field required"
    for kind in ("canceled", "expired"):
        line = b'{"custom_id":"r3","result":{"type":"%s"}}' % kind.encode()
        assert anthropic_result(line, "b").type == ResultType(kind)


def test_openai_result_lines_are_judged_by_content() -> None:
    failed_in_output = openai_result(
        b'{"custom_id":"a","response":{"status_code":400,"body":{"error":{"message":"too long",'
        b'"type":"invalid_request_error","param":null,"code":null}}},"error":null}',
        "b",
    )
    assert failed_in_output.type == ResultType.ERRORED
    assert failed_in_output.error_type == "invalid_request_error"
    assert failed_in_output.error_message == "too long"

    expired = openai_result(
        b'{"custom_id":"b","response":null,"error":{"code":"batch_expired","message":"late"}}', "b"
    )
    assert (expired.type, expired.error_type) == (ResultType.EXPIRED, "batch_expired")
    cancelled = openai_result(
        b'{"custom_id":"c","response":null,"error":{"code":"batch_cancelled","message":"x"}}', "b"
    )
    assert cancelled.type == ResultType.CANCELED

    chat = openai_result(
        orjson.dumps(
            {
                "custom_id": "d",
                "response": {
                    "status_code": 200,
                    "body": {
                        "object": "chat.completion",
                        "model": "gpt-4o-mini",
                        "choices": [{"message": {"content": "Hi"}, "finish_reason": "length"}],
                        "usage": {
                            "prompt_tokens": 100,
                            "completion_tokens": 9,
                            "prompt_tokens_details": {"cached_tokens": 64},
                        },
                    },
                },
                "error": None,
            }
        ),
        "b",
    )
    assert chat.type == ResultType.SUCCEEDED
    assert (chat.text, chat.stop_reason, chat.model) == ("Hi", "max_tokens", "gpt-4o-mini")
    assert chat.usage == Usage(input_tokens=36, cache_read_tokens=64, output_tokens=9)

    responses = openai_result(
        orjson.dumps(
            {
                "custom_id": "e",
                "response": {
                    "status_code": 200,
                    "body": {
                        "object": "response",
                        "status": "completed",
                        "model": "gpt-5",
                        "output": [{"content": [{"type": "output_text", "text": "Yo"}]}],
                        "usage": {
                            "input_tokens": 50,
                            "input_tokens_details": {"cached_tokens": 10},
                            "output_tokens": 5,
                        },
                    },
                },
                "error": None,
            }
        ),
        "b",
    )
    assert (responses.text, responses.stop_reason) == ("Yo", "end_turn")
    assert responses.usage == Usage(input_tokens=40, cache_read_tokens=10, output_tokens=5)


async def test_split_lines_handles_crlf_blank_lines_and_a_missing_final_newline() -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for piece in (b'{"a":1}\r\n{"b"', b":2}\n\n", b"", b'{"c":3}'):
            yield piece

    lines = [line async for batch in split_lines(pieces()) for line in batch]
    assert lines == [b'{"a":1}', b'{"b":2}', b'{"c":3}']
