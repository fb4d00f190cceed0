"""The simulator refuses and reports what the real APIs refuse and report (issue #14)."""

from __future__ import annotations

import anthropic
import httpx2
import openai
import orjson
import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from simkit import chat_line, jsonl, message_request

from tui.sim import Simulator
from tui.sim.catalogue import catalogue

LONG = "You follow the house style guide to the letter. " * 400  # ~4,800 simulator tokens


async def _anthropic_results(sim: Simulator, client: AsyncAnthropic, requests: list) -> dict:
    batch = await client.messages.batches.create(requests=requests)
    sim.clock.advance(days=1)
    return {r.custom_id: r.result async for r in await client.messages.batches.results(batch.id)}


async def _openai_batch(sim: Simulator, client: AsyncOpenAI, lines: list, **kwargs: object):
    upload = await client.files.create(file=("in.jsonl", jsonl(lines)), purpose="batch")
    batch = await client.batches.create(
        input_file_id=upload.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        **kwargs,  # type: ignore[arg-type]
    )
    return batch


async def _openai_files(sim: Simulator, client: AsyncOpenAI, lines: list) -> tuple[dict, dict]:
    batch = await _openai_batch(sim, client, lines)
    sim.clock.advance(days=2)
    done = await client.batches.retrieve(batch.id)
    out, err = {}, {}
    for file_id, into in ((done.output_file_id, out), (done.error_file_id, err)):
        if file_id:
            for raw in (await client.files.content(file_id)).read().splitlines():
                line = orjson.loads(raw)
                into[line["custom_id"]] = line
    return out, err


def test_catalogue_entries_name_their_source() -> None:
    for model in catalogue().models:
        assert model.source.strip(), model.name
        assert model.max_output >= 0
        assert model.context > 0


