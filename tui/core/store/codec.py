"""Converters between database rows and the core's models (the only place that knows both)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

import orjson

from tui.core.models import (
    Batch,
    BatchStatus,
    ProviderKind,
    RequestCounts,
    RequestResult,
    ResultsState,
    ResultType,
    Usage,
)


def to_epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def from_epoch(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


BATCH_PROVIDER_COLUMNS = (
    "id", "profile", "provider", "status", "provider_status",
    "processing", "succeeded", "errored", "canceled", "expired",
    "created_at", "expires_at", "ended_at", "cancel_initiated_at", "archived_at",
    "endpoint", "models", "input_file_id", "output_file_id", "error_file_id", "raw",
)  # fmt: skip
"""Columns a sync may overwrite; label, notes, source, lineage and results state are local."""

BATCH_LOCAL_COLUMNS = (
    "label", "notes", "source", "parent_id", "results_state", "deleted_remotely",
)  # fmt: skip


def batch_provider_values(batch: Batch) -> tuple[Any, ...]:
    """The values of :data:`BATCH_PROVIDER_COLUMNS` for ``batch``."""
    c = batch.counts
    return (
        batch.id, batch.profile, batch.provider.value, batch.status.value, batch.provider_status,
        c.processing, c.succeeded, c.errored, c.canceled, c.expired,
        to_epoch(batch.created_at), to_epoch(batch.expires_at), to_epoch(batch.ended_at),
        to_epoch(batch.cancel_initiated_at), to_epoch(batch.archived_at),
        batch.endpoint, orjson.dumps(list(batch.models)).decode(),
        batch.input_file_id, batch.output_file_id, batch.error_file_id,
        orjson.dumps(batch.raw),
    )  # fmt: skip


def batch_from_row(row: sqlite3.Row) -> Batch:
    return Batch(
        id=row["id"],
        profile=row["profile"],
        provider=ProviderKind(row["provider"]),
        status=BatchStatus(row["status"]),
        provider_status=row["provider_status"],
        counts=RequestCounts(
            processing=row["processing"],
            succeeded=row["succeeded"],
            errored=row["errored"],
            canceled=row["canceled"],
            expired=row["expired"],
        ),
        created_at=datetime.fromtimestamp(row["created_at"], UTC),  # NOT NULL in the schema
        expires_at=from_epoch(row["expires_at"]),
        ended_at=from_epoch(row["ended_at"]),
        cancel_initiated_at=from_epoch(row["cancel_initiated_at"]),
        archived_at=from_epoch(row["archived_at"]),
        endpoint=row["endpoint"],
        models=tuple(orjson.loads(row["models"])),
        input_file_id=row["input_file_id"],
        output_file_id=row["output_file_id"],
        error_file_id=row["error_file_id"],
        label=row["label"],
        notes=row["notes"],
        source=row["source"],
        parent_id=row["parent_id"],
        results_state=ResultsState(row["results_state"]),
        acknowledged_at=from_epoch(row["acknowledged_at"]),
        acknowledged_by=row["acknowledged_by"],
        deleted_remotely=bool(row["deleted_remotely"]),
        raw=orjson.loads(row["raw"]) if row["raw"] else {},
    )


RESULT_COLUMNS = (
    "batch_id", "custom_id", "type", "model", "stop_reason", "error_type", "error_message",
    "error_key", "text", "input_tokens", "cache_write_5m", "cache_write_1h", "cache_read",
    "output_tokens", "raw",
)  # fmt: skip


def result_values(result: RequestResult) -> tuple[Any, ...]:
    u = result.usage
    return (
        result.batch_id, result.custom_id, result.type.value, result.model, result.stop_reason,
        result.error_type, result.error_message, error_key(result),
        result.text, u.input_tokens, u.cache_write_5m_tokens, u.cache_write_1h_tokens,
        u.cache_read_tokens, u.output_tokens, result.raw,
    )  # fmt: skip


def result_from_row(row: sqlite3.Row) -> RequestResult:
    return RequestResult(
        batch_id=row["batch_id"],
        custom_id=row["custom_id"],
        type=ResultType(row["type"]),
        model=row["model"],
        stop_reason=row["stop_reason"],
        error_type=row["error_type"],
        error_message=row["error_message"],
        text=row["text"],
        usage=Usage(
            input_tokens=row["input_tokens"],
            cache_write_5m_tokens=row["cache_write_5m"],
            cache_write_1h_tokens=row["cache_write_1h"],
            cache_read_tokens=row["cache_read"],
            output_tokens=row["output_tokens"],
        ),
        raw=bytes(row["raw"]),
    )


_VARIABLE_PARTS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # uuids
    r"|\b(?:req|msg|msgbatch|batch|file)_[A-Za-z0-9]+"  # provider ids
    r"|\d+(?:\.\d+)?",  # numbers: "max_tokens is too large: 1000000"
    re.IGNORECASE,
)


def normalise_error_message(message: str) -> str:
    """Blank out ids and numbers so messages differing only in them group together."""
    return _VARIABLE_PARTS.sub("#", message.strip())[:300]


def error_key(result: RequestResult) -> str | None:
    """The error-group key of a failed result: outcome, error type and normalised message."""
    if result.type is ResultType.SUCCEEDED:
        return None
    message = normalise_error_message(result.error_message or "")
    return f"{result.type.value}\x1f{result.error_type or ''}\x1f{message}"
