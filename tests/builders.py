"""The one set of builders for the core's models and for requests files, used by every suite.

A builder gives each field a plain default and takes any field as a keyword, so a test names
only the fields it is about. ``tests/`` is on ``sys.path`` (its conftest.py sits there), so any
test module imports this as ``from builders import ...``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
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

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
"""When the batches of a test are created (``make_batch(minutes=...)`` counts from here)."""

MODEL = "claude-haiku-4-5"


def make_batch(batch_id: str = "b1", minutes: int = 0, **changes: Any) -> Batch:
    """An Anthropic batch of profile ``work`` as the provider lists it: in progress (10
    requests processing), created ``minutes`` after :data:`T0` (or at ``created_at``), expiring
    24 hours after it was created."""
    created = changes.pop("created_at", T0 + timedelta(minutes=minutes))
    fields: dict[str, Any] = dict(
        id=batch_id,
        profile="work",
        provider=ProviderKind.ANTHROPIC,
        status=BatchStatus.IN_PROGRESS,
        provider_status="in_progress",
        counts=RequestCounts(processing=10),
        created_at=created,
        expires_at=created + timedelta(hours=24),
        raw={"id": batch_id},
    )
    fields.update(changes)
    return Batch(**fields)


def ended_batch(batch_id: str = "b1", minutes: int = 0, **changes: Any) -> Batch:
    """:func:`make_batch`, ended: two requests succeeded, results all downloaded."""
    fields: dict[str, Any] = dict(
        status=BatchStatus.ENDED,
        provider_status="ended",
        counts=RequestCounts(succeeded=2),
        results_state=ResultsState.COMPLETE,
    )
    fields.update(changes)
    return make_batch(batch_id, minutes, **fields)


def make_result(
    custom_id: str, kind: ResultType = ResultType.SUCCEEDED, **changes: Any
) -> RequestResult:
    """Request ``custom_id`` of batch ``b1``: a short answer when it succeeded, an ``api_error``
    (no text, no usage) otherwise."""
    fields: dict[str, Any] = dict(
        batch_id="b1",
        custom_id=custom_id,
        type=kind,
        model=MODEL,
        text=f"answer for {custom_id}",
        usage=Usage(input_tokens=10, output_tokens=5),
        raw=b'{"custom_id": "%s"}' % custom_id.encode(),
    )
    if kind is not ResultType.SUCCEEDED:
        fields.update(text=None, usage=Usage(), error_type="api_error", error_message="boom")
    fields.update(changes)
    return RequestResult(**fields)


def params(i: int, max_tokens: int = 200, **extra: object) -> dict[str, Any]:
    """The Anthropic params of request ``i``: a question whose length varies with ``i``."""
    return {
        "model": MODEL,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": f"Question number {i}: " + "word " * (i % 7)}],
        **extra,
    }


def write_requests(
    path: Path, count: int, prefix: str = "req", width: int = 4, max_tokens: int = 200
) -> Path:
    """A requests file of ``count`` Anthropic lines, custom_ids ``{prefix}-0000`` on."""
    lines = (
        orjson.dumps({"custom_id": f"{prefix}-{i:0{width}d}", "params": params(i, max_tokens)})
        for i in range(count)
    )
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path
