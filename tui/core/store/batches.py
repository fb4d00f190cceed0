"""Batch rows: what the providers said about each batch, plus the user's local annotations."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import UTC, datetime

import orjson

from tui.core.errors import NotFoundError
from tui.core.ids import id_candidates
from tui.core.models import Batch, BatchStatus, ResultsState
from tui.core.store.codec import (
    BATCH_PROVIDER_COLUMNS,
    batch_from_row,
    batch_provider_values,
    to_epoch,
)
from tui.core.store.database import Database

_COLUMNS = ", ".join(BATCH_PROVIDER_COLUMNS)
_PLACEHOLDERS = ", ".join("?" for _ in BATCH_PROVIDER_COLUMNS)
_UPDATES = ", ".join(f"{c} = excluded.{c}" for c in BATCH_PROVIDER_COLUMNS if c != "id")
_UPSERT = (
    f"INSERT INTO batches ({_COLUMNS}) VALUES ({_PLACEHOLDERS}) "
    f"ON CONFLICT (id) DO UPDATE SET {_UPDATES}"
)


class BatchRepository:
    """Reads and writes of the ``batches`` table."""

    def __init__(self, db: Database):
        self._db = db

    async def upsert(self, batches: Iterable[Batch]) -> None:
        """Insert or refresh provider fields; local fields (label, notes, lineage...) survive."""
        values = [batch_provider_values(b) for b in batches]
        if not values:
            return
        async with self._db.transaction() as conn:
            await conn.executemany(_UPSERT, values)

    async def insert_local(self, batch: Batch) -> None:
        """Insert a batch this app created, with its local fields (label, source, parent)."""
        await self.upsert([batch])
        await self.annotate(
            batch.id,
            label=batch.label,
            notes=batch.notes,
            source=batch.source,
            parent_id=batch.parent_id,
        )

    async def get(self, batch_id: str) -> Batch:
        row = await self._db.fetchone("SELECT * FROM batches WHERE id = ?", (batch_id,))
        if row is None:
            raise NotFoundError(f"no batch {batch_id!r} in the local cache")
        return batch_from_row(row)

    async def find(self, id_or_prefix: str) -> Batch:
        """The batch with this id, or the only one whose id starts with it: a unique prefix,
        or the short id the list shows (provider prefix left out, ``…`` at the end)."""
        for candidate in id_candidates(id_or_prefix):
            rows = await self._db.fetchall(
                "SELECT * FROM batches WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 3",
                (candidate, _like_prefix(candidate)),
            )
            exact = [r for r in rows if r["id"] == candidate]
            if exact:
                return batch_from_row(exact[0])
            if len(rows) == 1:
                return batch_from_row(rows[0])
            if rows:
                raise NotFoundError(
                    f"{id_or_prefix!r} matches several batches; give more of the id"
                )
        raise NotFoundError(f"no batch {id_or_prefix!r} in the local cache (try `sync`)")

    async def list(
        self,
        *,
        profile: str | None = None,
        statuses: Iterable[BatchStatus] | None = None,
    ) -> list[Batch]:
        """Batches newest first, optionally for one profile and some statuses."""
        where, params = [], []
        if profile is not None:
            where.append("profile = ?")
            params.append(profile)
        if statuses is not None:
            wanted = [s.value for s in statuses]
            where.append(f"status IN ({', '.join('?' for _ in wanted)})")
            params.extend(wanted)
        sql = "SELECT * FROM batches"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, id DESC"
        return [batch_from_row(r) for r in await self._db.fetchall(sql, tuple(params))]

    async def annotate(self, batch_id: str, **fields: str | None) -> None:
        """Set local fields: ``label``, ``notes``, ``source``, ``parent_id``."""
        allowed = {"label", "notes", "source", "parent_id"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not local batch fields: {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE batches SET {assignments} WHERE id = ?", (*fields.values(), batch_id)
            )

    async def set_results_state(self, batch_id: str, state: ResultsState) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE batches SET results_state = ? WHERE id = ?", (state.value, batch_id)
            )

    async def set_models(self, batch_id: str, models: Iterable[str]) -> None:
        """Record the models a batch used (learnt from its results or params)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE batches SET models = ? WHERE id = ?",
                (orjson.dumps(sorted(set(models))).decode(), batch_id),
            )

    async def mark_deleted_remotely(self, batch_id: str) -> None:
        """The provider deleted it; we keep the batch and its results."""
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE batches SET deleted_remotely = 1 WHERE id = ?", (batch_id,))

    async def acknowledge(self, batch_ids: Iterable[str], at: datetime | None, by: str) -> None:
        """Mark batches as not needing attention (``at`` None: needing it again)."""
        values = [(to_epoch(at), by if at else None, batch_id) for batch_id in batch_ids]
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE batches SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?", values
            )

    async def record_counts(self, batches: Iterable[Batch], at: datetime) -> None:
        """Keep the finished count of each running batch at ``at`` (for throughput and ETA)."""
        values = [
            (b.id, at.timestamp(), b.counts.finished, b.counts.total)
            for b in batches
            if not b.is_terminal
        ]
        if values:
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "INSERT OR REPLACE INTO count_samples (batch_id, at, finished, total) "
                    "VALUES (?, ?, ?, ?)",
                    values,
                )

    async def count_samples(self, batch_id: str) -> builtins.list[tuple[datetime, int, int]]:
        """``(at, finished, total)`` of a batch as the polls saw it, oldest first."""
        rows = await self._db.fetchall(
            "SELECT at, finished, total FROM count_samples WHERE batch_id = ? ORDER BY at",
            (batch_id,),
        )
        return [(datetime.fromtimestamp(r[0], UTC), r[1], r[2]) for r in rows]

    async def count_samples_of(
        self, batch_ids: Iterable[str]
    ) -> dict[str, builtins.list[tuple[datetime, int, int]]]:
        """:meth:`count_samples` of many batches at once (the list's ETAs), by batch id."""
        ids = builtins.list(dict.fromkeys(batch_ids))
        samples: dict[str, builtins.list[tuple[datetime, int, int]]] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            rows = await self._db.fetchall(
                "SELECT batch_id, at, finished, total FROM count_samples "
                f"WHERE batch_id IN ({', '.join('?' * len(chunk))}) ORDER BY batch_id, at",
                tuple(chunk),
            )
            for r in rows:
                samples.setdefault(r[0], []).append((datetime.fromtimestamp(r[1], UTC), r[2], r[3]))
        return samples

    async def children(self, batch_id: str) -> builtins.list[Batch]:  # `list` is a method here
        """Batches that retry this one."""
        rows = await self._db.fetchall(
            "SELECT * FROM batches WHERE parent_id = ? ORDER BY created_at", (batch_id,)
        )
        return [batch_from_row(r) for r in rows]


_IDS_PER_QUERY = 500
"""Ids bound in one ``IN (...)`` (SQLite's default limit on variables is far above it)."""


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