async def test_anthropic_refused_params_come_back_errored(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    requests = [
        message_request("ok"),
        message_request("too-long", max_tokens=10_000_000),
        message_request("unknown", model="claude-nonexistent-9"),
        message_request("retired", model="claude-3-5-sonnet-20241022"),
        message_request("system-role", messages=[{"role": "system", "content": "x"}]),
        message_request("hot", temperature=5),
        message_request("top-p", top_p=-0.5),
        message_request("extra", frobnicate=True),
        message_request("empty", messages=[{"role": "user", "content": ""}]),
        message_request("no-messages", messages=[]),
        message_request("wizard", messages=[{"role": "wizard", "content": "hi"}]),
    ]
    results = await _anthropic_results(sim, aclient, requests)
    assert results["ok"].type == "succeeded"

    def error(custom_id: str) -> tuple[str, str]:
        result = results[custom_id]
        assert result.type == "errored", custom_id
        return result.error.error.type, result.error.error.message

    assert error("too-long") == (
        "invalid_request_error",
        "max_tokens: 10000000 > 64000, which is the maximum allowed number of output tokens "
        "for claude-haiku-4-5-20251001",
    )
    assert error("unknown") == ("not_found_error", "model: claude-nonexistent-9")
    assert error("retired") == ("not_found_error", "model: claude-3-5-sonnet-20241022")
    assert 'Unexpected role "system"' in error("system-role")[1]
    assert error("hot") == (
        "invalid_request_error",
        "temperature: Input should be less than or equal to 1",
    )
    assert error("top-p")[1] == "top_p: Input should be greater than or equal to 0"
    assert error("extra")[1] == "frobnicate: Extra inputs are not permitted"
    assert "non-empty content" in error("empty")[1]
    assert error("no-messages")[1].startswith("messages: List should have at least 1 item")
    assert error("wizard")[1] == "messages.0.role: Input should be 'user' or 'assistant'"


async def test_anthropic_answers_with_the_dated_snapshot(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    results = await _anthropic_results(
        sim, aclient, [message_request("h"), message_request("s", model="claude-sonnet-4-5")]
    )
    assert results["h"].message.model == "claude-haiku-4-5-20251001"
    assert results["s"].message.model == "claude-sonnet-4-5-20250929"


async def test_anthropic_caches_only_above_the_models_minimum(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    def cached(custom_id: str, text: str, model: str) -> dict:
        system = [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]
        return message_request(custom_id, model=model, system=system)

    short = "Be brief. " * 500  # ~1,250 tokens: over Sonnet 4.5's 1,024, under Haiku 4.5's 4,096
    results = await _anthropic_results(
        sim,
        aclient,
        [
            cached("tiny", "abc", "claude-haiku-4-5"),
            cached("haiku-short", short, "claude-haiku-4-5"),
            cached("sonnet-short", short, "claude-sonnet-4-5"),
            cached("haiku-long", LONG, "claude-haiku-4-5"),
        ],
    )
    usage = {key: result.message.usage for key, result in results.items()}
    assert usage["tiny"].cache_creation_input_tokens == 0
    assert usage["haiku-short"].cache_creation_input_tokens == 0
    assert usage["sonnet-short"].cache_creation_input_tokens > 0
    assert usage["haiku-long"].cache_creation_input_tokens > 0


async def test_openai_refused_lines_go_to_the_error_file(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    lines = [
        chat_line("ok"),
        chat_line("too-long", max_tokens=10_000_000),
        chat_line("too-long-mct", max_completion_tokens=20_000),
        chat_line("hot", temperature=5),
        chat_line("extra", frobnicate=True),
        {**chat_line("empty"), "body": {"model": "gpt-4o-mini", "messages": []}},
        {
            **chat_line("wizard"),
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "wizard", "content": "x"}]},
        },
    ]
    out, err = await _openai_files(sim, oclient, lines)
    assert set(out) == {"ok"}
    assert out["ok"]["response"]["body"]["model"] == "gpt-4o-mini-2024-07-18"

    def failure(custom_id: str) -> tuple[int, dict]:
        response = err[custom_id]["response"]
        return response["status_code"], response["body"]["error"]

    status, error = failure("too-long")
    assert (status, error["param"], error["code"]) == (400, "max_tokens", "invalid_value")
    assert error["message"] == (
        "max_tokens is too large: 10000000. This model supports at most 16384 completion "
        "tokens, whereas you provided 10000000."
    )
    assert failure("too-long-mct")[1]["param"] == "max_completion_tokens"
    assert failure("hot")[1]["param"] == "temperature"
    assert failure("extra")[1]["message"] == "Unrecognized request argument supplied: frobnicate"
    assert failure("empty")[1]["message"] == "[] is too short - 'messages'"
    assert failure("wizard")[1]["param"] == "messages[0].role"


async def test_openai_unknown_model_is_404_model_not_found(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    lines = [chat_line(f"r{i}", model="gpt-nonexistent-9") for i in range(3)]
    out, err = await _openai_files(sim, oclient, lines)
    assert not out
    response = err["r0"]["response"]
    assert response["status_code"] == 404
    assert response["body"]["error"]["code"] == "model_not_found"
    assert "`gpt-nonexistent-9` does not exist" in response["body"]["error"]["message"]


async def test_openai_get_lines_fail_validation(sim: Simulator, oclient: AsyncOpenAI) -> None:
    batch = await _openai_batch(sim, oclient, [{**chat_line("a"), "method": "GET"}])
    sim.clock.advance(hours=1)
    failed = await oclient.batches.retrieve(batch.id)
    assert failed.status == "failed"
    assert failed.errors is not None
    assert failed.errors.data[0].param == "method"


async def test_create_answers_with_the_state_at_creation(sim: Simulator) -> None:
    sim.clock.set_speed(1e9)  # a fast clock moves far while a batch is planned
    requests = [message_request(f"r{i}") for i in range(200)]
    async with AsyncAnthropic(base_url=sim.anthropic_base_url, api_key="k") as client:
        created = await client.messages.batches.create(requests=requests)
    assert created.processing_status == "in_progress"
    assert created.request_counts.processing == 200
    sim.clock.set_speed(0)
    async with AsyncOpenAI(base_url=sim.openai_base_url, api_key="k") as oclient:
        upload = await oclient.files.create(
            file=("in.jsonl", jsonl([chat_line("a")])), purpose="batch"
        )
        sim.clock.set_speed(1e5)  # validation takes seconds: gone by the time create answers
        batch = await oclient.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert batch.status == "validating"


async def test_anthropic_version_header_is_required(sim: Simulator) -> None:
    async with httpx2.AsyncClient() as http:
        reply = await http.get(
            sim.anthropic_base_url + "/v1/messages/batches", headers={"x-api-key": "k"}
        )
    assert reply.status_code == 400
    assert reply.json()["error"] == {
        "type": "invalid_request_error",
        "message": "anthropic-version: header is required",
    }
    assert reply.headers["request-id"].startswith("req_")


async def test_unknown_routes_and_methods_get_json_envelopes(sim: Simulator) -> None:
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01", "authorization": "Bearer k"}
    async with httpx2.AsyncClient(headers=headers) as http:
        a404 = await http.get(sim.anthropic_base_url + "/v1/nothing-here")
        a405 = await http.put(sim.anthropic_base_url + "/v1/messages/batches")
        o404 = await http.get(sim.openai_base_url + "/nothing-here")
        o405 = await http.delete(sim.openai_base_url + "/batches")
    assert (a404.status_code, a404.json()["error"]["type"]) == (404, "not_found_error")
    assert (a405.status_code, a405.json()["type"]) == (405, "error")
    for reply in (a404, a405):
        assert reply.json()["request_id"] == reply.headers["request-id"]
    assert o404.status_code == 404
    assert o404.json()["error"]["message"] == "Invalid URL (GET /v1/nothing-here)"
    assert o405.json()["error"]["message"] == "Invalid URL (DELETE /v1/batches)"
    assert o405.headers["x-request-id"].startswith("req_")


async def test_count_tokens_validates_its_input(sim: Simulator, aclient: AsyncAnthropic) -> None:
    with pytest.raises(anthropic.NotFoundError):
        await aclient.messages.count_tokens(
            model="claude-nonexistent-9", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(anthropic.BadRequestError, match="at least 1 item"):
        await aclient.messages.count_tokens(model="claude-haiku-4-5", messages=[])
    counted = await aclient.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}]
    )
    assert counted.input_tokens > 0


