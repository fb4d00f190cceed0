"""The core's own vocabulary: batches, requests and results, the same for both providers.

The two APIs describe the same things differently (Anthropic keeps every request in
``processing`` until the batch ends; OpenAI moves counts live and has eight statuses). The
providers translate into these models so that the store, the sync engine, the cost code and
every pane speak one language. All timestamps are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PROCESSING_WINDOW = timedelta(hours=24)
"""Both APIs give a batch 24 hours to finish before unfinished requests expire."""

RESULTS_RETENTION = timedelta(days=29)
"""Anthropic keeps results for 29 days after ``created_at``; we keep ours for ever."""


class ProviderKind(enum.StrEnum):
    """Which batch API a profile talks to."""

    ANTHROPIC = "anthropic"
    OPENAI = "openai"


class BatchStatus(enum.StrEnum):
    """One status vocabulary for both providers.

    Anthropic ``in_progress``/``canceling``/``ended`` and OpenAI's eight statuses map onto it;
    the provider's own word is kept in :attr:`Batch.provider_status`.
    """

    VALIDATING = "validating"
    IN_PROGRESS = "in_progress"
    FINALIZING = "finalizing"
    CANCELING = "canceling"
    ENDED = "ended"
    """Every request finished (Anthropic ``ended``, OpenAI ``completed``)."""
    CANCELED = "canceled"
    EXPIRED = "expired"
    FAILED = "failed"
    """The provider refused the input file (OpenAI only)."""

    @property
    def is_terminal(self) -> bool:
        """True once the batch can no longer change at the provider."""
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset(
    {BatchStatus.ENDED, BatchStatus.CANCELED, BatchStatus.EXPIRED, BatchStatus.FAILED}
)


class ResultType(enum.StrEnum):
    """The outcome of one request, as Anthropic names them; OpenAI lines are mapped onto them."""

    SUCCEEDED = "succeeded"
    ERRORED = "errored"
    CANCELED = "canceled"
    EXPIRED = "expired"


class ResultsState(enum.StrEnum):
    """How far the local copy of a batch's results has got."""

    NONE = "none"
    """The batch has not ended, or nobody has tried to download its results yet."""
    PARTIAL = "partial"
    """A download started and has not finished (it resumes on the next sync)."""
    COMPLETE = "complete"
    UNAVAILABLE = "unavailable"
    """The provider no longer serves them (archived) or there are none (OpenAI ``failed``)."""


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """How many requests of a batch are in each state."""

    processing: int = 0
    succeeded: int = 0
    errored: int = 0
    canceled: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        return self.processing + self.succeeded + self.errored + self.canceled + self.expired

    @property
    def finished(self) -> int:
        return self.total - self.processing

    @property
    def failed(self) -> int:
        """Requests that produced no billable answer."""
        return self.errored + self.canceled + self.expired


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage of one request, split by how each token class is billed.

    ``input_tokens`` excludes cache writes and reads (Anthropic's convention; the OpenAI
    provider subtracts ``cached_tokens`` from ``prompt_tokens`` to match).
    """

    input_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0

    @property
    def prompt_tokens(self) -> int:
        """Every input token of the request, cached or not (what long-prompt tiers compare)."""
        return (
            self.input_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
            + self.cache_read_tokens
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cache_write_5m_tokens + other.cache_write_5m_tokens,
            self.cache_write_1h_tokens + other.cache_write_1h_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.output_tokens + other.output_tokens,
        )


@dataclass(slots=True)
class Batch:
    """One batch at one provider, normalised; what the store keeps and every pane shows."""

    id: str
    profile: str
    provider: ProviderKind
    status: BatchStatus
    provider_status: str
    """The provider's own status word (``in_progress``, ``finalizing``, ``cancelling``...)."""
    counts: RequestCounts
    created_at: datetime
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    cancel_initiated_at: datetime | None = None
    archived_at: datetime | None = None
    endpoint: str | None = None
    """OpenAI's endpoint (``/v1/chat/completions``); ``None`` for Anthropic."""
    models: tuple[str, ...] = ()
    """Models seen in the batch (from results, stored params, or OpenAI's ``model``)."""
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    label: str | None = None
    notes: str | None = None
    source: str | None = None
    """Where the requests came from: a file path when batchtui submitted it."""
    parent_id: str | None = None
    """The batch this one retries, for lineage."""
    results_state: ResultsState = ResultsState.NONE
    acknowledged_at: datetime | None = None
    """When it stopped needing attention: acknowledged by the user, or its retries left no
    failure (``acknowledged_by`` says which). Local."""
    acknowledged_by: str | None = None
    """``you`` or ``retries``."""
    deleted_remotely: bool = False
    """The provider no longer has it (deleted with ``d``, or gone from its list). Local."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The provider's JSON for the batch, as last seen."""

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def results_available_until(self) -> datetime:
        """When the provider stops serving results (29 days after creation)."""
        return self.created_at + RESULTS_RETENTION

    def processing_deadline(self) -> datetime:
        """When unfinished requests expire."""
        return self.expires_at or (self.created_at + PROCESSING_WINDOW)

    @property
    def failure_reasons(self) -> list[str]:
        """Why the provider failed the whole batch: OpenAI's ``errors.data`` (a file that did
        not validate: ``model_mismatch``, ``duplicate_custom_id``...), one entry each, as the
        provider wrote them (untrusted text: sanitise before showing)."""
        errors = self.raw.get("errors") if isinstance(self.raw, dict) else None
        data = errors.get("data") if isinstance(errors, dict) else None
        if not isinstance(data, list):
            return []
        reasons = []
        for item in data:
            if not isinstance(item, dict):
                continue
            code, message, line = item.get("code"), item.get("message"), item.get("line")
            reason = ": ".join(str(part) for part in (code, message) if part)
            if isinstance(line, int):
                reason += f" (line {line})"
            if reason:
                reasons.append(reason)
        return reasons


@dataclass(slots=True)
class RequestResult:
    """The outcome of one request of a batch, normalised."""

    batch_id: str
    custom_id: str
    type: ResultType
    model: str | None = None
    stop_reason: str | None = None
    """``end_turn``, ``max_tokens``...; OpenAI's ``finish_reason`` is mapped (stop→end_turn,
    length→max_tokens)."""
    error_type: str | None = None
    """``invalid_request_error``, ``api_error``, ``batch_expired``..."""
    error_message: str | None = None
    text: str | None = None
    """The answer's text (concatenated text blocks); untrusted model output."""
    usage: Usage = field(default_factory=Usage)
    raw: bytes = b""
    """The provider's JSON line for this result, verbatim."""


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (one place to read the clock)."""
    return datetime.now(UTC)
