"""Provider JSON → the core's models, for both APIs.

Status vocabulary (see :class:`~tui.core.models.BatchStatus`):

=================================  ==============================================================
Anthropic                          batchtui
=================================  ==============================================================
``in_progress``                    IN_PROGRESS
``canceling``                      CANCELING
``ended`` + ``cancel_initiated_at``  CANCELED (even when in-flight work finished every request)
``ended`` with ``expired`` > 0     EXPIRED (the 24-hour window passed; as OpenAI's ``expired``,
                                   whatever did finish is still in the results)
``ended`` otherwise                ENDED
=================================  ==============================================================

OpenAI: ``validating``, ``in_progress``, ``finalizing`` map to themselves, ``cancelling`` →
CANCELING, ``completed`` → ENDED, ``cancelled`` → CANCELED, ``expired`` → EXPIRED, ``failed`` →
FAILED. OpenAI counts only ``completed`` (→ succeeded) and ``failed`` (→ errored, which after an
expiry or a cancel also holds the requests that never ran); the rest is ``processing`` while the
batch runs, and ``expired``/``canceled`` once it has. The sync engine refines them from the stored
results.

Results: OpenAI lines are judged by their content, not by the file they came from: a top-level
``error`` with code ``batch_expired`` → EXPIRED, ``batch_cancelled`` → CANCELED, any other →
ERRORED; a ``response`` with status 200 → SUCCEEDED, any other status → ERRORED with the body's
error type. ``finish_reason`` maps ``stop``→``end_turn``, ``length``→``max_tokens``,
``tool_calls``/``function_call``→``tool_use``, ``content_filter``→``refusal``. OpenAI usage:
input = prompt - cached, cache read = cached.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from tui.core.models import (
    Batch,
    BatchStatus,
    ProviderKind,
    RequestCounts,
    RequestResult,
    ResultType,
    Usage,
)

# --- shared ----------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 string or Unix seconds as an aware UTC datetime; ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- Anthropic batches -----------------------------------------------------------------------


def anthropic_batch(data: dict[str, Any], profile: str) -> Batch:
    """A ``MessageBatch`` object as a :class:`Batch`."""
    raw_counts = _dict(data.get("request_counts"))
    counts = RequestCounts(
        processing=_int(raw_counts.get("processing")),
        succeeded=_int(raw_counts.get("succeeded")),
        errored=_int(raw_counts.get("errored")),
        canceled=_int(raw_counts.get("canceled")),
        expired=_int(raw_counts.get("expired")),
    )
    provider_status = str(data.get("processing_status") or "in_progress")
    cancel_initiated_at = parse_time(data.get("cancel_initiated_at"))
    return Batch(
        id=data["id"],
        profile=profile,
        provider=ProviderKind.ANTHROPIC,
        status=_anthropic_status(provider_status, counts, cancel_initiated_at is not None),
        provider_status=provider_status,
        counts=counts,
        created_at=parse_time(data.get("created_at")) or datetime.now(UTC),
        expires_at=parse_time(data.get("expires_at")),
        ended_at=parse_time(data.get("ended_at")),
        cancel_initiated_at=cancel_initiated_at,
        archived_at=parse_time(data.get("archived_at")),
        raw=data,
    )


def _anthropic_status(word: str, counts: RequestCounts, cancel_requested: bool) -> BatchStatus:
    if word == "canceling":
        return BatchStatus.CANCELING
    if word != "ended":
        return BatchStatus.IN_PROGRESS
    if cancel_requested:
        return BatchStatus.CANCELED
    if counts.expired:
        return BatchStatus.EXPIRED
    return BatchStatus.ENDED


# --- OpenAI batches --------------------------------------------------------------------------

OPENAI_STATUSES = {
    "validating": BatchStatus.VALIDATING,
    "in_progress": BatchStatus.IN_PROGRESS,
    "finalizing": BatchStatus.FINALIZING,
    "cancelling": BatchStatus.CANCELING,
    "completed": BatchStatus.ENDED,
    "cancelled": BatchStatus.CANCELED,
    "expired": BatchStatus.EXPIRED,
    "failed": BatchStatus.FAILED,
}


def openai_batch(data: dict[str, Any], profile: str) -> Batch:
    """An OpenAI ``Batch`` object as a :class:`Batch`."""
    provider_status = str(data.get("status") or "validating")
    status = OPENAI_STATUSES.get(provider_status, BatchStatus.IN_PROGRESS)
    ended_at = next(
        (
            parse_time(data.get(name))
            for name in ("completed_at", "failed_at", "expired_at", "cancelled_at")
            if data.get(name) is not None
        ),
        None,
    )
    model = data.get("model")
    return Batch(
        id=data["id"],
        profile=profile,
        provider=ProviderKind.OPENAI,
        status=status,
        provider_status=provider_status,
        counts=_openai_counts(_dict(data.get("request_counts")), status),
        created_at=parse_time(data.get("created_at")) or datetime.now(UTC),
        expires_at=parse_time(data.get("expires_at")),
        ended_at=ended_at,
        cancel_initiated_at=parse_time(data.get("cancelling_at")),
        endpoint=data.get("endpoint"),
        models=(model,) if isinstance(model, str) and model else (),
        input_file_id=data.get("input_file_id"),
        output_file_id=data.get("output_file_id"),
        error_file_id=data.get("error_file_id"),
        raw=data,
    )


def _openai_counts(raw: dict[str, Any], status: BatchStatus) -> RequestCounts:
    total, completed, failed = (_int(raw.get(k)) for k in ("total", "completed", "failed"))
    rest = max(0, total - completed - failed)
    # OpenAI counts the requests a cancel or the expiry left unrun as "failed" (each gets an
    # error-file line). Until the results say which failures were real errors, they count as
    # canceled (expired): a canceled batch must not read as thousands of errors. The sync
    # replaces these counts by the downloaded results' own.
    if status == BatchStatus.EXPIRED:
        return RequestCounts(succeeded=completed, expired=failed + rest)
    if status == BatchStatus.CANCELED:
        return RequestCounts(succeeded=completed, canceled=failed + rest)
    if status in (BatchStatus.ENDED, BatchStatus.FAILED):
        return RequestCounts(succeeded=completed, errored=failed, canceled=rest)
    return RequestCounts(processing=rest, succeeded=completed, errored=failed)


# --- Anthropic results -----------------------------------------------------------------------


def anthropic_result(line: bytes, batch_id: str) -> RequestResult:
    """One line of an Anthropic results file.

    On the ingest's hot path (100,000 calls per large batch): one constructor call per object,
    dict lookups instead of enum calls, type() tests instead of isinstance chains.
    """
    data = orjson.loads(line)
    result = data.get("result")
    if type(result) is not dict:
        result = {}
    kind = result.get("type")
    kind = _RESULT_TYPES.get(kind, ResultType.ERRORED) if type(kind) is str else ResultType.ERRORED
    custom_id = str(data.get("custom_id"))
    if kind is ResultType.SUCCEEDED:
        message = result.get("message")
        if type(message) is not dict:
            message = {}
        usage = message.get("usage")
        return RequestResult(
            batch_id,
            custom_id,
            kind,
            message.get("model"),
            message.get("stop_reason"),
            None,
            None,
            _anthropic_text(message.get("content")),
            anthropic_usage(usage if type(usage) is dict else {}),
            line,
        )
    if kind is ResultType.ERRORED:
        error = _dict(_dict(result.get("error")).get("error"))
        return RequestResult(
            batch_id,
            custom_id,
            kind,
            error_type=error.get("type"),
            error_message=error.get("message"),
            raw=line,
        )
    return RequestResult(batch_id, custom_id, kind, raw=line)


# A type from the future (or not a string) is ERRORED: the line is kept (raw) but counted as a
# failure, not a success.
_RESULT_TYPES = {kind.value: kind for kind in ResultType}


def _anthropic_text(content: Any) -> str | None:
    if type(content) is not list:
        return None
    if len(content) == 1:  # the usual answer: one text block
        block = content[0]
        if type(block) is dict and block.get("type") == "text":
            text = block.get("text")
            return text if type(text) is str else None
        return None
    texts = [
        block["text"]
        for block in content
        if type(block) is dict and block.get("type") == "text" and type(block.get("text")) is str
    ]
    return "".join(texts) if texts else None


def anthropic_usage(usage: dict[str, Any]) -> Usage:
    """Anthropic usage, with the cache writes split by TTL (all 5m when no split is given)."""
    get = usage.get
    creation = get("cache_creation")
    if type(creation) is dict:
        write_5m = creation.get("ephemeral_5m_input_tokens")
        write_1h = creation.get("ephemeral_1h_input_tokens")
    else:
        write_5m, write_1h = get("cache_creation_input_tokens"), 0
    input_tokens, cache_read, output = (
        get("input_tokens"),
        get("cache_read_input_tokens"),
        get("output_tokens"),
    )
    return Usage(
        input_tokens if type(input_tokens) is int else 0,
        write_5m if type(write_5m) is int else 0,
        write_1h if type(write_1h) is int else 0,
        cache_read if type(cache_read) is int else 0,
        output if type(output) is int else 0,
    )


# --- OpenAI results --------------------------------------------------------------------------

FINISH_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}

_NEVER_RAN = {"batch_expired": ResultType.EXPIRED, "batch_cancelled": ResultType.CANCELED}


def openai_result(line: bytes, batch_id: str) -> RequestResult:
    """One line of an OpenAI output or error file."""
    data = orjson.loads(line)
    out = RequestResult(
        batch_id=batch_id, custom_id=str(data.get("custom_id")), type=ResultType.ERRORED, raw=line
    )
    error = data.get("error")
    response = _dict(data.get("response"))
    if isinstance(error, dict):
        code = error.get("code")
        out.type = ResultType.ERRORED if code is None else _NEVER_RAN.get(code, ResultType.ERRORED)
        out.error_type = code
        out.error_message = error.get("message")
        return out
    body = _dict(response.get("body"))
    if response.get("status_code") != 200:
        body_error = _dict(body.get("error"))
        out.error_type = body_error.get("type") or body_error.get("code") or "http_error"
        out.error_message = body_error.get("message") or f"HTTP {response.get('status_code')}"
        return out
    out.type = ResultType.SUCCEEDED
    out.model = body.get("model")
    out.usage = openai_usage(_dict(body.get("usage")))
    if body.get("object") == "response":
        out.text, out.stop_reason = _responses_text(body)
    else:
        out.text, out.stop_reason = _chat_text(body)
    return out


def openai_usage(usage: dict[str, Any]) -> Usage:
    """Chat Completions or Responses usage; cached tokens are moved out of the input."""
    if "prompt_tokens" in usage:
        prompt = _int(usage.get("prompt_tokens"))
        cached = _int(_dict(usage.get("prompt_tokens_details")).get("cached_tokens"))
        output = _int(usage.get("completion_tokens"))
    else:
        prompt = _int(usage.get("input_tokens"))
        cached = _int(_dict(usage.get("input_tokens_details")).get("cached_tokens"))
        output = _int(usage.get("output_tokens"))
    return Usage(
        input_tokens=max(0, prompt - cached), cache_read_tokens=cached, output_tokens=output
    )


def _chat_text(body: dict[str, Any]) -> tuple[str | None, str | None]:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        return None, None
    first = _dict(choices[0])
    message = _dict(first.get("message"))
    text = message.get("content") if isinstance(message.get("content"), str) else None
    if text is None and isinstance(first.get("text"), str):  # /v1/completions
        text = first["text"]
    reason = first.get("finish_reason")
    return text, None if reason is None else FINISH_REASONS.get(reason, reason)


def _responses_text(body: dict[str, Any]) -> tuple[str | None, str | None]:
    texts = [
        part["text"]
        for item in body.get("output") or []
        if isinstance(item, dict)
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    ]
    stop = "max_tokens" if body.get("status") == "incomplete" else "end_turn"
    return ("".join(texts) if texts else None), stop
