"""How big the cache is, per profile and per batch, and dropping the raw JSON of old batches.

Per-batch sizes are estimates: SQLite does not account pages per batch. Each batch is charged
its raw JSON bytes exactly (``length()`` of a blob reads no content) and a share of everything
else the database holds (normalised rows, indexes, the full-text index) in proportion to its
stored results.

Pruning keeps what every view and tally needs (the normalised rows: outcome, reason, text,
tokens, hence costs and error groups) and drops only ``results.raw``: the request detail's raw
tab and the JSONL export then say the raw JSON is not stored. A batch's results are ``complete``
before it can be pruned, so no poll downloads it again by itself.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime

from tui.core.errors import StoreError
from tui.core.store.codec import from_epoch, to_epoch
from tui.core.store.database import Database


@dataclass(frozen=True)
class BatchUsage:
    """What one batch's results take in the cache."""

    batch_id: str
    profile: str
    label: str | None
    results: int
    raw_bytes: int
    """The raw JSON lines as stored (0 once pruned)."""
    estimated_bytes: int
    """Raw bytes plus this batch's share of the rest of the database."""
    ended_at: datetime | None
    pruned: bool
    """Some results of the batch are stored without their raw JSON."""


@dataclass(frozen=True)
class ProfileUsage:
    profile: str
    batches: int
    results: int
    raw_bytes: int
    estimated_bytes: int


@dataclass(frozen=True)
class CacheUsage:
    """The whole cache: its files on disk and what each batch holds."""

    file_bytes: int
    """The database file and its write-ahead log, as on disk."""
    used_bytes: int
    """Pages in use (the rest is free space a VACUUM would give back)."""
    batches: list[BatchUsage]
    """Largest first."""

    def by_profile(self) -> list[ProfileUsage]:
        """The batches summed per profile, largest first."""
        totals: dict[str, list[int]] = {}
        for batch in self.batches:
            total = totals.setdefault(batch.profile, [0, 0, 0, 0])
            total[0] += 1
            total[1] += batch.results
            total[2] += batch.raw_bytes
            total[3] += batch.estimated_bytes
        usages = [ProfileUsage(name, *values) for name, values in totals.items()]
        return sorted(usages, key=lambda u: (-u.estimated_bytes, u.profile))


@dataclass(frozen=True)
class PruneReport:
    batches: int
    results: int
    raw_bytes: int
    """Raw JSON bytes dropped."""
    file_bytes_before: int
    file_bytes_after: int
    compacted: bool = True
    """False when the file could not be compacted (another process kept writing): the raw
    JSON is gone all the same, and its space is reused by later downloads."""


class Housekeeping:
    """Sizes and pruning of the cache (``batchtui cache``)."""

    def __init__(self, db: Database):
        self._db = db

    async def usage(self) -> CacheUsage:
        used = await self._used_bytes()
        rows = await self._db.fetchall(
            "SELECT b.id, b.profile, b.label, b.ended_at, count(r.seq) AS n, "
            "coalesce(sum(length(r.raw)), 0) AS raw, coalesce(sum(length(r.raw) = 0), 0) AS bare "
            "FROM batches b LEFT JOIN results r ON r.batch_id = b.id GROUP BY b.id"
        )
        all_results = sum(r["n"] for r in rows)
        rest = max(used - sum(r["raw"] for r in rows), 0)
        batches = [
            BatchUsage(
                batch_id=r["id"],
                profile=r["profile"],
                label=r["label"],
                results=r["n"],
                raw_bytes=r["raw"],
                estimated_bytes=r["raw"] + (rest * r["n"] // all_results if all_results else 0),
                ended_at=from_epoch(r["ended_at"]),
                pruned=r["bare"] > 0,
            )
            for r in rows
        ]
        batches.sort(key=lambda b: (-b.estimated_bytes, b.batch_id))
        return CacheUsage(self._file_bytes(), used, batches)

    async def prune_raw(self, ended_before: datetime) -> PruneReport:
        """Drop the raw JSON of every batch whose results are complete and which ended before
        ``ended_before``; then compact the file so the space goes back to the disk."""
        before = self._file_bytes()
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT count(DISTINCT r.batch_id), count(*), coalesce(sum(length(r.raw)), 0) "
                f"FROM results r WHERE {_PRUNABLE}",
                (to_epoch(ended_before),),
            ) as cursor:
                row = await cursor.fetchone()
            batches, results, raw = row if row is not None else (0, 0, 0)
            await conn.execute(
                f"UPDATE results AS r SET raw = x'' WHERE {_PRUNABLE}", (to_epoch(ended_before),)
            )
        compacted = True
        if results:
            try:
                await self._vacuum()
            except StoreError:
                compacted = False  # busy: another batchtui is writing
        return PruneReport(batches, results, raw, before, self._file_bytes(), compacted)

    async def _vacuum(self) -> None:
        """Rewrite the file without its free pages. The copy is made in a temporary file, not
        in memory (the writer keeps temporary tables in memory, and the copy is the whole
        cache), then the log is truncated."""
        async with self._db.writer_turn() as conn:
            await conn.execute("PRAGMA temp_store = FILE")
            try:
                await conn.execute("VACUUM")
            finally:
                await conn.execute("PRAGMA temp_store = MEMORY")
            await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def _used_bytes(self) -> int:
        page_size = await self._db.fetch_int("PRAGMA page_size")
        pages = await self._db.fetch_int("PRAGMA page_count")
        free = await self._db.fetch_int("PRAGMA freelist_count")
        return (pages - free) * page_size

    def _file_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(f"{self._db.path}{suffix}").st_size
        return total


_PRUNABLE = (
    "length(r.raw) > 0 AND r.batch_id IN (SELECT id FROM batches WHERE results_state = "
    "'complete' AND coalesce(ended_at, created_at) < ?)"
)
"""Results whose raw JSON a prune drops (one ``?``: the cut-off, epoch seconds)."""
