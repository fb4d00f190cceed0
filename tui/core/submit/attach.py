"""Linking the original requests file to a batch created elsewhere, so it can be retried.

A batch made by another tool has results but no stored params; retry needs the params. Attach
checks the file like ``submit`` does, refuses it if its request count differs from the batch's
(a sign of the wrong file), then stores each request's params under the batch, in chunks,
without creating anything at the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.core.errors import BatchtuiError
from tui.core.models import Batch
from tui.core.store import Store
from tui.core.submit.validate import ValidationFailed, iter_requests, scan_requests_file

CHUNK = 2000


@dataclass
class AttachReport:
    batch: Batch
    stored: int
    """Requests whose params were stored."""


async def attach_file(store: Store, batch: Batch, path: Path) -> AttachReport:
    """Store the params of every request in ``path`` under ``batch`` (already in the store)."""
    path = Path(path)
    scan = scan_requests_file(path)
    if not scan.ok:
        raise ValidationFailed(scan)
    if scan.kind != batch.provider:
        raise BatchtuiError(
            f"{path} holds {scan.kind.value if scan.kind else 'no'} requests but "
            f"{batch.id} is an {batch.provider.value} batch"
        )
    total = batch.counts.total
    if total and scan.count != total:
        raise BatchtuiError(
            f"{path} holds {scan.count:,} requests but {batch.id} has {total:,}; "
            "is it the right file?"
        )
    stored = 0
    chunk: list[tuple[str, bytes]] = []
    for request in iter_requests(path, scan.kind):
        chunk.append((request.custom_id, request.body))
        if len(chunk) >= CHUNK:
            stored += await store.requests.put(batch.id, chunk)
            chunk = []
    if chunk:
        stored += await store.requests.put(batch.id, chunk)
    await store.batches.annotate(batch.id, source=batch.source or str(path.resolve()))
    await store.batches.set_models(batch.id, set(batch.models) | set(scan.models))
    return AttachReport(batch=batch, stored=stored)
