"""The submit ledger: a row written before each create call, so no batch is ever made twice.

Creating a batch is not idempotent at either provider (no idempotency key). If batchtui dies, or
the network drops, after the provider created a batch but before we learnt its id, a naive retry
would pay for the same requests twice. So every chunk goes through three steps:

1. :meth:`Ledger.begin` records a *pending* row (file digest, chunk index, profile, label,
   request count, a digest of the chunk's custom_ids) and commits it;
2. the create call;
3. :meth:`Ledger.mark_created` stores the new batch id.

On the next run a pending row is *reconciled* before anything is created again: the provider's
recent batches are searched for the one that create may have made (see :func:`find_match`). Only
when none matches is the chunk created again, under the same row.

The reconcile rule, per provider:

- **OpenAI**: batches carry ``metadata``; when the provider passes ours on, a batch whose
  ``metadata.batchtui_submission`` equals the row's token is the match, certainly, whatever its
  ``created_at`` says: the token decides, and time only bounds how far back the listing is read
  (:data:`LISTING_REACH`), since the provider's clock and ours may disagree by any amount.
- **Both** (and OpenAI batches without our metadata): a batch created between the row's start
  (minus :data:`CLOCK_SKEW`) and :data:`CREATE_WINDOW` after it, holding exactly the row's number
  of requests, that no other ledger row has claimed. Anthropic does not reveal a batch's
  custom_ids before it ends, so the count and the time are all there is to compare. An OpenAI
  batch still ``validating`` reports zero requests: its count is unknown, so it is a candidate
  on time alone. One candidate is adopted; several are reported as ambiguous and nothing is
  created (``--force`` overrides); none means the create never reached the provider, and it is
  safe to create.
"""

from __future__ import annotations

import enum
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tui.core.errors import BatchtuiError
from tui.core.models import Batch, utcnow
from tui.core.providers.base import Provider
from tui.core.store import Store
from tui.core.submit.chunking import ChunkPlan

CLOCK_SKEW = timedelta(minutes=15)
"""How far the provider's clock may run behind ours for the count-and-time rule (a probe met a
10-minute skew; a local clock off by more should be fixed, and a token match ignores time)."""

LISTING_REACH = timedelta(days=1)
"""How far before a row's start the provider's listing is read looking for its token."""

CREATE_WINDOW = timedelta(hours=1)
"""How long after a row's start its create call may still have landed (the SDKs time out after
10 minutes and retry twice)."""

METADATA_KEY = "batchtui_submission"
"""OpenAI batch metadata key carrying the ledger token."""


class SubmissionState(enum.StrEnum):
    PENDING = "pending"
    """Written before the create call; the outcome of that call is not known yet."""
    CREATED = "created"
    ABANDONED = "abandoned"
    """The provider refused the create (a 4xx): nothing was made, a new attempt may create."""


@dataclass(frozen=True)
class Submission:
    """One row of the ledger: one chunk of one submission run."""

    token: str
    run_id: str
    profile: str
    file_sha256: str
    source: str | None
    label: str | None
    parent_id: str | None
    chunk_index: int
    chunk_count: int
    request_count: int
    fingerprint: str
    state: SubmissionState
    batch_id: str | None
    started_at: datetime
    updated_at: datetime


class AmbiguousSubmission(BatchtuiError):
    """Several provider batches could be the one an interrupted create made."""

    exit_code = 1


def new_run_id() -> str:
    return uuid.uuid4().hex


