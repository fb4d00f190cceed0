"""OpenAI's side of the simulated batches: files and batches, computed lazily from the clock.

Split from :mod:`tui.sim.batches` (which keeps the request table, the planner and Anthropic's
batches): an OpenAI batch reads its requests from an uploaded file and writes an output file and
an error file, so it carries more states and timings than an Anthropic one.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tui.sim import outcomes as oc
from tui.sim.batches import FILE_EXPIRY, WINDOW, RequestTable
from tui.sim.catalogue import catalogue


@dataclass(kw_only=True)
class FileRecord:
    """An OpenAI file: its bytes are on disk at ``path`` (see :mod:`tui.sim.files`)."""

    id: str
    created: float
    filename: str
    purpose: str
    path: Path
    size: int
    lifetime: float | None = FILE_EXPIRY
    """Seconds from ``created`` until the file is deleted; None: kept until deleted."""

    def expired(self, now: float) -> bool:
        return self.lifetime is not None and now >= self.created + self.lifetime

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": self.size,
            "created_at": int(self.created),
            "expires_at": None if self.lifetime is None else int(self.created + self.lifetime),
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


@dataclass(kw_only=True)
class OpenAIBatch:
    id: str
    created: float
    endpoint: str
    input_file_id: str
    completion_window: str
    metadata: dict[str, str] | None
    model: str | None
    table: RequestTable
    seed: int
    validation_errors: list[dict[str, Any]]
    validate_delay: float
    finalize_delay: float
    cancel_delay: float
    cancel_at: float | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    output_lifetime: float = FILE_EXPIRY
    """``output_expires_after.seconds``: how long the output and error files live."""
    ok_finish: list[float] = field(default_factory=list)  # sorted, relative to in_progress_at
    fail_finish: list[float] = field(default_factory=list)
    # Running totals of (input, cached, output) tokens over ok_finish, for the live usage.
    ok_usage: list[tuple[int, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index_outcomes()

    def index_outcomes(self) -> None:
        """Sort finish times by outcome, with running usage sums, for live counts in O(log n)."""
        table = self.table
        ok = sorted(i for i in range(len(table)) if table.outcome[i] == oc.OK)
        ok.sort(key=table.finish.__getitem__)
        self.ok_finish = [table.finish[i] for i in ok]
        self.fail_finish = sorted(
            table.finish[i] for i in range(len(table)) if table.outcome[i] != oc.OK
        )
        sums = itertools.accumulate(
            ((table.inp[i], self.cached(i), table.out[i]) for i in ok),
            lambda a, b: (a[0] + b[0], a[1] + b[1], a[2] + b[2]),
            initial=(0, 0, 0),
        )
        self.ok_usage = list(sums)

    def cached(self, index: int) -> int:
        return (
            self.table.cache_tokens[index] if self.table.cache_role[index] == oc.CACHE_READ else 0
        )

    # Timeline.  Requests run from in_progress_at; each finish time is relative to it.
    @property
    def in_progress_at(self) -> float:
        return self.created + self.validate_delay

    @property
    def expires_at(self) -> float:
        return self.created + WINDOW

    @property
    def run_end(self) -> float:
        return self.in_progress_at + self.longest

    @property
    def cancelled_at(self) -> float | None:
        if self.cancel_at is None:
            return None
        return min(self.cancel_at + self.cancel_delay, self.expires_at)

    def final(self) -> tuple[str, float]:
        """The terminal status and when it is reached."""
        if self.validation_errors:
            return "failed", self.in_progress_at
        completed_at = self.run_end + self.finalize_delay
        if self.cancel_at is not None:
            return "cancelled", self.cancelled_at  # type: ignore[return-value]
        if self.run_end > self.expires_at:
            return "expired", self.expires_at
        return "completed", completed_at

    @property
    def cutoff(self) -> float:
        """Requests whose finish time (relative to ``in_progress_at``) is later never ran.

        Kept relative, so that comparing with the stored finish times is exact.
        """
        status, _ = self.final()
        if status == "completed":
            return self.longest
        if status == "expired":
            return self.expires_at - self.in_progress_at
        if status == "cancelled":
            if self.cancel_at < self.in_progress_at:  # type: ignore[operator]
                return 0.0  # cancelled while validating: nothing ran
            return self.cancelled_at - self.in_progress_at  # type: ignore[operator]
        return 0.0

    @functools.cached_property
    def longest(self) -> float:
        # Cached: the finish times never change once planned, and this is read per request.
        return max(self.table.finish) if len(self.table) else 0.0

    def status(self, now: float) -> str:
        status, at = self.final()
        if now >= at:
            return status
        if self.cancel_at is not None:
            return "cancelling"
        if now < self.in_progress_at:
            return "validating"
        if now >= self.run_end:
            return "finalizing"
        return "in_progress"

    def ran(self, index: int) -> bool:
        return self.table.finish[index] <= self.cutoff

    def _done(self, now: float) -> float:
        """How far (relative to ``in_progress_at``) the requests have got by ``now``."""
        if now >= self.in_progress_at + self.cutoff:
            return self.cutoff
        return min(now - self.in_progress_at, self.cutoff)

    def counts(self, now: float) -> dict[str, int]:
        status = self.status(now)
        if status in ("validating", "failed"):
            return {"total": 0, "completed": 0, "failed": 0}
        done = self._done(now)
        completed = bisect.bisect_right(self.ok_finish, done)
        failed = bisect.bisect_right(self.fail_finish, done)
        if status in ("expired", "cancelled"):
            failed = len(self.table) - completed  # unrun requests become error lines
        return {"total": len(self.table), "completed": completed, "failed": failed}

    def usage(self, now: float) -> dict[str, Any] | None:
        if self.status(now) in ("validating", "failed"):
            return None
        done = self._done(now)
        inp, cached, out = self.ok_usage[bisect.bisect_right(self.ok_finish, done)]
        return {
            "input_tokens": inp,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": inp + out,
        }

    def output_lines(self, shuffle: bool) -> Iterator[bytes]:
        """Lines of the output file: one per request that ran and succeeded."""
        for index in self._order(shuffle):
            if self.ran(index) and self.table.outcome[index] == oc.OK:
                yield self._line(index, 200, self._body(index))

    def error_lines(self, shuffle: bool) -> Iterator[bytes]:
        """Lines of the error file: requests that failed, then those that never ran."""
        status, _ = self.final()
        never_ran = (
            (
                "batch_expired",
                "This request could not be executed before the completion window expired.",
            )
            if status == "expired"
            else (
                "batch_cancelled",
                "This request was not executed because the batch was cancelled.",
            )
        )
        for index in self._order(shuffle):
            if not self.ran(index):
                code, message = never_ran
                yield self._line(index, None, None, {"code": code, "message": message})
            elif self.table.outcome[index] == oc.INVALID:
                refused = self.table.errors[index]
                error = {
                    "message": refused.message,
                    "type": refused.kind,
                    "param": refused.param,
                    "code": refused.code,
                }
                yield self._line(index, refused.status, {"error": error})
            elif self.table.outcome[index] == oc.SERVER_ERROR:
                error = {
                    "message": "The server had an error while processing your request.",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
                yield self._line(index, 500, {"error": error})

    def _order(self, shuffle: bool) -> list[int]:
        indices = list(range(len(self.table)))
        if shuffle:
            random.Random(f"{self.seed}:{self.id}:order").shuffle(indices)
        return indices

    def _line(
        self, index: int, status: int | None, body: Any, error: dict[str, Any] | None = None
    ) -> bytes:
        d = oc.digest(self.seed, self.id, self.table.custom_ids[index])
        response = None
        if status is not None:
            response = {"status_code": status, "request_id": "req_" + d[16:32].hex(), "body": body}
        line = {
            "id": "batch_req_" + d[:12].hex(),
            "custom_id": self.table.custom_ids[index],
            "response": response,
            "error": error,
        }
        return orjson.dumps(line) + b"\n"

    def _body(self, index: int) -> dict[str, Any]:
        table = self.table
        d = oc.digest(self.seed, self.id, table.custom_ids[index])
        created = int(self.in_progress_at + table.finish[index])
        return oc.openai_body(
            self.endpoint,
            table.custom_ids[index],
            catalogue().snapshot("openai", table.models[index]),
            d,
            created,
            table.inp[index],
            self.cached(index),
            table.out[index],
            table.stop[index],
        )
