"""Two batches' results side by side: a join on ``custom_id``, keyset-paged, filtered, tallied.

Batch A's and batch B's rows are matched by ``custom_id``. Every query walks the unique index
``(batch_id, custom_id)`` in key order and looks the partner row up by the same index, so a page
costs the same at the start and at the end of two 100,000-request batches:

* filters that need a row in A (only in A, A failed / B succeeded, texts differ...) walk A and
  look B up; "only in B" walks B;
* "all" walks the *union* of both key ranges: a compound ``SELECT ... UNION ... ORDER BY ...
  LIMIT`` that SQLite runs as a merge of two ordered index scans, stopping after one page.

Search is the inspector's full-text search (:func:`~tui.core.store.results.fts_query`), matched
against either side's text and error message.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tui.core.models import RequestResult, ResultType, Usage
from tui.core.store.database import Database
from tui.core.store.results import fts_query

_SIDE_COLUMNS = (
    "seq", "type", "model", "stop_reason", "error_type", "error_message", "text",
    "input_tokens", "cache_write_5m", "cache_write_1h", "cache_read", "output_tokens",
)  # fmt: skip
"""What a compare row needs of each side (never ``raw``: most of a row's bytes)."""
_WIDTH = len(_SIDE_COLUMNS)
_SELECT = ", ".join(f"{side}.{column}" for side in ("a", "b") for column in _SIDE_COLUMNS)
_SWAPPED_SELECT = ", ".join(f"{side}.{column}" for side in ("b", "a") for column in _SIDE_COLUMNS)
_SEARCH = "seq IN (SELECT rowid FROM results_fts WHERE results_fts MATCH ?)"


class Only(enum.StrEnum):
    """Which matched pairs a comparison shows; the values are the CLI's ``--only`` words."""

    ALL = "all"
    ONLY_A = "only-a"
    """custom_ids in A and not in B."""
    ONLY_B = "only-b"
    A_FAILED = "a-failed"
    """A did not succeed (errored, expired, canceled) where B succeeded."""
    B_FAILED = "b-failed"
    """B did not succeed where A succeeded."""
    DIFFERS = "differs"
    """In both, and the texts differ (a failure has no text, so a failure against a success
    differs; two failures do not)."""
    B_LONGER = "b-longer"
    """In both, and B's text has more characters than A's."""


_CONDITIONS: dict[Only, str] = {
    Only.ONLY_A: "b.seq IS NULL",
    # The unary + keeps the planner off B's type index: walking it would sort every match.
    Only.A_FAILED: "a.type != 'succeeded' AND +b.type = 'succeeded'",
    Only.B_FAILED: "a.type = 'succeeded' AND +b.type != 'succeeded'",
    Only.DIFFERS: "b.seq IS NOT NULL AND a.text IS NOT b.text",
    Only.B_LONGER: (
        "b.seq IS NOT NULL AND length(coalesce(b.text, '')) > length(coalesce(a.text, ''))"
    ),
}
"""The pair condition of each filter walked from A (``a`` is the walked side)."""


@dataclass(frozen=True)
class CompareFilter:
    """What a comparison shows: one :class:`Only` and a free-text search (either side)."""

    only: Only = Only.ALL
    search: str | None = None


@dataclass(frozen=True, slots=True)
class ComparedPair:
    """One custom_id and its result in each batch (``None``: not in that batch)."""

    custom_id: str
    a: RequestResult | None
    b: RequestResult | None


@dataclass(frozen=True)
class PairCounts:
    """How the two batches' results match up, counted in two scans."""

    outcomes: dict[tuple[ResultType | None, ResultType | None], int]
    """Pairs per (A's outcome, B's outcome); ``None`` where the custom_id is not in that batch."""
    differs: int
    b_longer: int

    def count(self, only: Only) -> int:
        """How many pairs a filter (without search) shows."""
        if only is Only.DIFFERS:
            return self.differs
        if only is Only.B_LONGER:
            return self.b_longer
        return sum(n for (a, b), n in self.outcomes.items() if _pair_matches(only, a, b))

    @property
    def in_both(self) -> int:
        return sum(n for (a, b), n in self.outcomes.items() if a is not None and b is not None)


def _pair_matches(only: Only, a: ResultType | None, b: ResultType | None) -> bool:
    ok = ResultType.SUCCEEDED
    return {
        Only.ALL: True,
        Only.ONLY_A: a is not None and b is None,
        Only.ONLY_B: a is None and b is not None,
        Only.A_FAILED: a is not None and a is not ok and b is ok,
        Only.B_FAILED: a is ok and b is not None and b is not ok,
    }[only]


def _side(batch_id: str, custom_id: str, row: Any, start: int) -> RequestResult | None:
    if row[start] is None:  # seq: no row on this side
        return None
    values = row[start + 1 : start + _WIDTH]
    kind, model, stop, error_type, error_message, text, *tokens = values
    return RequestResult(
        batch_id=batch_id,
        custom_id=custom_id,
        type=ResultType(kind),
        model=model,
        stop_reason=stop,
        error_type=error_type,
        error_message=error_message,
        text=text,
        usage=Usage(*tokens),
    )


class ComparisonRepository:
    """Reads of two batches' ``results`` rows matched on custom_id (see the module)."""

    def __init__(self, db: Database):
        self._db = db

    async def page(
        self,
        a: str,
        b: str,
        flt: CompareFilter = CompareFilter(),
        *,
        after: str | None = None,
        before: str | None = None,
        limit: int = 200,
    ) -> list[ComparedPair]:
        """Up to ``limit`` pairs in custom_id order, after or before a key (keyset paging)."""
        if after is not None:
            bound: tuple[str, str] | None = (">", after)
        elif before is not None:
            bound = ("<", before)
        else:
            bound = None
        descending = bound is not None and bound[0] == "<"
        sql, params = self._select(a, b, flt, bound, descending, limit, 0)
        pairs = self._pairs(a, b, await self._db.fetchall(sql, tuple(params)))
        return pairs[::-1] if descending else pairs

    async def page_at(
        self, a: str, b: str, flt: CompareFilter = CompareFilter(), *, offset: int, limit: int = 200
    ) -> list[ComparedPair]:
        """A page starting at pair ``offset`` (for jumps, where there is no key to page from)."""
        sql, params = self._select(a, b, flt, None, False, limit, max(offset, 0))
        return self._pairs(a, b, await self._db.fetchall(sql, tuple(params)))

    async def position(self, a: str, b: str, custom_id: str, flt: CompareFilter) -> int:
        """Index of the first pair at or after ``custom_id`` in the filtered order."""
        sql, params = self._select(a, b, flt, ("<", custom_id), False, -1, 0)
        return await self._db.fetch_int(f"SELECT count(*) FROM ({sql})", tuple(params))

    async def iterate(
        self, a: str, b: str, flt: CompareFilter = CompareFilter(), *, chunk: int = 2000
    ) -> AsyncIterator[ComparedPair]:
        """Every pair the filter shows, a page at a time (for the CLI's listing)."""
        after: str | None = None
        while True:
            pairs = await self.page(a, b, flt, after=after, limit=chunk)
            for pair in pairs:
                yield pair
            if len(pairs) < chunk:
                return
            after = pairs[-1].custom_id

    async def count(self, a: str, b: str, flt: CompareFilter = CompareFilter()) -> int:
        """How many pairs the filter shows."""
        search = self._search_query(flt)
        if flt.only is Only.ALL:
            if search is None:
                return await self._db.fetch_int(
                    "SELECT (SELECT count(*) FROM results WHERE batch_id = ?) + "
                    "(SELECT count(*) FROM results WHERE batch_id = ?) - "
                    "(SELECT count(*) FROM results x JOIN results y "
                    "ON y.batch_id = ? AND y.custom_id = x.custom_id WHERE x.batch_id = ?)",
                    (a, b, b, a),
                )
            keys, params = self._union_keys(a, b, search, None, False, -1, 0)
            return await self._db.fetch_int(f"SELECT count(*) FROM ({keys})", tuple(params))
        _walked, other, where, params = self._walk(a, b, flt.only, search, None)
        return await self._db.fetch_int(
            "SELECT count(*) FROM results a LEFT JOIN results b "
            f"ON b.batch_id = ? AND b.custom_id = a.custom_id WHERE {where}",
            (other, *params),
        )

    async def counts(self, a: str, b: str, *, chunk: int = 20_000) -> PairCounts:
        """Outcome pairs, texts that differ and longer B texts, over both batches.

        It reads every text of both batches, so it runs over ``chunk`` custom_ids of A at a
        time: a page asked for meanwhile waits for one chunk, not for the whole count."""
        outcomes: dict[tuple[ResultType | None, ResultType | None], int] = {}
        differs = longer = 0
        lower = ""
        while True:
            upper_row = await self._db.fetchone(
                "SELECT custom_id FROM results WHERE batch_id = ? AND custom_id > ? "
                "ORDER BY custom_id LIMIT 1 OFFSET ?",
                (a, lower, chunk - 1),
            )
            upper = None if upper_row is None else upper_row[0]
            in_range = "a.custom_id > ?" + ("" if upper is None else " AND a.custom_id <= ?")
            rows = await self._db.fetchall(
                "SELECT a.type, b.type, count(*), sum(a.text IS NOT b.text AND b.seq IS NOT NULL), "
                "sum(b.seq IS NOT NULL "
                "AND length(coalesce(b.text, '')) > length(coalesce(a.text, ''))) "
                "FROM results a LEFT JOIN results b "
                "ON b.batch_id = ? AND b.custom_id = a.custom_id "
                f"WHERE a.batch_id = ? AND {in_range} GROUP BY a.type, b.type",
                (b, a, lower) if upper is None else (b, a, lower, upper),
            )
            for kind_a, kind_b, n, n_differs, n_longer in rows:
                pair = (ResultType(kind_a), ResultType(kind_b) if kind_b is not None else None)
                outcomes[pair] = outcomes.get(pair, 0) + n
                differs += n_differs or 0
                longer += n_longer or 0
            if upper is None:
                break
            lower = upper
        only_b = await self._db.fetchall(
            "SELECT type, count(*) FROM results b WHERE batch_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM results a WHERE a.batch_id = ? AND a.custom_id = b.custom_id) "
            "GROUP BY type",
            (b, a),
        )
        for kind_b, n in only_b:
            outcomes[(None, ResultType(kind_b))] = n
        return PairCounts(outcomes, differs, longer)

    # --- SQL ---------------------------------------------------------------------------------

    @staticmethod
    def _search_query(flt: CompareFilter) -> str | None:
        """The FTS query of the search, ``""`` for a search that can match nothing."""
        if not flt.search:
            return None
        return fts_query(flt.search) or ""

    def _select(
        self,
        a: str,
        b: str,
        flt: CompareFilter,
        bound: tuple[str, str] | None,
        descending: bool,
        limit: int,
        offset: int,
    ) -> tuple[str, list[Any]]:
        """A page's SQL and its parameters, in the order of their ``?``."""
        search = self._search_query(flt)
        order = "DESC" if descending else "ASC"
        if flt.only is Only.ALL:
            keys, params = self._union_keys(a, b, search, bound, descending, limit, offset)
            sql = (
                f"SELECT k.custom_id, {_SELECT} FROM ({keys}) AS k "
                "LEFT JOIN results a ON a.batch_id = ? AND a.custom_id = k.custom_id "
                "LEFT JOIN results b ON b.batch_id = ? AND b.custom_id = k.custom_id "
                f"ORDER BY k.custom_id {order}"
            )
            return sql, [*params, a, b]
        walked, other, where, params = self._walk(a, b, flt.only, search, bound)
        # The walked side is aliased ``a``; for "only in B" that is batch B, so its columns
        # are swapped back into (A, B) order here.
        columns = _SELECT if walked == a else _SWAPPED_SELECT
        sql = (
            f"SELECT a.custom_id, {columns} FROM results a LEFT JOIN results b "
            f"ON b.batch_id = ? AND b.custom_id = a.custom_id WHERE {where} "
            f"ORDER BY a.custom_id {order} LIMIT ? OFFSET ?"
        )
        return sql, [other, *params, limit, offset]

    @staticmethod
    def _walk(
        a: str, b: str, only: Only, search: str | None, bound: tuple[str, str] | None
    ) -> tuple[str, str, str, list[Any]]:
        """(walked batch, looked-up batch, WHERE, its params) of a filter that walks one side;
        in the SQL the walked side is ``a`` and the other ``b``."""
        if only is Only.ONLY_B:
            walked, other, condition = b, a, "b.seq IS NULL"
        else:
            walked, other, condition = a, b, _CONDITIONS[only]
        where, params = f"a.batch_id = ? AND {condition}", [walked]
        if search == "":  # only punctuation typed: nothing can match
            where += " AND 0"
        elif search is not None:
            where += f" AND (a.{_SEARCH} OR b.{_SEARCH})"
            params += [search, search]
        if bound is not None:
            where += f" AND a.custom_id {bound[0]} ?"
            params.append(bound[1])
        return walked, other, where, params

    @staticmethod
    def _union_keys(
        a: str,
        b: str,
        search: str | None,
        bound: tuple[str, str] | None,
        descending: bool,
        limit: int,
        offset: int,
    ) -> tuple[str, list[Any]]:
        """The custom_ids of either batch (matching the search), in order, one page of them."""
        parts, params = [], []
        for batch_id in (a, b):
            part = "SELECT custom_id FROM results WHERE batch_id = ?"
            params.append(batch_id)
            if search == "":
                part += " AND 0"
            elif search is not None:
                part += f" AND {_SEARCH}"
                params.append(search)
            if bound is not None:
                part += f" AND custom_id {bound[0]} ?"
                params.append(bound[1])
            parts.append(part)
        order = "DESC" if descending else "ASC"
        sql = f"{parts[0]} UNION {parts[1]} ORDER BY 1 {order} LIMIT ? OFFSET ?"
        return sql, [*params, limit, offset]

    @staticmethod
    def _pairs(a: str, b: str, rows: list[Any]) -> list[ComparedPair]:
        pairs = []
        for row in rows:
            custom_id = row[0]
            pairs.append(
                ComparedPair(
                    custom_id, _side(a, custom_id, row, 1), _side(b, custom_id, row, 1 + _WIDTH)
                )
            )
        return pairs
