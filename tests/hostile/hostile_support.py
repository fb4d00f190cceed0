"""One hostile batch, as a provider and a user could make it, for the hostile-input suite.

Every piece of untrusted text carries Rich/Textual markup (one closing tag with no opening tag,
which makes the markup parser raise) and terminal control: ANSI colours, a screen clear, an
OSC 52 clipboard write, an OSC 0 window title, 8-bit C1 controls and a bidi override. The batch
goes into the cache through the store's own write path, as the sync engine would put it there.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson
from builders import T0, make_batch, make_result

from tui.core.models import (
    Batch,
    BatchStatus,
    ProviderKind,
    RequestCounts,
    RequestResult,
    ResultsState,
    ResultType,
)
from tui.core.store import Store

BATCH_ID = "batch_hostile0001"
CREATED = T0

ESCAPES = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\x9b31m\x9d8;;x\x9c\u202e"
"""Screen clear, clipboard write, window title, 8-bit CSI and OSC, a right-to-left override."""

LABEL = "nightly [/nope] [red]LBL[/] [@click=app.quit]q[/]" + ESCAPES
NOTES = "notes [/] [link=https://evil.example]x[/link]" + ESCAPES
MODEL = "gpt-4o-mini[/x]" + ESCAPES
CUSTOM_IDS = ("req[/]0" + ESCAPES, "req-1\x1b]52;c;QQ==\x07", "req-2\u202egnp.exe", "req-3\x85")
ERROR_MESSAGE = "bad [/] [bold]request[/bold] " + ESCAPES
ERROR_TYPE = "invalid_request_error[/]\x1b[5m"
RESULT_TEXT = "answer [/oops] [link=https://evil.example]click[/link] " + ESCAPES
PROVIDER_ERROR = {"code": "model_mismatch[/]", "message": "The model '" + MODEL + "' differs"}

UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What must never reach a terminal raw: C0 (but tab, newline), DEL, C1, bidi controls."""


def unsafe_characters(text: str) -> list[str]:
    """The unsafe characters in ``text``, for an assertion message (empty when it is safe).

    A carriage return that ends a line (CSV's line terminator) is harmless and allowed."""
    return UNSAFE.findall(text.replace("\r\n", "\n"))


def hostile_batch() -> Batch:
    return make_batch(
        BATCH_ID,
        profile="openai",
        provider=ProviderKind.OPENAI,
        status=BatchStatus.FAILED,
        provider_status="failed",
        counts=RequestCounts(succeeded=2, errored=2),
        created_at=CREATED,
        ended_at=CREATED,
        endpoint="/v1/chat/completions",
        models=(MODEL,),
        label=LABEL,
        notes=NOTES,
        source="/tmp/in[/]put.jsonl\x1b[2J",
        results_state=ResultsState.COMPLETE,
        raw={"id": BATCH_ID, "status": "failed", "errors": {"data": [PROVIDER_ERROR]}},
    )


def hostile_results() -> list[RequestResult]:
    succeeded = [
        make_result(
            custom_id, batch_id=BATCH_ID, model=MODEL, stop_reason="stop[/]\x1b[1m",
            text=RESULT_TEXT, raw=orjson.dumps({"custom_id": custom_id, "text": RESULT_TEXT}),
        )
        for custom_id in CUSTOM_IDS[:2]
    ]  # fmt: skip
    errored = [
        make_result(
            custom_id, ResultType.ERRORED, batch_id=BATCH_ID, model=None, error_type=ERROR_TYPE,
            error_message=ERROR_MESSAGE,
            raw=orjson.dumps({"custom_id": custom_id, "error": ERROR_MESSAGE}),
        )
        for custom_id in CUSTOM_IDS[2:]
    ]  # fmt: skip
    return succeeded + errored


def request_params(custom_id: str) -> bytes:
    return orjson.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "hi " + custom_id}]}
    )


async def store_hostile_batch(store: Store) -> Batch:
    """Put the hostile batch, its params and its results in ``store``; returns the batch."""
    batch = hostile_batch()
    await store.batches.insert_local(batch)
    await store.batches.set_results_state(batch.id, ResultsState.COMPLETE)
    await store.requests.put(batch.id, [(c, request_params(c)) for c in CUSTOM_IDS])
    await store.results.write(hostile_results())
    return batch


async def make_hostile_database(path: Path) -> Batch:
    store = await Store.open(path)
    try:
        return await store_hostile_batch(store)
    finally:
        await store.close()
