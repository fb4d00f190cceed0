"""Synthetic batches and a tiny host App for the requests inspector's tests and bench.

Results are generated deterministically (a seeded mix of outcomes, stop reasons, errors and
text), written through ``store.results.write`` as the sync engine would, so the tests need no
network. The host App loads only the inspector's section of ``tui/ui/app.tcss``, so its snapshots
do not change when another pane's styles do.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
from builders import T0, ended_batch
from textual.app import App

from tui.core.models import (
    Batch,
    RequestCounts,
    RequestResult,
    ResultsState,
    ResultType,
    Usage,
)
from tui.core.store import Store
from tui.ui.screens.requests import RequestsScreen

BATCH_ID = "msgbatch_01TESTBATCH"
CREATED = T0
MODEL = "claude-sonnet-4-5"

_WORDS = (
    "the", "invoice", "total", "was", "reconciled", "against", "ledger", "entries", "and", "the",
    "summary", "lists", "three", "discrepancies", "in", "shipping", "fees", "tax", "rounding",
    "and", "duplicate", "refunds", "for", "customer", "accounts",
)  # fmt: skip
_ERRORS = (
    ("invalid_request_error", "max_tokens: 100000 > 64000, which is the maximum allowed"),
    ("invalid_request_error", "messages: text content blocks must be non-empty"),
    ("overloaded_error", "Overloaded"),
    ("api_error", "Internal server error (request req_{n:06d})"),
)


def random_result(batch_id: str, n: int, rng: random.Random) -> RequestResult:
    """Request ``n`` of a batch: ~94 % succeeded (some at max_tokens), 4 % errored,
    1.5 % expired, 0.5 % canceled."""
    custom_id = f"req-{n:06d}"
    roll = rng.random()
    if roll < 0.94:
        words = rng.randint(8, 60)
        text = f"Answer {n}: " + " ".join(rng.choice(_WORDS) for _ in range(words))
        stop = "max_tokens" if rng.random() < 0.05 else "end_turn"
        usage = Usage(
            input_tokens=rng.randint(200, 4000),
            cache_read_tokens=rng.choice((0, 0, 2048)),
            output_tokens=rng.randint(20, 900),
        )
        raw = {
            "custom_id": custom_id,
            "result": {
                "type": "succeeded",
                "message": {"model": MODEL, "stop_reason": stop, "content": [{"text": text}]},
            },
        }
        return RequestResult(
            batch_id, custom_id, ResultType.SUCCEEDED, MODEL, stop, text=text, usage=usage,
            raw=orjson.dumps(raw),
        )  # fmt: skip
    if roll < 0.98:
        error_type, message = rng.choice(_ERRORS)
        message = message.format(n=n)
        raw = {"custom_id": custom_id, "result": {"type": "errored", "error": {"type": error_type}}}
        return RequestResult(
            batch_id, custom_id, ResultType.ERRORED, error_type=error_type,
            error_message=message, raw=orjson.dumps(raw),
        )  # fmt: skip
    kind = ResultType.EXPIRED if roll < 0.995 else ResultType.CANCELED
    raw = {"custom_id": custom_id, "result": {"type": kind.value}}
    return RequestResult(batch_id, custom_id, kind, raw=orjson.dumps(raw))


def inspected_batch(
    total: int, *, batch_id: str = BATCH_ID, results_state: ResultsState = ResultsState.COMPLETE
) -> Batch:
    """The ended batch of ``total`` succeeded requests the inspector's tests open."""
    return ended_batch(
        batch_id,
        profile="default",
        counts=RequestCounts(succeeded=total),
        created_at=CREATED,
        ended_at=CREATED,
        models=(MODEL,),
        label="invoices-november",
        results_state=results_state,
    )


async def fill_store(
    store: Store, total: int, *, stored: int | None = None, chunk: int = 5000, seed: int = 7
) -> Batch:
    """Store a batch of ``total`` requests and the first ``stored`` (default all) results."""
    stored = total if stored is None else stored
    state = ResultsState.COMPLETE if stored == total else ResultsState.PARTIAL
    batch = inspected_batch(total, results_state=state)
    await store.batches.upsert([batch])
    await store.batches.set_results_state(batch.id, state)
    rng = random.Random(seed)
    for start in range(0, stored, chunk):
        rows = [random_result(batch.id, n, rng) for n in range(start, min(start + chunk, stored))]
        await store.results.write(rows)
    return batch


class HostApp(App):
    """Pushes a :class:`RequestsScreen` over a store, and records what the screen posts.

    Give it an open ``store``, or a ``db_path`` it opens itself (snapshot tests run the app in
    their own event loop, where a store opened elsewhere cannot be used).
    """

    CSS_PATH = Path(__file__).resolve().parents[2] / "tui" / "ui" / "app.tcss"  # the whole app's

    def __init__(
        self,
        batch: Batch,
        store: Store | None = None,
        *,
        db_path: Path | None = None,
        read_only: bool = False,
        push: bool = True,
    ) -> None:
        super().__init__()
        self.push = push
        self.store = store
        self.db_path = db_path
        self.batch = batch
        self.read_only = read_only
        self.retries: list[RequestsScreen.RetryRequested] = []

    async def on_mount(self) -> None:
        if self.store is None:
            assert self.db_path is not None
            self.store = await Store.open(self.db_path)
        if self.push:
            await self.push_screen(RequestsScreen(self.store, self.batch, read_only=self.read_only))

    async def on_unmount(self) -> None:
        if self.db_path is not None and self.store is not None:
            await self.store.close()

    def on_requests_screen_retry_requested(self, event: RequestsScreen.RetryRequested) -> None:
        self.retries.append(event)


async def settle(pilot) -> None:
    """Wait until no worker runs and every posted message has been handled."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def screen_text(app: App) -> str:
    """What the terminal shows, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
