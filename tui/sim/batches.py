"""Batches and their requests, each computed lazily from the clock (OpenAI's batches and files
are in :mod:`tui.sim.openai_batches`).

Nothing runs in the background. Each batch is planned once when it is created (how long each
request takes and how it ends) and its status, counts and results are derived from the current
simulated time whenever someone asks. Requests are stored column-wise in a
:class:`RequestTable` (raw param bytes and small numbers), which keeps a 100,000-request batch
to a few tens of megabytes.
"""

from __future__ import annotations

import functools
import random
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from tui.sim import outcomes as oc
from tui.sim.catalogue import catalogue
from tui.sim.check_anthropic import check_params
from tui.sim.check_openai import check_body
from tui.sim.checks import RequestError

DAY = 86400.0
WINDOW = DAY
"""Both APIs give a batch 24 hours."""
ARCHIVE_AFTER = 29 * DAY
"""Anthropic results are downloadable for 29 days after ``created_at``."""
FILE_EXPIRY = 30 * DAY
"""Batch input files expire 30 days after upload, output files 30 days after they are written;
files of other purposes live until deleted (OpenAI Files API, ``expires_after``)."""

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 62)
        chars.append(_ALPHABET[rest])
    return "".join(chars)


Plan = tuple[int, int, int, int, int, int, RequestError | None]
"""One request's planned outcome: outcome, stop reason, cache role, input tokens, output
tokens, cached tokens, and the invalid_request_error message (codes from :mod:`outcomes`)."""


