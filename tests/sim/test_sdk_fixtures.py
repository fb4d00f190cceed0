"""``POST /_sim/reset`` and the ``sdk-fixtures`` scenario that the SDKs' own tests run on."""

from __future__ import annotations

import anthropic
import httpx2
import openai
import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

from tui.sim import Simulator


async def _control(sim: Simulator, path: str, **body: object) -> httpx2.Response:
    async with httpx2.AsyncClient(base_url=sim.base_url) as http:
        return await http.post("/_sim" + path, json=body)


async def test_the_fixtures_exist_in_the_states_their_methods_need(
    sim: Simulator, aclient: AsyncAnthropic, oclient: AsyncOpenAI
) -> None:
    reply = await _control(sim, "/scenario", name="sdk-fixtures")
    assert reply.json() == {"scenario": "sdk-fixtures", "anthropic_batches": 1, "openai_batches": 1}
    running = await aclient.messages.batches.retrieve("message_batch_id")
    assert (running.processing_status, running.request_counts.processing) == ("in_progress", 2)
    assert (await aclient.messages.batches.cancel("message_batch_id")).cancel_initiated_at
    batch = await oclient.batches.retrieve("batch_id")
    assert (batch.status, batch.input_file_id, batch.endpoint) == (
        "in_progress",
        "input_file_id",
        "/v1/responses",
    )
    assert (await oclient.batches.cancel("batch_id")).status == "cancelling"
    for file_id in ("file_id", "input_file_id"):
        text = (await oclient.files.content(file_id)).text
        assert text.count('"url":"/v1/responses"') == 2
    # Only those ids exist: the simulator does not answer for any id it is asked about.
    with pytest.raises(anthropic.NotFoundError):
        await aclient.messages.batches.retrieve("msgbatch_unknown")
    with pytest.raises(openai.NotFoundError):
        await oclient.files.retrieve("file-unknown")


async def test_an_ended_batch_for_the_delete_tests(sim: Simulator, aclient: AsyncAnthropic) -> None:
    reply = await _control(sim, "/scenario", name="sdk-fixtures", anthropic_batch="ended")
    assert reply.status_code == 200
    ended = await aclient.messages.batches.retrieve("message_batch_id")
    assert ended.processing_status == "ended"
    assert (await aclient.messages.batches.delete("message_batch_id")).id == "message_batch_id"
    bad = await _control(sim, "/scenario", name="sdk-fixtures", anthropic_batch="soon")
    assert bad.status_code == 400


async def test_reset_empties_the_world_and_seeding_twice_needs_one(
    sim: Simulator, aclient: AsyncAnthropic, oclient: AsyncOpenAI
) -> None:
    await _control(sim, "/scenario", name="sdk-fixtures")
    again = await _control(sim, "/scenario", name="sdk-fixtures")
    assert again.status_code == 409
    assert "reset" in again.json()["error"]
    sim.faults.inject(route="*", kind="500", count=None)
    sim.revoke_key("sk-old")
    before = sim.clock.time()
    assert (await _control(sim, "/reset")).status_code == 200
    assert sim.clock.time() == before  # the clock goes on
    assert (sim.faults.to_json(), sim.revoked_keys) == ([], set())
    assert (await aclient.messages.batches.list()).data == []
    assert (await oclient.files.list()).data == []
    assert set(sim.counters.values()) == {0, 1}  # zeroed by the reset, then the two lists
    assert (await _control(sim, "/scenario", name="sdk-fixtures")).status_code == 200
