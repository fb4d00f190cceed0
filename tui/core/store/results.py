"""Result rows: chunked idempotent writes, keyset-paged reads, counts, error groups, search.

Pages are ordered by ``custom_id`` and fetched by key (``custom_id > ?``) through the indexes
``(batch_id, custom_id)`` and ``(batch_id, type, custom_id)``, so the cost of a page does not grow
with how far into a 100,000-request batch it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.core.errors import StoreError
from tui.core.models import RequestResult, ResultType, Usage
from tui.core.store.codec import RESULT_COLUMNS, result_from_row, result_values
from tui.core.store.database import Database, describe_sqlite_error
from tui.core.store.raw_json import RawJsonCodec

_APPEND = (
    f"INSERT INTO results ({', '.join(RESULT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in RESULT_COLUMNS)})"
)
_INSERT = f"{_APPEND} ON CONFLICT (batch_id, custom_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in RESULT_COLUMNS[2:]
)
# A batch's rows by a rowid range scan, not through a batch_id index (the unary + keeps the
# planner off them): one download's rows sit together, so pages are read in order and FTS5 gets
# rowids ascending. Measured: 1.3 s instead of 3.2 s to index 100,000 results.
_BATCH_ROWS_IN_ROWID_ORDER = (
    "FROM results WHERE seq BETWEEN (SELECT min(seq) FROM results WHERE batch_id = ?) "
    "AND (SELECT max(seq) FROM results WHERE batch_id = ?) AND +batch_id = ? ORDER BY seq"
)
# Rows of a deferred batch not yet in the full-text index: those after its indexed_upto.
_BATCH_ROWS_NOT_INDEXED = (
    "FROM results WHERE seq BETWEEN max((SELECT min(seq) FROM results WHERE batch_id = ?), "
    "(SELECT indexed_upto + 1 FROM fts_deferred WHERE batch_id = ?)) "
    "AND (SELECT max(seq) FROM results WHERE batch_id = ?) AND +batch_id = ? ORDER BY seq"
)
# ...and those in it (rows appended and indexed chunk by chunk, see ResultRepository.appending).
_BATCH_ROWS_INDEXED = (
    "FROM results WHERE seq BETWEEN (SELECT min(seq) FROM results WHERE batch_id = ?) "
    "AND (SELECT indexed_upto FROM fts_deferred WHERE batch_id = ?) AND +batch_id = ? "
    "ORDER BY seq"
)
# Every column but the raw JSON: list pages never need it, and it is most of a row's bytes.
_LIST_COLUMNS = "seq, " + ", ".join(c for c in RESULT_COLUMNS if c != "raw") + ", x'' AS raw"


@dataclass(frozen=True)
class ResultFilter:
    """Which results of a batch a view shows. Empty fields do not filter."""

    types: frozenset[ResultType] | None = None
    stop_reason: str | None = None
    error_type: str | None = None
    error_key: str | None = None
    """One error group (see :meth:`ResultRepository.error_groups`)."""
    search: str | None = None
    """Free text, matched against result text and error messages through the FTS index."""


@dataclass(frozen=True)
class ErrorGroup:
    """Failed results sharing outcome, error type and normalised message."""

    key: str
    type: ResultType
    error_type: str | None
    message: str
    """An example message of the group, as the provider wrote it."""
    count: int


@dataclass(frozen=True)
class UsageGroup:
    """Summed usage of succeeded results sharing batch, model and price tier."""

    batch_id: str
    model: str | None
    tier: int
    """Index of the highest threshold the prompt exceeded (0 = none)."""
    requests: int
    usage: Usage


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word must match, the last as a
    prefix (so results appear while typing). Quotes neutralise FTS5 syntax in the input.

    Words are runs of letters and digits, which the unicode61 tokenizer never splits: each
    quoted word is one token, as the index (detail=none) has no positions for phrases."""
    words = re.findall(r"[^\W_]+", text)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def _where(batch_id: str, flt: ResultFilter) -> tuple[str, list[Any]]:
    clauses, params = ["batch_id = ?"], [batch_id]
    if flt.types:
        values = sorted(t.value for t in flt.types)
        clauses.append(f"type IN ({', '.join('?' for _ in values)})")
        params.extend(values)
    for column, value in (
        ("stop_reason", flt.stop_reason),
        ("error_type", flt.error_type),
        ("error_key", flt.error_key),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    query = fts_query(flt.search) if flt.search else None
    if flt.search and query is None:
        clauses.append("0")  # only punctuation typed: nothing can match
    elif query:
        clauses.append("seq IN (SELECT rowid FROM results_fts WHERE results_fts MATCH ?)")
        params.append(query)
    return " AND ".join(clauses), params


class ResultRepository:
    """Reads and writes of the ``results`` table."""

    def __init__(self, db: Database):
        self._db = db
        self._appending: dict[str, _Appender] = {}
        self._raw = RawJsonCodec(db)

    async def write(self, results: Sequence[RequestResult]) -> None:
        """Upsert a chunk in one transaction: a re-download replaces rows, never duplicates.

        Inside :meth:`appending` for the chunk's batch, the chunk is appended instead and its
        transaction ends (search indexing, commit) while the caller goes on.
        """
        if not results:
            return
        values = [result_values(r) for r in results]
        batch_id = results[0].batch_id
        if all(r.batch_id == batch_id for r in results):  # a chunk: always one batch's
            raws = await self._raw.compress(batch_id, [(r.raw, r.text) for r in results])
            values = [(*v[:-1], raw) for v, raw in zip(values, raws, strict=True)]
        appender = self._appending.get(results[0].batch_id)
        if appender is not None and all(r.batch_id == appender.batch_id for r in results):
            await appender.write(values)
        else:
            await self._upsert(values)

    async def _upsert(self, values: list[tuple[Any, ...]]) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany(_INSERT, values)

    @contextlib.asynccontextmanager
    async def appending(self, batch_id: str, *, index: bool = True) -> AsyncIterator[bool]:
        """Bulk-download mode for a deferred batch (:meth:`defer_search_index`); yields whether
        it applies: the batch has no rows yet, so no chunk can conflict with a stored row.
        ``index=False`` leaves the batch's search index to a later :meth:`build_search_index`.

        :meth:`write` then appends each chunk with plain INSERTs and indexes it for search in
        the same transaction (crash-safe: a committed chunk is always indexed), and returns as
        soon as the rows are inserted: indexing and commit are single SQLite statements that
        run in the writer's thread without the GIL while the caller parses the next chunk. A
        custom_id sent twice turns the rest of the download back into upserts indexed at the
        end. Leaving the context waits for the last chunk's commit.
        """
        fresh_and_deferred = await self._db.fetch_int(
            "SELECT NOT EXISTS (SELECT 1 FROM results WHERE batch_id = ?) "
            "AND EXISTS (SELECT 1 FROM fts_deferred WHERE batch_id = ?)",
            (batch_id, batch_id),
        )
        if not fresh_and_deferred or batch_id in self._appending:
            yield False
            return
        appender = self._appending[batch_id] = _Appender(self, batch_id, index=index)
        try:
            yield True
        except BaseException:
            with contextlib.suppress(Exception):
                await appender.flush()
            raise
        else:
            await appender.flush()
        finally:
            self._appending.pop(batch_id, None)

    async def defer_search_index(self, batch_id: str) -> None:
        """Take a batch out of the full-text index until :meth:`build_search_index`.

        For bulk downloads: rows written meanwhile skip the per-row triggers. Rows already
        indexed leave the index now, so the final build indexes every row exactly once.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO fts_deferred (batch_id) VALUES (?)", (batch_id,)
            )
            if cursor.rowcount:
                await conn.execute(
                    "INSERT INTO results_fts (results_fts, rowid, text, error_message) "
                    f"SELECT 'delete', seq, text, error_message {_BATCH_ROWS_IN_ROWID_ORDER}",
                    (batch_id, batch_id, batch_id),
                )
            else:  # deferred already, by a download cut short: it may have indexed a prefix
                await conn.execute(
                    "INSERT INTO results_fts (results_fts, rowid, text, error_message) "
                    f"SELECT 'delete', seq, text, error_message {_BATCH_ROWS_INDEXED}",
                    (batch_id, batch_id, batch_id),
                )
                await conn.execute(
                    "UPDATE fts_deferred SET indexed_upto = 0 WHERE batch_id = ?", (batch_id,)
                )

    async def build_search_index(self, batch_id: str) -> None:
        """Index every row of a deferred batch not indexed yet, in one statement (no-op if
        the batch is not deferred)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO results_fts (rowid, text, error_message) "
                f"SELECT seq, text, error_message {_BATCH_ROWS_NOT_INDEXED}",
                (batch_id, batch_id, batch_id, batch_id),
            )
            await conn.execute("DELETE FROM fts_deferred WHERE batch_id = ?", (batch_id,))

    async def search_pending(self, batch_id: str) -> bool:
        """Whether the batch's rows are not all in the full-text index yet (a download going
        on, or one whose index was left for later: see :meth:`build_search_index`)."""
        return bool(
            await self._db.fetch_int(
                "SELECT EXISTS (SELECT 1 FROM fts_deferred WHERE batch_id = ?)", (batch_id,)
            )
        )

    async def downloaded_without_search_index(self) -> list[str]:
        """Batches whose download ended but whose search index was left for later (by
        ``batchtui sync``), oldest first."""
        rows = await self._db.fetchall(
            "SELECT b.id FROM fts_deferred d JOIN batches b ON b.id = d.batch_id "
            "WHERE b.results_state = 'complete' ORDER BY b.created_at"
        )
        return [r["id"] for r in rows]

    async def get(self, batch_id: str, custom_id: str) -> RequestResult | None:
        row = await self._db.fetchone(
            "SELECT * FROM results WHERE batch_id = ? AND custom_id = ?", (batch_id, custom_id)
        )
        return None if row is None else await self._with_raw(row)

    async def _with_raw(self, row: sqlite3.Row) -> RequestResult:
        result = result_from_row(row)
        result.raw = await self._raw.decompress(result.raw, result.text)
        return result

    async def count(self, batch_id: str, flt: ResultFilter = ResultFilter()) -> int:
        where, params = _where(batch_id, flt)
        return await self._db.fetch_int(
            f"SELECT count(*) FROM results WHERE {where}", tuple(params)
        )

    async def counts_by_type(self, batch_id: str) -> dict[ResultType, int]:
        rows = await self._db.fetchall(
            "SELECT type, count(*) FROM results WHERE batch_id = ? GROUP BY type", (batch_id,)
        )
        counts = dict.fromkeys(ResultType, 0)
        counts.update({ResultType(r[0]): r[1] for r in rows})
        return counts

    async def page(
        self,
        batch_id: str,
        flt: ResultFilter = ResultFilter(),
        *,
        after: str | None = None,
        before: str | None = None,
        limit: int = 200,
    ) -> list[RequestResult]:
        """Up to ``limit`` results in ``custom_id`` order, after or before a key (keyset paging)."""
        where, params = _where(batch_id, flt)
        order = "ASC"
        if after is not None:
            where += " AND custom_id > ?"
            params.append(after)
        elif before is not None:
            where += " AND custom_id < ?"
            params.append(before)
            order = "DESC"
        rows = await self._db.fetchall(
            f"SELECT {_LIST_COLUMNS} FROM results WHERE {where} ORDER BY custom_id {order} LIMIT ?",
            (*params, limit),
        )
        page = [result_from_row(r) for r in rows]
        return page[::-1] if order == "DESC" else page

    async def page_at(
        self, batch_id: str, flt: ResultFilter = ResultFilter(), *, offset: int, limit: int = 200
    ) -> list[RequestResult]:
        """A page starting at row ``offset``: for jumps (scrollbar drags, ``G``), where there is
        no neighbouring key to page from. It walks the covering index, not the rows."""
        where, params = _where(batch_id, flt)
        rows = await self._db.fetchall(
            f"SELECT {_LIST_COLUMNS} FROM results WHERE {where} "
            "ORDER BY custom_id LIMIT ? OFFSET ?",
            (*params, limit, max(offset, 0)),
        )
        return [result_from_row(r) for r in rows]

    async def position(
        self, batch_id: str, custom_id: str, flt: ResultFilter = ResultFilter()
    ) -> int:
        """Row index of the first result at or after ``custom_id`` in the filtered order."""
        where, params = _where(batch_id, flt)
        return await self._db.fetch_int(
            f"SELECT count(*) FROM results WHERE {where} AND custom_id < ?",
            (*params, custom_id),
        )

    async def error_groups(self, batch_id: str, limit: int = 200) -> list[ErrorGroup]:
        """Failures grouped by outcome, error type and normalised message, largest first."""
        rows = await self._db.fetchall(
            "SELECT error_key, type, error_type, max(error_message) AS message, count(*) AS n "
            "FROM results WHERE batch_id = ? AND error_key IS NOT NULL "
            "GROUP BY error_key ORDER BY n DESC, error_key LIMIT ?",
            (batch_id, limit),
        )
        return [
            ErrorGroup(
                key=r["error_key"],
                type=ResultType(r["type"]),
                error_type=r["error_type"],
                message=r["message"] or "",
                count=r["n"],
            )
            for r in rows
        ]

    async def distinct_values(self, batch_id: str, column: str) -> dict[str, int]:
        """Counts of each ``stop_reason`` or ``error_type`` value in a batch (for filter menus)."""
        if column not in {"stop_reason", "error_type", "model"}:
            raise ValueError(f"not a filterable column: {column}")
        rows = await self._db.fetchall(
            f"SELECT {column}, count(*) FROM results WHERE batch_id = ? AND {column} IS NOT NULL "
            f"GROUP BY {column} ORDER BY count(*) DESC",
            (batch_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def iterate(
        self, batch_id: str, flt: ResultFilter = ResultFilter(), *, chunk: int = 2000
    ) -> AsyncIterator[RequestResult]:
        """Every matching result with its raw JSON, streamed a chunk at a time (for export)."""
        where, params = _where(batch_id, flt)
        rows = self._db.in_custom_id_order("*", "results", where, tuple(params), chunk=chunk)
        async for row in rows:
            yield await self._with_raw(row)

    async def outcomes(
        self, batch_id: str, *, chunk: int = 5000
    ) -> AsyncIterator[tuple[str, ResultType]]:
        """Every ``(custom_id, type)`` of a batch in custom_id order: what lineage views need,
        without reading the rows' text and raw JSON."""
        rows = self._db.in_custom_id_order(
            "custom_id, type", "results", "batch_id = ?", (batch_id,), chunk=chunk
        )
        async for custom_id, kind in rows:
            yield custom_id, ResultType(kind)

    async def usage_groups(
        self,
        *,
        batch_ids: Iterable[str] | None = None,
        tier_thresholds: Sequence[int] = (),
    ) -> list[UsageGroup]:
        """Usage of succeeded results summed per (batch, model, tier).

        ``tier_thresholds`` are prompt sizes (all input tokens, cached or not); a request whose
        prompt exceeds the k-th smallest lands in tier k. Pricing needs this because long-prompt
        tiers re-price every token of the request, so requests cannot be summed across them.
        """
        prompt = "(input_tokens + cache_write_5m + cache_write_1h + cache_read)"
        cases = " ".join(
            f"WHEN {prompt} > {int(limit)} THEN {index}"
            for index, limit in sorted(
                enumerate(sorted(tier_thresholds), start=1), key=lambda p: -p[1]
            )
        )
        tier = f"CASE {cases} ELSE 0 END" if cases else "0"
        where, params = "type = 'succeeded'", []
        if batch_ids is not None:
            ids = list(batch_ids)
            if not ids:
                return []
            where += f" AND batch_id IN ({', '.join('?' for _ in ids)})"
            params.extend(ids)
        rows = await self._db.fetchall(
            f"SELECT batch_id, model, {tier} AS tier, count(*) AS n, sum(input_tokens), "
            "sum(cache_write_5m), sum(cache_write_1h), sum(cache_read), sum(output_tokens) "
            f"FROM results WHERE {where} GROUP BY batch_id, model, tier",
            tuple(params),
        )
        return [
            UsageGroup(
                batch_id=r[0],
                model=r[1],
                tier=r[2],
                requests=r[3],
                usage=Usage(r[4], r[5], r[6], r[7], r[8]),
            )
            for r in rows
        ]


class _Appender:
    """The chunks of one batch in :meth:`ResultRepository.appending` mode."""

    def __init__(self, repository: ResultRepository, batch_id: str, *, index: bool):
        self.repository = repository
        self.batch_id = batch_id
        self.index = index
        """Index each chunk for search in its transaction (else it stays deferred)."""
        self.plain = True
        self._tail: asyncio.Future[None] | None = None

    async def write(self, values: list[tuple[Any, ...]]) -> None:
        await self.flush()
        if not self.plain:
            await self.repository._upsert(values)
            return
        db = self.repository._db
        conn = db.writer
        await db._write_lock.acquire()
        try:
            await conn.execute("BEGIN IMMEDIATE")
            async with conn.execute("SELECT max(seq) FROM results") as cursor:
                row = await cursor.fetchone()
            assert row is not None  # an aggregate always answers one row
            (last,) = row
            await conn.executemany(_APPEND, values)
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                await conn.rollback()
            db._write_lock.release()
            if isinstance(exc, sqlite3.IntegrityError):
                # A custom_id seen twice: upserts from now on, the index built at the end.
                self.plain = False
                await self.repository.defer_search_index(self.batch_id)
                await self.repository._upsert(values)
                return
            if isinstance(exc, sqlite3.Error):
                raise StoreError(describe_sqlite_error(db.path, exc)) from None
            raise
        self._tail = asyncio.ensure_future(self._finish(last or 0))

    async def _finish(self, last: int) -> None:
        """Index the chunk just inserted (its rows are those after ``last``) and commit."""
        db = self.repository._db
        conn = db.writer
        try:
            try:
                if self.index:
                    await conn.execute(
                        "INSERT INTO results_fts (rowid, text, error_message) "
                        "SELECT seq, text, error_message FROM results "
                        "WHERE seq > ? AND +batch_id = ? ORDER BY seq",
                        (last, self.batch_id),
                    )
                    await conn.execute(
                        "UPDATE fts_deferred SET indexed_upto = (SELECT max(seq) FROM results) "
                        "WHERE batch_id = ?",
                        (self.batch_id,),
                    )
                await conn.commit()
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await conn.rollback()
                raise
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(db.path, exc)) from None
        finally:
            db._write_lock.release()

    async def flush(self) -> None:
        """Wait for the last chunk's transaction to end."""
        tail, self._tail = self._tail, None
        if tail is not None:
            await tail