class RequestTable:
    """The requests of one batch, column-wise: ids, raw params and their planned outcome."""

    def __init__(self) -> None:
        self.custom_ids: list[str] = []
        self.params: list[bytes] = []
        self.models: list[str] = []
        self.finish = array("d")  # seconds after the batch starts running
        self.outcome = bytearray()
        self.stop = bytearray()
        self.cache_role = bytearray()
        self.inp = array("l")
        self.out = array("l")
        self.cache_tokens = array("l")
        self.errors: dict[int, RequestError] = {}  # index -> why the API refused it

    def __len__(self) -> int:
        return len(self.custom_ids)

    def append(self, custom_id: str, params: bytes, model: str, plan: Plan) -> None:
        outcome, stop, cache_role, inp, out, cache_tokens, error = plan
        if error is not None:
            self.errors[len(self.custom_ids)] = error
        self.custom_ids.append(custom_id)
        self.params.append(params)
        self.models.append(model)
        self.outcome.append(outcome)
        self.stop.append(stop)
        self.cache_role.append(cache_role)
        self.inp.append(inp)
        self.out.append(out)
        self.cache_tokens.append(cache_tokens)

    def plan_finish_times(self, rng: random.Random, duration: float) -> None:
        """Spread the requests over ``duration`` seconds; the slowest one ends exactly then."""
        times = array("d", (duration * (0.02 + 0.98 * rng.random()) for _ in self.custom_ids))
        if times:
            times[max(range(len(times)), key=times.__getitem__)] = duration
        self.finish = times

    def to_json(self) -> dict[str, Any]:
        return {
            "custom_ids": self.custom_ids,
            "params": [p.decode() for p in self.params],
            "models": self.models,
            "finish": list(self.finish),
            "outcome": list(self.outcome),
            "stop": list(self.stop),
            "cache_role": list(self.cache_role),
            "inp": list(self.inp),
            "out": list(self.out),
            "cache_tokens": list(self.cache_tokens),
            "errors": {str(k): v.to_json() for k, v in self.errors.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RequestTable:
        table = cls()
        table.custom_ids = list(data["custom_ids"])
        table.params = [p.encode() for p in data["params"]]
        table.models = [sys.intern(m) for m in data["models"]]
        table.finish = array("d", data["finish"])
        for name in ("outcome", "stop", "cache_role"):
            setattr(table, name, bytearray(data[name]))
        for name in ("inp", "out", "cache_tokens"):
            setattr(table, name, array("l", data[name]))
        table.errors = {int(k): RequestError.from_json(v) for k, v in data["errors"].items()}
        return table


@dataclass(kw_only=True)
class Planner:
    """Plans requests for one batch: outcome, tokens and the prompt-cache role of each."""

    seed: int
    batch_id: str
    error_rate: float
    seen_prefixes: set[str] = field(default_factory=set)

    def anthropic(self, custom_id: str, params: Any) -> Plan:
        d = oc.digest(self.seed, self.batch_id, custom_id)
        error = check_params(params)
        if error is not None:
            size = len(orjson.dumps(params)) if params is not None else 0
            return oc.INVALID, 0, oc.CACHE_NONE, oc.tokens_for(size), 0, 0, error
        total, key, prefix_tokens, ttl_1h = oc.anthropic_input(params)
        model = catalogue().find("anthropic", params["model"])
        if model is not None and prefix_tokens < model.min_cache:
            key = None  # below the model's minimum the API silently caches nothing
        return self._finish_plan(d, total, key, prefix_tokens, ttl_1h, params["max_tokens"])

    def openai(self, custom_id: str, body: dict[str, Any], endpoint: str) -> Plan:
        d = oc.digest(self.seed, self.batch_id, custom_id)
        error = check_body(endpoint, body)
        if error is not None:
            total = oc.tokens_for(len(orjson.dumps(body)))
            return oc.INVALID, 0, oc.CACHE_NONE, total, 0, 0, error
        cap = next(
            (
                body[n]
                for n in ("max_completion_tokens", "max_tokens", "max_output_tokens")
                if n in body
            ),
            4096,
        )
        total, key, prefix_tokens = oc.openai_prompt(body)
        return self._finish_plan(d, total, key, prefix_tokens, False, cap)

    def _finish_plan(
        self, d: bytes, total: int, key: str | None, prefix: int, ttl_1h: bool, max_tokens: int
    ) -> Plan:
        if oc.unit(d, 0) < self.error_rate:
            return oc.SERVER_ERROR, 0, oc.CACHE_NONE, total, 0, 0, None
        want = oc.wanted_output_tokens(d)
        stop = oc.MAX_TOKENS if want > max_tokens else oc.END_TURN
        role = oc.CACHE_NONE
        if key is not None:
            role = (
                oc.CACHE_READ
                if key in self.seen_prefixes
                else (oc.CACHE_WRITE_1H if ttl_1h else oc.CACHE_WRITE_5M)
            )
            self.seen_prefixes.add(key)
        return oc.OK, stop, role, total, min(want, max_tokens), prefix if key else 0, None


def plan_duration(seed: int, batch_id: str, expire_rate: float) -> tuple[float, random.Random]:
    """How long a batch runs: mostly under an hour, a few hours now and then, and an
    ``expire_rate`` share past the 24-hour window. Also returns the batch's own RNG."""
    d = oc.digest(seed, batch_id, "duration")
    rng = random.Random(int.from_bytes(d[:8], "big"))
    if oc.unit(d, 2) < expire_rate:
        return WINDOW * (1.05 + 0.3 * oc.unit(d, 3)), rng
    if oc.unit(d, 4) < 0.85:
        return 120.0 + 3300.0 * oc.unit(d, 5), rng
    return 3600.0 * (1.0 + 7.0 * oc.unit(d, 5)), rng


# --- Anthropic -------------------------------------------------------------------------------


@dataclass(kw_only=True)
class AnthropicBatch:
    id: str
    created: float
    table: RequestTable
    seed: int
    cancel_at: float | None = None
    cancel_delay: float = 30.0
    _final_counts: dict[str, int] | None = field(default=None, repr=False)

    @property
    def expires(self) -> float:
        return self.created + WINDOW

    @functools.cached_property
    def natural_end(self) -> float:
        # Cached: the finish times never change once planned, and this is read per request.
        longest = max(self.table.finish) if len(self.table) else 0.0
        return self.created + min(longest, WINDOW)

    @property
    def end(self) -> float:
        end = self.natural_end
        if self.cancel_at is not None:
            end = min(end, self.cancel_at + self.cancel_delay)
        return end

    def status(self, now: float) -> str:
        if now >= self.end:
            return "ended"
        if self.cancel_at is not None:
            return "canceling"
        return "in_progress"

    def result_type(self, index: int) -> str:
        """The final result type of request ``index`` (only meaningful once ended)."""
        if self.created + self.table.finish[index] <= self.end:
            return "errored" if self.table.outcome[index] != oc.OK else "succeeded"
        canceled = self.cancel_at is not None and self.end < self.expires
        return "canceled" if canceled else "expired"

    def counts(self, now: float) -> dict[str, int]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if now < self.end:
            counts["processing"] = len(self.table)
            return counts
        if self._final_counts is None:  # an ended batch never changes again: count once
            for index in range(len(self.table)):
                counts[self.result_type(index)] += 1
            self._final_counts = counts
        return dict(self._final_counts)

    def order(self, shuffle: bool) -> Iterable[int]:
        indices = list(range(len(self.table)))
        if shuffle:
            random.Random(f"{self.seed}:{self.id}:order").shuffle(indices)
        return indices

    def result_lines(self, shuffle: bool) -> Iterator[bytes]:
        """One JSONL line per request, rendered only as it is needed."""
        table, seed = self.table, self.seed
        for index in self.order(shuffle):
            custom_id = table.custom_ids[index]
            kind = self.result_type(index)
            if kind == "succeeded":
                d = oc.digest(seed, self.id, custom_id)
                usage = oc.anthropic_usage(
                    table.inp[index],
                    table.out[index],
                    table.cache_role[index],
                    table.cache_tokens[index],
                )
                model = catalogue().snapshot("anthropic", table.models[index])
                message = oc.anthropic_message(custom_id, model, d, usage, table.stop[index])
                result = {"type": "succeeded", "message": message}
            elif kind == "errored":
                result = {"type": "errored", "error": self._error(index)}
            else:
                result = {"type": kind}
            yield orjson.dumps({"custom_id": custom_id, "result": result}) + b"\n"

    def _error(self, index: int) -> dict[str, Any]:
        refused = self.table.errors.get(index)
        if refused is not None:
            return oc.anthropic_error(refused.kind, refused.message)
        d = oc.digest(self.seed, self.id, self.table.custom_ids[index])
        if oc.unit(d, 6) < 0.5:
            return oc.anthropic_error("overloaded_error", "Overloaded")
        return oc.anthropic_error("api_error", "Internal server error")
