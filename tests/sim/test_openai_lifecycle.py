"""OpenAI Files and Batch through the official SDK: completed, failed, expired, cancelled."""

from __future__ import annotations

import asyncio

import openai
import orjson
import pytest
from openai import AsyncOpenAI
from simkit import KEY, chat_line, jsonl, openai_client

from tui.sim import SimOptions, Simulator


async def _batch(client: openai.AsyncOpenAI, lines: list, endpoint: str = "/v1/chat/completions"):
    upload = await client.files.create(file=("input.jsonl", jsonl(lines)), purpose="batch")
    return await client.batches.create(
        input_file_id=upload.id,
        endpoint=endpoint,
        completion_window="24h",
        metadata={"run": "test"},
    )


def _lines(content: bytes) -> list[dict]:
    return [orjson.loads(line) for line in content.splitlines()]


async def test_file_upload_and_content_round_trip(sim: Simulator, oclient: AsyncOpenAI) -> None:
    client = oclient
    data = jsonl([chat_line(f"r{i}") for i in range(3)])
    upload = await client.files.create(file=("requests.jsonl", data), purpose="batch")
    assert (upload.filename, upload.bytes, upload.purpose) == ("requests.jsonl", len(data), "batch")
    assert (await client.files.retrieve(upload.id)).id == upload.id
    assert (await client.files.content(upload.id)).read() == data
    assert [f.id async for f in client.files.list(purpose="batch")] == [upload.id]
    deleted = await client.files.delete(upload.id)
    assert deleted.deleted is True
    with pytest.raises(openai.NotFoundError):
        await client.files.retrieve(upload.id)


async def test_batch_files_must_be_jsonl(sim: Simulator, oclient: AsyncOpenAI) -> None:
    client = oclient
    with pytest.raises(openai.BadRequestError, match=r"Must be \.jsonl"):
        await client.files.create(file=("requests.csv", b"a,b\n"), purpose="batch")
    other = await client.files.create(file=("notes.txt", b"hello"), purpose="user_data")
    assert other.purpose == "user_data"


async def test_batch_files_over_the_size_limit_are_refused() -> None:
    options = SimOptions(seed=1, speed=0.0, max_file_bytes=1000)
    async with Simulator(options) as sim, openai_client(sim) as client:
        with pytest.raises(openai.BadRequestError, match="too large"):
            await client.files.create(file=("big.jsonl", b"x" * 1001), purpose="batch")


