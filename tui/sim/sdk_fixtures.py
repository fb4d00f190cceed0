"""The ``sdk-fixtures`` scenario: the objects the official SDKs' own resource tests name.

The ``anthropic`` and ``openai`` source distributions test every batch and file method against
a mock server, with literal ids: ``message_batch_id``, ``batch_id``, ``file_id`` and
``input_file_id``. Against a stateful provider those objects must exist before each test, and
be in a state where the method is allowed (a batch is cancelled while it runs and deleted once
it has ended), exactly as a real account would need them. This scenario makes them, under those
ids; ids nobody made still get a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from tui.sim.server import Simulator

ANTHROPIC_BATCH_ID = "message_batch_id"
OPENAI_BATCH_ID = "batch_id"
OPENAI_FILE_ID = "file_id"
OPENAI_INPUT_FILE_ID = "input_file_id"
HOUR = 3600.0

_QUESTIONS = ("What is the capital of France?", "Name three prime numbers.")


def _anthropic_requests() -> list[tuple[str, object]]:
    return [
        (
            f"question-{index}",
            {
                "model": "claude-haiku-4-5",
                "max_tokens": 256,
                "messages": [{"role": "user", "content": question}],
            },
        )
        for index, question in enumerate(_QUESTIONS)
    ]


def _responses_input() -> bytes:
    """A two-line input file for ``/v1/responses``, the endpoint the SDK tests create with."""
    lines = [
        {
            "custom_id": f"question-{index}",
            "method": "POST",
            "url": "/v1/responses",
            "body": {"model": "gpt-4o-mini", "input": question, "max_output_tokens": 256},
        }
        for index, question in enumerate(_QUESTIONS)
    ]
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def seed_sdk_fixtures(sim: Simulator, *, anthropic_ended: bool = False) -> None:
    """Add the four objects. The Anthropic batch is running (it can be cancelled) or, with
    ``anthropic_ended``, ended an hour ago (it can be deleted); the OpenAI batch is running.
    Raises ValueError, having made nothing, if any of the ids is taken (seeded twice)."""
    state = sim.state
    taken = {ANTHROPIC_BATCH_ID} & set(state.anthropic) | {OPENAI_BATCH_ID} & set(state.openai)
    taken |= {OPENAI_FILE_ID, OPENAI_INPUT_FILE_ID} & set(state.files)
    if taken:
        raise ValueError(f"already seeded: {sorted(taken)}; reset the simulator first")
    now = sim.clock.time()
    if anthropic_ended:
        created, duration = now - 3 * HOUR, 2 * HOUR
    else:
        created, duration = now - 60.0, 6 * HOUR
    state.create_anthropic(
        _anthropic_requests(),
        created,
        duration=duration,
        batch_id=ANTHROPIC_BATCH_ID,
    )
    data = _responses_input()
    for file_id in (OPENAI_INPUT_FILE_ID, OPENAI_FILE_ID):
        state.add_file("requests.jsonl", "batch", data, now - HOUR, file_id=file_id)
    state.create_openai(
        input_file=state.files[OPENAI_INPUT_FILE_ID],
        endpoint="/v1/responses",
        completion_window="24h",
        metadata={"project": "sdk-tests"},
        created=now - 10 * 60.0,
        duration=6 * HOUR,
        batch_id=OPENAI_BATCH_ID,
    )