async def test_openai_create_refuses_unknown_arguments(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    upload = await oclient.files.create(file=("in.jsonl", jsonl([chat_line("a")])), purpose="batch")
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument supplied"):
        await oclient.batches.create(
            input_file_id=upload.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            extra_body={"priority": "high"},
        )
    with pytest.raises(openai.BadRequestError, match="output_expires_after"):
        await oclient.batches.create(
            input_file_id=upload.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            output_expires_after={"anchor": "created_at", "seconds": 10},
        )


async def test_output_expires_after_applies_and_files_expire(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    batch = await _openai_batch(
        sim,
        oclient,
        [chat_line("a")],
        output_expires_after={"anchor": "created_at", "seconds": 3 * 86400},
    )
    sim.clock.advance(days=1)
    done = await oclient.batches.retrieve(batch.id)
    output = await oclient.files.retrieve(done.output_file_id)
    assert output.expires_at - output.created_at == 3 * 86400
    sim.clock.advance(days=3)
    with pytest.raises(openai.NotFoundError):
        await oclient.files.retrieve(done.output_file_id)
    sim.clock.advance(days=30)  # the batch input file's default 30 days
    with pytest.raises(openai.NotFoundError):
        await oclient.files.retrieve(done.input_file_id)


async def test_files_of_other_purposes_do_not_expire(sim: Simulator, oclient: AsyncOpenAI) -> None:
    kept = await oclient.files.create(file=("notes.txt", b"hello"), purpose="user_data")
    assert kept.expires_at is None
    sim.clock.advance(days=90)
    assert (await oclient.files.retrieve(kept.id)).id == kept.id


async def test_rate_limit_headers_and_content_disposition(
    sim: Simulator, aclient: AsyncAnthropic
) -> None:
    batch = await aclient.messages.batches.create(requests=[message_request("a")])
    sim.clock.advance(days=1)
    raw = await aclient.messages.batches.with_raw_response.retrieve(batch.id)
    assert int(raw.headers["anthropic-ratelimit-requests-remaining"]) > 0
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    async with httpx2.AsyncClient(headers=headers) as http:
        reply = await http.get(f"{sim.anthropic_base_url}/v1/messages/batches/{batch.id}/results")
    assert (
        reply.headers["content-disposition"] == f'attachment; filename="{batch.id}_results.jsonl"'
    )


async def test_fault_retry_after_is_configurable_in_seconds(sim: Simulator) -> None:
    sim.faults.inject(route="openai.batches.list", kind="429", retry_after=30, retry_after_ms=None)
    async with httpx2.AsyncClient(headers={"authorization": "Bearer k"}) as http:
        reply = await http.get(sim.openai_base_url + "/batches")
    assert reply.status_code == 429
    assert reply.headers["retry-after"] == "30"
    assert "retry-after-ms" not in reply.headers
    assert reply.headers["x-ratelimit-remaining-requests"] == "0"
