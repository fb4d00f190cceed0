"""Retrying failed requests: pick them, plan a new batch from their stored params, submit it.

The TUI's ``R`` key and ``batchtui retry`` both go through here::

    plan = await plan_retry(session.store, batch_id, types={ResultType.ERRORED})
    batch = await submit_retry(session, plan)

Requests are chosen by outcome (errored, expired, canceled), error type, error group key, or an
explicit list of custom_ids (the TUI's marked rows). Failures that would fail again unchanged are
left out unless asked for (:data:`FAILS_AGAIN_UNCHANGED`: ``invalid_request_error``, and
``not_found_error``, an unknown or retired model). Each request goes out with
the params it was first sent with (stored at submit time, or by ``batchtui attach``); requests
without stored params are listed in the plan, not guessed.

``plan_truncated`` picks the other kind of retry: requests that succeeded but stopped at
``max_tokens``, resent with a higher ``max_tokens`` the user chooses.

The new batch records its parent, so :func:`~tui.core.lineage.latest_outcomes` can follow the
lineage and say which custom_ids are still without a success.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from tui.core.errors import BatchtuiError
from tui.core.models import Batch, ResultType
from tui.core.store import ResultFilter, Store
from tui.core.store.codec import error_key
from tui.core.submit.chunking import LIMITS, chunk_stream, plan_chunks
from tui.core.submit.submitter import (
    ProgressFn,
    SessionLike,
    SubmitJob,
    provider_for,
    submit_chunks,
)
from tui.core.submit.validate import RequestLine

FAILED_TYPES = frozenset({ResultType.ERRORED, ResultType.EXPIRED, ResultType.CANCELED})
"""Outcomes worth retrying (a succeeded request is never resent)."""

INVALID_REQUEST = "invalid_request_error"
NOT_FOUND = "not_found_error"

FAILS_AGAIN_UNCHANGED = {
    INVALID_REQUEST: "the request itself is wrong",
    NOT_FOUND: "unknown or retired model",
}
"""Error types left out of a retry by default, with why resending them cannot help. (OpenAI
answers an unknown model with ``invalid_request_error``, code ``model_not_found``.)"""

TRUNCATED_STOP = "max_tokens"
"""The normalised stop reason of an answer cut off by its ``max_tokens`` (OpenAI ``length``)."""


@dataclass
class RetryPlan:
    """Which requests of a batch a retry would resend, and which it cannot or will not."""

    batch: Batch
    custom_ids: list[str] = field(default_factory=list)
    """Requests to resend, each with stored params, in custom_id order."""
    missing_params: list[str] = field(default_factory=list)
    """Selected requests whose params are unknown (attach the original file to fix)."""
    excluded_invalid: list[str] = field(default_factory=list)
    """Failures that would fail again unchanged, left out (``include_invalid`` resends them)."""
    excluded_by_error: dict[str, int] = field(default_factory=dict)
    """How many of :attr:`excluded_invalid` had each error type."""
    not_failed: list[str] = field(default_factory=list)
    """Explicitly named custom_ids that succeeded or have no result: never resent."""
    by_type: dict[ResultType, int] = field(default_factory=dict)
    max_tokens: int | None = None
    """Set for a retry of truncated answers: every request is resent with this max_tokens."""

    @property
    def count(self) -> int:
        return len(self.custom_ids)

    @property
    def truncated(self) -> bool:
        return self.max_tokens is not None

    def nothing_reason(self) -> str | None:
        """Why this plan sends nothing (None when it sends something): shown, never guessed."""
        if self.count:
            return None
        if self.missing_params:
            return (
                f"the {len(self.missing_params):,} selected request(s) have no stored params: "
                f"link the original file with `batchtui attach {self.batch.id} FILE`"
            )
        if self.excluded_invalid:
            return "only invalid_request_error failures are selected; they would fail again"
        if self.truncated:
            return "no succeeded request of this batch stopped at max_tokens"
        if self.not_failed:
            return "none of the chosen requests failed"
        return "no errored, expired or canceled request is selected"

    def identity(self) -> str:
        """sha256 of the parent and the chosen custom_ids: the same retry twice is refused."""
        head = f"retry:{self.batch.id}\n"
        if self.max_tokens is not None:  # a retry with a new max_tokens is a different request
            head += f"max_tokens:{self.max_tokens}\n"
        digest = hashlib.sha256(head.encode())
        for custom_id in self.custom_ids:
            digest.update(custom_id.encode() + b"\n")
        return digest.hexdigest()

    def lines(self, resend_invalid: str = "--include-invalid resends them") -> list[str]:
        """A short human summary (CLI and the TUI's confirm dialog); ``resend_invalid`` says
        how to include the left-out invalid requests in the front end showing it."""
        kinds = ", ".join(f"{n:,} {t.value}" for t, n in self.by_type.items() if n) or "none"
        lines = [f"retry {self.count:,} request(s) of {self.batch.id} ({kinds})"]
        if self.max_tokens is not None:
            lines[0] = (
                f"retry {self.count:,} truncated request(s) of {self.batch.id} "
                f"(stopped at max_tokens) with max_tokens {self.max_tokens:,}"
            )
        if self.excluded_invalid:
            kinds = " and ".join(
                f"{n:,} {kind} ({FAILS_AGAIN_UNCHANGED[kind]})"
                for kind, n in self.excluded_by_error.items()
            )
            lines.append(f"left out {kinds}: they would fail again unchanged ({resend_invalid})")
        if self.missing_params:
            lines.append(
                f"{len(self.missing_params):,} request(s) have no stored params and cannot be "
                f"retried; link the original file with `batchtui attach {self.batch.id} FILE`"
            )
        if self.not_failed:
            lines.append(f"{len(self.not_failed):,} named request(s) did not fail: skipped")
        return lines


async def plan_retry(
    store: Store,
    batch_id: str,
    *,
    types: Iterable[ResultType] | None = None,
    error_types: Iterable[str] | None = None,
    error_keys: Iterable[str] | None = None,
    custom_ids: Iterable[str] | None = None,
    include_invalid: bool = False,
    view: ResultFilter | None = None,
) -> RetryPlan:
    """Choose the failed requests of ``batch_id`` to resend. Empty selectors do not filter;
    ``types`` defaults to every failed outcome. ``view`` narrows to the results a screen shows
    (its outcome tab, stop reason, error type, group and search), failures only."""
    batch = await store.batches.find(batch_id)
    wanted_types = frozenset(types or FAILED_TYPES) & FAILED_TYPES
    if view is not None and view.types:
        wanted_types &= view.types
    wanted_errors = set(error_types or ())
    wanted_keys = set(error_keys or ())
    named = set(custom_ids) if custom_ids is not None else None
    plan = RetryPlan(batch=batch, by_type=dict.fromkeys(sorted(wanted_types), 0))
    chosen: list[str] = []
    seen_named: set[str] = set()
    flt = replace(view or ResultFilter(), types=wanted_types)
    if not wanted_types:  # the view shows no failed outcome: nothing is chosen
        return plan
    async for result in store.results.iterate(batch.id, flt):
        if named is not None:
            if result.custom_id not in named:
                continue
            seen_named.add(result.custom_id)
        if wanted_errors and result.error_type not in wanted_errors:
            continue
        if wanted_keys and error_key(result) not in wanted_keys:
            continue
        kind = result.error_type or ""
        if kind in FAILS_AGAIN_UNCHANGED and not include_invalid and not wanted_errors:
            plan.excluded_invalid.append(result.custom_id)
            plan.excluded_by_error[kind] = plan.excluded_by_error.get(kind, 0) + 1
            continue
        chosen.append(result.custom_id)
        plan.by_type[result.type] += 1
    if named is not None:
        plan.not_failed = sorted(named - seen_named)
    known = await store.requests.get(batch.id, chosen)
    plan.custom_ids = [c for c in chosen if c in known]
    plan.missing_params = [c for c in chosen if c not in known]
    return plan


async def plan_truncated(
    store: Store,
    batch_id: str,
    max_tokens: int,
    *,
    custom_ids: Iterable[str] | None = None,
) -> RetryPlan:
    """The succeeded requests of ``batch_id`` that stopped at max_tokens (or the named ones
    among them), to resend with ``max_tokens``."""
    if max_tokens < 1:
        raise BatchtuiError(f"max_tokens must be at least 1, not {max_tokens}")
    batch = await store.batches.find(batch_id)
    named = set(custom_ids) if custom_ids is not None else None
    plan = RetryPlan(batch=batch, by_type={ResultType.SUCCEEDED: 0}, max_tokens=max_tokens)
    chosen: list[str] = []
    flt = ResultFilter(types=frozenset({ResultType.SUCCEEDED}), stop_reason=TRUNCATED_STOP)
    async for result in store.results.iterate(batch.id, flt):
        if named is None or result.custom_id in named:
            chosen.append(result.custom_id)
    plan.by_type[ResultType.SUCCEEDED] = len(chosen)
    if named is not None:
        plan.not_failed = sorted(named - set(chosen))
    known = await store.requests.get(batch.id, chosen)
    plan.custom_ids = [c for c in chosen if c in known]
    plan.missing_params = [c for c in chosen if c not in known]
    return plan


async def count_truncated(store: Store, batch_id: str) -> int:
    """Succeeded results of ``batch_id`` that stopped at max_tokens (cached ones)."""
    flt = ResultFilter(types=frozenset({ResultType.SUCCEEDED}), stop_reason=TRUNCATED_STOP)
    return await store.results.count(batch_id, flt)


async def suggested_max_tokens(store: Store, plan: RetryPlan, sample: int = 200) -> int:
    """A starting point for a truncated retry: twice the largest max_tokens they were sent
    with (of the first ``sample``), 1,024 when none is known. The user chooses the real one."""
    params = await store.requests.get(plan.batch.id, plan.custom_ids[:sample])
    largest = 0
    for body in params.values():
        parsed = orjson.loads(body)
        value = parsed.get("max_completion_tokens") or parsed.get("max_tokens")
        if isinstance(value, int):
            largest = max(largest, value)
    return largest * 2 if largest else 1024


async def replan_with_stored(store: Store, plan: RetryPlan) -> RetryPlan:
    """The same selection, once more params are stored (after the input file was fetched)."""
    selected = sorted({*plan.custom_ids, *plan.missing_params})
    known = await store.requests.get(plan.batch.id, selected)
    return replace(
        plan,
        custom_ids=[c for c in selected if c in known],
        missing_params=[c for c in selected if c not in known],
    )


async def submit_retry(
    session: SessionLike,
    plan: RetryPlan,
    *,
    label: str | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> Batch:
    """Create the retry batch (through the submit ledger) with the parent recorded."""
    if not plan.custom_ids:
        raise BatchtuiError(f"nothing to retry in {plan.batch.id}")
    store, provider = session.store, provider_for(session, plan.batch.profile)
    kind = plan.batch.provider
    requests = await _stored_requests(store, plan)
    limits = LIMITS[kind]
    job = SubmitJob(
        profile=plan.batch.profile,
        kind=kind,
        identity=plan.identity(),
        chunks=plan_chunks(requests, limits),
        source=plan.batch.source,
        label=label or _retry_label(plan.batch),
        parent_id=plan.batch.id,
        endpoint=plan.batch.endpoint,
    )
    if len(job.chunks) != 1:
        # Same provider, same requests: they fitted one batch before, so they fit one now.
        raise BatchtuiError(f"the retry of {plan.batch.id} does not fit one batch")
    batches = await submit_chunks(
        store, provider, job, chunk_stream(requests, limits), force=force, progress=progress
    )
    return batches[0]


async def _stored_requests(store: Store, plan: RetryPlan) -> list[RequestLine]:
    params = await store.requests.get(plan.batch.id, plan.custom_ids)
    return [
        _request_line(custom_id, params[custom_id], plan.batch.endpoint, plan.max_tokens)
        for custom_id in plan.custom_ids
    ]


def _request_line(
    custom_id: str, body: bytes, endpoint: str | None, new_max_tokens: int | None = None
) -> RequestLine:
    parsed: dict[str, Any] = orjson.loads(body)
    if new_max_tokens is not None:
        # OpenAI bodies name it max_completion_tokens or max_tokens; keep the one they used.
        name = "max_completion_tokens" if "max_completion_tokens" in parsed else "max_tokens"
        parsed[name] = new_max_tokens
        body = orjson.dumps(parsed)
    max_tokens = parsed.get("max_tokens") or parsed.get("max_completion_tokens")
    return RequestLine(0, custom_id, body, str(parsed.get("model", "")), max_tokens, endpoint)


def _retry_label(batch: Batch) -> str:
    base = batch.label or batch.id[-8:]
    return base if base.endswith("-retry") else f"{base}-retry"
