"""Compare two batches request by request ("eval: opus vs sonnet"): the shared core of the
compare screen and ``batchtui compare``.

Results are matched by ``custom_id`` in SQLite (:mod:`tui.core.store.comparison`: the join,
the filters, keyset pages). This module adds what both front ends show above the rows: each
side's outcomes, stop reasons, tokens and cost, how the outcomes pair up, and the stable JSON
document of ``batchtui compare --json``::

    {
      "schema": 1,
      "a": SIDE,
      "b": SIDE,
      "pairs": {"total": 120, "in_both": 116, "only_a": 0, "only_b": 4},
      "filters": {"only-a": 0, "only-b": 4, "a-failed": 2, "b-failed": 5,
                  "differs": 113, "b-longer": 57},
      "outcomes": [{"a": "succeeded", "b": "errored", "count": 5}, ...],   # null: not in it
      "total": {"requests": 236, "tokens": TOKENS, "paid_usd": 1.2345, "unpriced_requests": 0},
      "only": "differs" | null,       # the --only filter, when given
      "rows": [ROW, ...] | null       # the pairs --only selects, custom_id order; null without
    }

    SIDE = {"id": "msgbatch_01...", "label": "eval: opus" | null, "profile": "work",
            "provider": "anthropic", "status": "ended", "models": ["claude-opus-4-5"],
            "results": 120,           # results in the local cache
            "outcomes": {"succeeded": 118, "errored": 2, "canceled": 0, "expired": 0},
            "stop_reasons": {"end_turn": 110, "max_tokens": 8},
            "tokens": TOKENS,         # succeeded requests (the billed ones)
            "paid_usd": 0.61 | null,  # null when some model has no known price
            "unpriced_requests": 0}
    TOKENS = {"input": 0, "cache_write_5m": 0, "cache_write_1h": 0, "cache_read": 0, "output": 0}
    ROW = {"custom_id": "q-001", "a": RESULT | null, "b": RESULT | null}
    RESULT = {"outcome": "succeeded", "stop_reason": "end_turn", "error_type": null,
              "error_message": null, "text": "...", "input_tokens": 812, "output_tokens": 95}

Fields are only ever added, never renamed or removed. Strings are the provider's, unchanged
(``print_json`` escapes what could act on a terminal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tui.core.costs import Tally, tokens_by_class, usd
from tui.core.errors import BatchtuiError
from tui.core.known_models import canonical_models
from tui.core.models import Batch, RequestResult, ResultType
from tui.core.prices import PriceTable
from tui.core.store import Store
from tui.core.store.comparison import ComparedPair, CompareFilter, Only, PairCounts

__all__ = [
    "CompareFilter",
    "ComparedPair",
    "Comparison",
    "Only",
    "PairCounts",
    "SameBatchError",
    "Side",
    "compare",
    "pair_json",
]

JSON_SCHEMA_VERSION = 1


class SameBatchError(BatchtuiError):
    """Both ids name one batch: there is nothing to compare."""

    exit_code = 2


FILTER_LABELS: dict[Only, str] = {
    Only.ALL: "All",
    Only.ONLY_A: "Only in A",
    Only.ONLY_B: "Only in B",
    Only.A_FAILED: "A failed / B ok",
    Only.B_FAILED: "B failed / A ok",
    Only.DIFFERS: "Texts differ",
    Only.B_LONGER: "B longer",
}
"""What the screen's tabs and the CLI's summary call each filter."""


@dataclass
class Side:
    """One batch of a comparison: what it is and what its cached results add up to."""

    batch: Batch
    outcomes: dict[ResultType, int]
    stop_reasons: dict[str, int]
    cost: Tally
    """Tokens and cost of its succeeded (billed) requests."""

    @property
    def results(self) -> int:
        return sum(self.outcomes.values())

    @property
    def paid(self) -> Decimal | None:
        """What it cost, or None when some request's model has no known price."""
        return self.cost.known_paid

    def to_json(self) -> dict[str, Any]:
        batch, paid = self.batch, self.paid
        return {
            "id": batch.id,
            "label": batch.label,
            "profile": batch.profile,
            "provider": batch.provider.value,
            "status": batch.status.value,
            "models": list(canonical_models(batch.models)),
            "results": self.results,
            "outcomes": {kind.value: self.outcomes.get(kind, 0) for kind in ResultType},
            "stop_reasons": dict(self.stop_reasons),
            "tokens": tokens_by_class(self.cost.usage),
            "paid_usd": None if paid is None else usd(paid),
            "unpriced_requests": self.cost.unpriced_requests,
        }