async def test_completed_batch_moves_live_and_writes_output(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    client = oclient
    lines = [chat_line(f"r{i}", "question " * i) for i in range(40)]
    lines.append(chat_line("bad"))
    lines[-1]["body"]["max_tokens"] = 0  # a per-request 400 in the error file
    batch = await _batch(client, lines)
    assert batch.status == "validating"
    assert batch.request_counts.total == 0
    seen = set()
    for _ in range(30):
        sim.clock.advance(minutes=5)
        current = await client.batches.retrieve(batch.id)
        seen.add(current.status)
        counts = current.request_counts
        assert counts.completed + counts.failed <= counts.total
        if current.status == "completed":
            break
    assert {"in_progress", "completed"} <= seen
    assert current.request_counts.model_dump() == {"total": 41, "completed": 40, "failed": 1}
    assert current.model == "gpt-4o-mini"
    assert current.usage.input_tokens > 0
    assert current.in_progress_at <= current.finalizing_at <= current.completed_at
    output = _lines((await client.files.content(current.output_file_id)).read())
    assert sorted(line["custom_id"] for line in output) == sorted(f"r{i}" for i in range(40))
    first = output[0]
    assert first["error"] is None
    assert first["response"]["status_code"] == 200
    assert first["response"]["body"]["object"] == "chat.completion"
    usage = first["response"]["body"]["usage"]
    assert "cached_tokens" in usage["prompt_tokens_details"]
    errors = _lines((await client.files.content(current.error_file_id)).read())
    assert len(errors) == 1
    assert errors[0]["error"] is None
    assert errors[0]["response"]["status_code"] == 400
    assert errors[0]["response"]["body"]["error"]["type"] == "invalid_request_error"
    output_file = await client.files.retrieve(current.output_file_id)
    assert output_file.purpose == "batch_output"
    with pytest.raises(openai.BadRequestError):
        await client.batches.cancel(batch.id)


async def test_all_good_batch_has_no_error_file(sim: Simulator, oclient: AsyncOpenAI) -> None:
    client = oclient
    batch = await _batch(client, [chat_line("a"), chat_line("b")])
    sim.clock.advance(days=1)
    done = await client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.output_file_id is not None
    assert done.error_file_id is None


async def test_server_errors_leave_output_file_unset() -> None:
    options = SimOptions(seed=2, speed=0.0, error_rate=1.0)
    async with Simulator(options) as sim, openai_client(sim) as client:
        batch = await _batch(client, [chat_line(f"r{i}") for i in range(5)])
        sim.clock.advance(days=1)
        done = await client.batches.retrieve(batch.id)
        assert done.request_counts.failed == 5
        assert done.output_file_id is None
        errors = _lines((await client.files.content(done.error_file_id)).read())
        assert {line["response"]["status_code"] for line in errors} == {500}


@pytest.mark.parametrize(
    ("lines", "code", "line_number"),
    [
        (["{not json"], "invalid_json_line", 1),
        (
            [chat_line("a"), {"method": "POST", "url": "/v1/chat/completions", "body": {}}],
            "missing_required_parameter",
            2,
        ),
        ([chat_line("a"), chat_line("a")], "duplicate_custom_id", 2),
        ([chat_line("a", url="/v1/embeddings")], "url_mismatch", 1),
        ([chat_line("a"), chat_line("b", model="gpt-4.1")], "model_mismatch", 2),
        ([], "empty_file", None),
    ],
)
async def test_bad_input_files_fail_validation(
    sim: Simulator, lines: list, code: str, line_number: int | None
) -> None:
    async with openai_client(sim) as client:
        raw = b"".join(
            (line if isinstance(line, str) else orjson.dumps(line).decode()).encode() + b"\n"
            for line in lines
        )
        upload = await client.files.create(file=("input.jsonl", raw), purpose="batch")
        batch = await client.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        sim.clock.advance(minutes=2)
        failed = await client.batches.retrieve(batch.id)
        assert failed.status == "failed"
        assert failed.failed_at is not None
        assert failed.errors.data[0].code == code
        assert failed.errors.data[0].line == line_number
        assert failed.output_file_id is None
        assert failed.error_file_id is None


async def test_expired_batch_writes_batch_expired_lines() -> None:
    options = SimOptions(seed=5, speed=0.0, expire_rate=1.0, error_rate=0.0)
    async with Simulator(options) as sim, openai_client(sim) as client:
        batch = await _batch(client, [chat_line(f"r{i}") for i in range(30)])
        sim.clock.advance(hours=24)
        expired = await client.batches.retrieve(batch.id)
        assert expired.status == "expired"
        assert expired.expired_at == expired.expires_at
        counts = expired.request_counts
        assert counts.completed + counts.failed == 30
        assert counts.failed > 0
        errors = _lines((await client.files.content(expired.error_file_id)).read())
        assert len(errors) == counts.failed
        assert errors[0]["response"] is None
        assert errors[0]["error"]["code"] == "batch_expired"


async def test_cancel_with_empty_body_then_cancelled(sim: Simulator, oclient: AsyncOpenAI) -> None:
    client = oclient
    batch = await _batch(client, [chat_line(f"r{i}") for i in range(20)])
    cancelling = await client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling"
    assert cancelling.cancelling_at is not None
    sim.clock.advance(minutes=10)
    cancelled = await client.batches.retrieve(batch.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at is not None
    assert cancelled.output_file_id is None  # cancelled while validating: nothing ran
    errors = _lines((await client.files.content(cancelled.error_file_id)).read())
    assert {line["error"]["code"] for line in errors} == {"batch_cancelled"}
    assert len(errors) == 20


async def test_sync_client_in_a_thread(sim: Simulator) -> None:
    def work() -> str:
        client = openai.OpenAI(base_url=sim.openai_base_url, api_key=KEY)
        upload = client.files.create(file=("in.jsonl", jsonl([chat_line("a")])), purpose="batch")
        batch = client.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        sim.clock.advance(days=1)
        done = client.batches.retrieve(batch.id)
        return client.files.content(done.output_file_id).text

    text = await asyncio.to_thread(work)
    assert orjson.loads(text)["custom_id"] == "a"


async def test_embeddings_and_responses_endpoints(sim: Simulator, oclient: AsyncOpenAI) -> None:
    client = oclient
    for endpoint, body, kind in (
        ("/v1/embeddings", {"model": "text-embedding-3-small", "input": "hello"}, "list"),
        ("/v1/responses", {"model": "gpt-4.1", "input": "hello"}, "response"),
        ("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "hi"}, "text_completion"),
    ):
        line = {"custom_id": "x", "method": "POST", "url": endpoint, "body": body}
        batch = await _batch(client, [line], endpoint=endpoint)
        sim.clock.advance(days=1)
        done = await client.batches.retrieve(batch.id)
        output = _lines((await client.files.content(done.output_file_id)).read())
        assert output[0]["response"]["body"]["object"] == kind


async def test_expires_after_sets_the_file_lifetime(sim: Simulator, oclient: AsyncOpenAI) -> None:
    upload = await oclient.files.create(
        file=("in.jsonl", jsonl([chat_line("a")])),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 7200},
    )
    assert upload.expires_at - upload.created_at == 7200
    with pytest.raises(openai.BadRequestError):
        await oclient.files.create(
            file=("in.jsonl", b"{}\n"),
            purpose="batch",
            expires_after={"anchor": "created_at", "seconds": 10},
        )
