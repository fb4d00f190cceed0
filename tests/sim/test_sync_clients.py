"""The synchronous SDK clients, run in a worker thread, on the endpoints the async tests use."""

from __future__ import annotations

import asyncio

import anthropic
import openai
import pytest
from simkit import KEY, chat_line, jsonl, message_request

from tui.sim import Simulator


async def test_sync_anthropic_client_on_every_endpoint(sim: Simulator) -> None:
    def work() -> None:
        with anthropic.Anthropic(base_url=sim.anthropic_base_url, api_key=KEY) as client:
            kept = client.messages.batches.create(requests=[message_request("a")])
            dropped = client.messages.batches.create(requests=[message_request("b")])
            assert client.messages.batches.cancel(dropped.id).processing_status == "canceling"
            assert [b.id for b in client.messages.batches.list()] == [dropped.id, kept.id]
            sim.clock.advance(days=1)
            assert client.messages.batches.retrieve(kept.id).request_counts.succeeded == 1
            assert [r.result.type for r in client.messages.batches.results(dropped.id)] == [
                "canceled"
            ]
            client.messages.batches.delete(dropped.id)
            with pytest.raises(anthropic.NotFoundError):
                client.messages.batches.retrieve(dropped.id)
            tokens = client.messages.count_tokens(
                model="claude-haiku-4-5", messages=[{"role": "user", "content": "x" * 40}]
            )
            assert tokens.input_tokens == 10

    await asyncio.to_thread(work)


async def test_sync_openai_client_on_every_endpoint(sim: Simulator) -> None:
    def work() -> None:
        with openai.OpenAI(base_url=sim.openai_base_url, api_key=KEY) as client:
            upload = client.files.create(
                file=("in.jsonl", jsonl([chat_line("a")])), purpose="batch"
            )
            assert client.files.retrieve(upload.id).bytes == upload.bytes
            batch = client.batches.create(
                input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
            other = client.batches.create(
                input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
            assert client.batches.cancel(other.id).status == "cancelling"
            assert [b.id for b in client.batches.list()] == [other.id, batch.id]
            sim.clock.advance(days=1)
            done = client.batches.retrieve(batch.id)
            assert done.status == "completed"
            assert client.batches.retrieve(other.id).status == "cancelled"
            assert b'"custom_id":"a"' in client.files.content(done.output_file_id).read()
            purposes = {f.purpose for f in client.files.list()}
            assert purposes == {"batch", "batch_output"}
            assert client.files.delete(upload.id).deleted is True

    await asyncio.to_thread(work)