@dataclass
class Comparison:
    """Two batches matched on custom_id: both sides and how their outcomes pair up."""

    a: Side
    b: Side
    pairs: PairCounts
    total: Tally = field(init=False)
    """Both sides' tokens and cost added up."""

    def __post_init__(self) -> None:
        self.total = Tally(key="total")
        self.total.merge(self.a.cost)
        self.total.merge(self.b.cost)

    def count(self, only: Only) -> int:
        """How many pairs a filter (without search) shows."""
        return self.pairs.count(only)

    def to_json(
        self, only: Only | None = None, rows: list[ComparedPair] | None = None
    ) -> dict[str, Any]:
        """The ``batchtui compare --json`` document (module docstring)."""
        paid = self.total.known_paid
        return {
            "schema": JSON_SCHEMA_VERSION,
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "pairs": {
                "total": self.count(Only.ALL),
                "in_both": self.pairs.in_both,
                "only_a": self.count(Only.ONLY_A),
                "only_b": self.count(Only.ONLY_B),
            },
            "filters": {only.value: self.count(only) for only in Only if only is not Only.ALL},
            "outcomes": [
                {"a": _value(a), "b": _value(b), "count": n}
                for (a, b), n in sorted(self.pairs.outcomes.items(), key=_outcome_order)
            ],
            "total": {
                "requests": self.total.requests,
                "tokens": tokens_by_class(self.total.usage),
                "paid_usd": None if paid is None else usd(paid),
                "unpriced_requests": self.total.unpriced_requests,
            },
            "only": only.value if only is not None else None,
            "rows": None if rows is None else [pair_json(pair) for pair in rows],
        }


def _value(kind: ResultType | None) -> str | None:
    return None if kind is None else kind.value


PairKey = tuple[ResultType | None, ResultType | None]
_KIND_ORDER = {kind: index for index, kind in enumerate(ResultType)}


def _outcome_order(item: tuple[PairKey, int]) -> tuple[int, int]:
    (a, b), _count = item
    return _rank(a), _rank(b)


def _rank(kind: ResultType | None) -> int:
    return len(_KIND_ORDER) if kind is None else _KIND_ORDER[kind]


def result_json(result: RequestResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "outcome": result.type.value,
        "stop_reason": result.stop_reason,
        "error_type": result.error_type,
        "error_message": result.error_message,
        "text": result.text,
        "input_tokens": result.usage.prompt_tokens,
        "output_tokens": result.usage.output_tokens,
    }


def pair_json(pair: ComparedPair) -> dict[str, Any]:
    return {"custom_id": pair.custom_id, "a": result_json(pair.a), "b": result_json(pair.b)}


async def compare(store: Store, prices: PriceTable, a_id: str, b_id: str) -> Comparison:
    """Match two cached batches (ids or unique prefixes) and add up both sides.

    Raises :class:`~tui.core.errors.NotFoundError` for an unknown or ambiguous id, and
    :class:`SameBatchError` when both name the same batch."""
    batch_a = await store.batches.find(a_id)
    batch_b = await store.batches.find(b_id)
    if batch_a.id == batch_b.id:
        raise SameBatchError(f"both ids name the same batch, {batch_a.id}: give two batches")
    return await compare_batches(store, prices, batch_a, batch_b)


async def compare_batches(
    store: Store, prices: PriceTable, batch_a: Batch, batch_b: Batch
) -> Comparison:
    """:func:`compare` for two batches already read (the TUI has them)."""
    from tui.core.cost_report import build_report  # the cost modules, on first use

    report = await build_report(
        store, prices, group_by="batch", batch_ids=[batch_a.id, batch_b.id], estimates=False
    )
    tallies = {row.key: row for row in report.rows}
    sides = []
    for batch in (batch_a, batch_b):
        outcomes = await store.results.counts_by_type(batch.id)
        stop_reasons = await store.results.distinct_values(batch.id, "stop_reason")
        cost = tallies.get(batch.id) or Tally(key=batch.id)
        sides.append(Side(batch, outcomes, stop_reasons, cost))
    pairs = await store.comparison.counts(batch_a.id, batch_b.id)
    return Comparison(sides[0], sides[1], pairs)