class Ledger:
    """Reads and writes of the ``submissions`` table."""

    def __init__(self, store: Store):
        self._db = store.db

    async def for_file(self, profile: str, file_sha256: str) -> list[Submission]:
        """Every row for a file (or retry set) and profile, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM submissions WHERE profile = ? AND file_sha256 = ? "
            "ORDER BY started_at, chunk_index",
            (profile, file_sha256),
        )
        return [_from_row(r) for r in rows]

    async def pending(self, profile: str | None = None) -> list[Submission]:
        """Rows whose create call has an unknown outcome."""
        sql = "SELECT * FROM submissions WHERE state = 'pending'"
        params: tuple[str, ...] = ()
        if profile is not None:
            sql, params = sql + " AND profile = ?", (profile,)
        return [_from_row(r) for r in await self._db.fetchall(sql + " ORDER BY started_at", params)]

    async def claimed_batch_ids(self) -> set[str]:
        rows = await self._db.fetchall(
            "SELECT batch_id FROM submissions WHERE batch_id IS NOT NULL"
        )
        return {r[0] for r in rows}

    async def begin(
        self,
        *,
        run_id: str,
        profile: str,
        file_sha256: str,
        chunk: ChunkPlan,
        chunk_count: int,
        source: str | None,
        label: str | None,
        parent_id: str | None = None,
    ) -> Submission:
        """Record a chunk about to be created (committed before the create call)."""
        now = utcnow()
        entry = Submission(
            token=uuid.uuid4().hex,
            run_id=run_id,
            profile=profile,
            file_sha256=file_sha256,
            source=source,
            label=label,
            parent_id=parent_id,
            chunk_index=chunk.index,
            chunk_count=chunk_count,
            request_count=chunk.count,
            fingerprint=chunk.fingerprint,
            state=SubmissionState.PENDING,
            batch_id=None,
            started_at=now,
            updated_at=now,
        )
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO submissions (token, run_id, profile, file_sha256, source, label, "
                "parent_id, chunk_index, chunk_count, request_count, fingerprint, state, "
                "batch_id, started_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.token,
                    run_id,
                    profile,
                    file_sha256,
                    source,
                    label,
                    parent_id,
                    chunk.index,
                    chunk_count,
                    chunk.count,
                    chunk.fingerprint,
                    entry.state.value,
                    None,
                    now.timestamp(),
                    now.timestamp(),
                ),
            )
        return entry

    async def restart(self, token: str) -> None:
        """A pending row found no match: its create is about to be tried again."""
        await self._set(token, SubmissionState.PENDING, None)

    async def mark_created(self, token: str, batch_id: str) -> None:
        await self._set(token, SubmissionState.CREATED, batch_id)

    async def abandon(self, token: str) -> None:
        await self._set(token, SubmissionState.ABANDONED, None)

    async def _set(self, token: str, state: SubmissionState, batch_id: str | None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE submissions SET state = ?, batch_id = ?, updated_at = ? WHERE token = ?",
                (state.value, batch_id, utcnow().timestamp(), token),
            )


def is_match_by_metadata(batch: Batch, entry: Submission) -> bool | None:
    """True/False when the batch carries a ledger token, None when it carries none."""
    metadata = batch.raw.get("metadata") if isinstance(batch.raw, dict) else None
    token = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    return None if token is None else token == entry.token


async def find_match(provider: Provider, entry: Submission, claimed: set[str]) -> Batch | None:
    """The provider batch an interrupted create of ``entry`` made, or None if it made none.

    Raises :class:`AmbiguousSubmission` when several batches fit the count-and-time rule.
    """
    reach = entry.started_at - LISTING_REACH
    earliest = entry.started_at - CLOCK_SKEW
    latest = entry.updated_at + CREATE_WINDOW
    candidates: list[Batch] = []
    async for batch in provider.list_batches():  # newest first
        if batch.created_at < reach:
            break
        if batch.id in claimed:
            continue
        by_metadata = is_match_by_metadata(batch, entry)
        if by_metadata is True:
            return batch  # the token decides, wherever the provider's clock put the batch
        in_window = earliest <= batch.created_at <= latest
        if by_metadata is None and in_window and _count_fits(batch, entry):
            candidates.append(batch)
    if len(candidates) > 1:
        ids = ", ".join(b.id for b in candidates)
        raise AmbiguousSubmission(
            f"chunk {entry.chunk_index + 1} of {entry.source or 'the retry'} was interrupted "
            f"while being created, and several batches could be it ({ids}); nothing was "
            "created. Check them before creating it anyway",
            cli_hint="run again with --force to create it anyway",
        )
    return candidates[0] if candidates else None


def _count_fits(batch: Batch, entry: Submission) -> bool:
    """Same number of requests, or a number not known yet (OpenAI reports 0 while validating)."""
    total = batch.counts.total
    return total == entry.request_count or (total == 0 and not batch.is_terminal)


def _from_row(row: sqlite3.Row) -> Submission:
    return Submission(
        token=row["token"],
        run_id=row["run_id"],
        profile=row["profile"],
        file_sha256=row["file_sha256"],
        source=row["source"],
        label=row["label"],
        parent_id=row["parent_id"],
        chunk_index=row["chunk_index"],
        chunk_count=row["chunk_count"],
        request_count=row["request_count"],
        fingerprint=row["fingerprint"],
        state=SubmissionState(row["state"]),
        batch_id=row["batch_id"],
        started_at=datetime.fromtimestamp(row["started_at"], UTC),
        updated_at=datetime.fromtimestamp(row["updated_at"], UTC),
    )
