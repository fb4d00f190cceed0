"""Cost roll-ups from the local cache: one :class:`CostReport` for the CLI and the TUI pane.

Totals come from :meth:`ResultRepository.usage_groups`, which sums tokens in SQL per batch, model
and prompt-size band, so a report over 100,000 requests prices a few dozen groups rather than
100,000 rows. Each group is priced at the rates of its batch's creation day (UTC) and of its
long-prompt tier, then folded into the requested grouping.

Batches still running have no results yet; their cost is *estimated* from the stored params
(input ≈ characters / 4, output at most ``max_tokens``), which makes it an upper bound on output,
and is always kept apart from the real totals with ``estimate=True``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import orjson

from tui.core.costs import GROUPINGS, UNKNOWN_MODEL, Tally, usd
from tui.core.known_models import canonical_model
from tui.core.models import Batch, ResultsState, Usage
from tui.core.prices import PriceTable
from tui.core.store import Store, UsageGroup

__all__ = ["GROUPINGS", "CostReport", "build_report", "estimate_usage"]

NO_LABEL = "(no label)"
_MAX_IDS_IN_QUERY = 5000
JSON_SCHEMA_VERSION = 1

# Keys of a request's params whose text makes up the prompt, for both providers.
_PROMPT_KEYS = ("system", "messages", "tools", "input", "instructions", "prompt")
_OUTPUT_LIMIT_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


@dataclass
class CostReport:
    """Cost of the batches in a filter, grouped one way, with the breakdowns every view needs."""

    group_by: str
    totals: Tally
    """Real cost of every succeeded request in the filter (estimates excluded)."""
    rows: list[Tally]
    """One tally per group; with ``group_by="batch"``, running batches appear as estimates."""
    by_model: list[Tally]
    by_day: list[Tally]
    """Real cost per creation day (UTC), oldest first, days without batches left out."""
    estimate: Tally | None = None
    """Forecast for the running batches in the filter, or ``None`` when there are none."""
    unestimated_batches: list[str] = field(default_factory=list)
    """Running batches without stored params (submitted elsewhere): their cost is unknown."""
    batch_count: int = 0
    batches_without_results: list[str] = field(default_factory=list)
    """Ended batches with successes whose results are not (all) in the cache: not counted yet."""
    since: date | None = None
    profile: str | None = None
    warnings: tuple[str, ...] = ()

    def daily_paid(self) -> list[tuple[date, Decimal]]:
        """Spend per day from the first to the last day with batches, gaps filled with zero
        (what a chart of spend over time needs)."""
        if not self.by_day:
            return []
        paid = {date.fromisoformat(t.key): t.paid for t in self.by_day}
        first, last = min(paid), max(paid)
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return [(day, paid.get(day, Decimal(0))) for day in days]

    def to_json(self) -> dict[str, Any]:
        """The ``batchtui cost --json`` document (its format is described in ``tui.cli.cost``)."""
        return {
            "schema": JSON_SCHEMA_VERSION,
            "currency": "USD",
            "group_by": self.group_by,
            "filters": {
                "since": self.since.isoformat() if self.since else None,
                "profile": self.profile,
            },
            "batches": self.batch_count,
            "totals": self.totals.to_json(),
            "rows": [row.to_json() for row in self.rows],
            "by_model": [row.to_json() for row in self.by_model],
            "daily_paid_usd": [[day.isoformat(), usd(paid)] for day, paid in self.daily_paid()],
            "estimate": self.estimate.to_json() if self.estimate else None,
            "unestimated_batches": self.unestimated_batches,
            "batches_without_results": self.batches_without_results,
            "warnings": list(self.warnings),
        }


async def build_report(
    store: Store,
    prices: PriceTable,
    *,
    group_by: str = "batch",
    since: date | None = None,
    profile: str | None = None,
    batch_ids: Iterable[str] | None = None,
    estimates: bool = True,
    estimate_cache: dict[tuple[str, int], Tally | None] | None = None,
) -> CostReport:
    """Price the cached results of the batches that pass the filters.

    Args:
        group_by: one of :data:`GROUPINGS`.
        since: only batches created on or after this day (UTC).
        profile: only this profile's batches.
        batch_ids: only these batches (the TUI passes the ones its filter shows).
        estimates: forecast running batches from their stored params.
        estimate_cache: a dict the caller keeps between calls, so a running batch's params are
            read once per request count rather than on every refresh.
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"cannot group costs by {group_by!r} (choose from {GROUPINGS})")
    batches = await _batches_in_filter(store, since, profile, batch_ids)
    by_id = {b.id: b for b in batches}
    unfiltered = batch_ids is None and since is None and profile is None
    # Past a few thousand ids, summing every batch and dropping groups here is cheaper than a
    # huge IN list (and stays under SQLite's limit on bound variables).
    groups = await store.results.usage_groups(
        batch_ids=None if unfiltered or len(by_id) > _MAX_IDS_IN_QUERY else by_id,
        tier_thresholds=prices.tier_thresholds,
    )
    groups = [g for g in groups if g.batch_id in by_id]
    key_of = _key_function(group_by)
    folded = _fold(groups, by_id, prices, key_of)
    running = [b for b in batches if not b.is_terminal]
    forecasts = {}
    if estimates:
        forecasts = {b.id: await _estimate(store, b, prices, estimate_cache) for b in running}
    estimate_rows = [tally for tally in forecasts.values() if tally is not None]
    if group_by == "batch":
        rows = _batch_rows(batches, folded, estimate_rows)
    else:
        rows = _sorted_rows(group_by, folded)
    return CostReport(
        group_by=group_by,
        totals=_total(_fold(groups, by_id, prices, lambda b, m: ("all", "")).values()),
        rows=rows,
        by_model=_sorted_rows("model", _fold(groups, by_id, prices, _key_function("model"))),
        by_day=_sorted_rows("day", _fold(groups, by_id, prices, _key_function("day"))),
        estimate=_total(estimate_rows, estimate=True) if estimate_rows else None,
        unestimated_batches=[batch_id for batch_id, t in forecasts.items() if t is None],
        batch_count=len(batches),
        batches_without_results=[b.id for b in batches if _results_missing(b)],
        since=since,
        profile=profile,
        warnings=prices.warnings,
    )


async def _batches_in_filter(
    store: Store, since: date | None, profile: str | None, batch_ids: Iterable[str] | None
) -> list[Batch]:
    batches = await store.batches.list(profile=profile)
    if since is not None:
        batches = [b for b in batches if b.created_at.date() >= since]
    if batch_ids is not None:
        wanted = set(batch_ids)
        batches = [b for b in batches if b.id in wanted]
    return batches


KeyFunction = Callable[[Batch, str | None], tuple[str, str]]


def _key_function(group_by: str) -> KeyFunction:
    """How a (batch, model) pair maps to a group: ``(key, title)``."""
    keys: dict[str, KeyFunction] = {
        "batch": lambda b, m: (b.id, b.label or ""),
        # A dated snapshot id (what the APIs answer with) counts under its model.
        "model": lambda b, m: (canonical_model(m) if m else UNKNOWN_MODEL, ""),
        "label": lambda b, m: (b.label or NO_LABEL, ""),
        "profile": lambda b, m: (b.profile, ""),
        "day": lambda b, m: (b.created_at.date().isoformat(), ""),
        "month": lambda b, m: (b.created_at.strftime("%Y-%m"), ""),
    }
    return keys[group_by]


def _fold(
    groups: list[UsageGroup],
    by_id: dict[str, Batch],
    prices: PriceTable,
    key_of: KeyFunction,
) -> dict[str, Tally]:
    """Price each usage group at its batch's day and tier, and sum the groups per key."""
    tallies: dict[str, Tally] = {}
    for group in groups:
        batch = by_id[group.batch_id]
        key, title = key_of(batch, group.model)
        tally = tallies.setdefault(key, Tally(key=key, title=title))
        quote = prices.quote_tier(group.model, batch.created_at.date(), group.tier)
        tally.add(group.requests, group.usage, group.model, quote, prices.batch_discount)
    return tallies


def _total(tallies: Iterable[Tally], *, estimate: bool = False) -> Tally:
    total = Tally(key="total", estimate=estimate)
    for tally in tallies:
        total.merge(tally)
    return total


def _sorted_rows(group_by: str, tallies: dict[str, Tally]) -> list[Tally]:
    """Time groupings oldest first; the others by spend, largest first."""
    if group_by in ("day", "month"):
        return [tallies[key] for key in sorted(tallies)]
    return sorted(tallies.values(), key=lambda t: (-t.paid, -t.requests, t.key))


def _batch_rows(
    batches: list[Batch], actual: dict[str, Tally], estimates: list[Tally]
) -> list[Tally]:
    """Every batch in the filter, newest first: real cost, or an estimate while it runs (one
    with no stored params is an empty estimate: ``estimate=True`` and no requests, unknown)."""
    estimated = {t.key: t for t in estimates}
    rows = []
    for batch in batches:
        row = actual.get(batch.id) or estimated.get(batch.id)
        if row is None:
            row = Tally(key=batch.id, title=batch.label or "", estimate=not batch.is_terminal)
        rows.append(row)
    return rows


def _results_missing(batch: Batch) -> bool:
    return (
        batch.is_terminal
        and batch.counts.succeeded > 0
        and batch.results_state is not ResultsState.COMPLETE
    )


# --- Estimates for running batches ----------------------------------------------------------


async def _estimate(
    store: Store,
    batch: Batch,
    prices: PriceTable,
    cache: dict[tuple[str, int], Tally | None] | None,
) -> Tally | None:
    """Forecast a running batch's cost from its stored params (an upper bound on output);
    ``None`` when no params are stored (a batch submitted by another tool)."""
    cache_key = (batch.id, batch.counts.total)
    if cache is not None and cache_key in cache:
        return cache[cache_key]
    # Sum per (model, tier band) first and price each sum once, as usage_groups does in SQL:
    # Decimal arithmetic per request would dominate on a 100,000-request batch.
    sums: dict[tuple[str | None, int], tuple[int, Usage]] = {}
    async for _custom_id, body in store.requests.iterate(batch.id):
        model, usage = estimate_usage(body)
        key = (model, prices.band_of(usage.prompt_tokens))
        count, total = sums.get(key, (0, Usage()))
        sums[key] = (count + 1, total + usage)
    tally = _price_sums(batch, sums, prices) if sums else None
    if cache is not None:
        cache[cache_key] = tally
    return tally


def _price_sums(
    batch: Batch, sums: dict[tuple[str | None, int], tuple[int, Usage]], prices: PriceTable
) -> Tally:
    tally = Tally(key=batch.id, title=batch.label or "", estimate=True)
    for (model, band), (count, usage) in sums.items():
        quote = prices.quote_tier(model, batch.created_at.date(), band)
        tally.add(count, usage, model, quote, prices.batch_discount)
    return tally


def estimate_usage(params_json: bytes) -> tuple[str | None, Usage]:
    """Model and likely usage of one request from its params: input ≈ prompt characters / 4,
    output = its ``max_tokens`` (the most it can cost). Caching is not predicted."""
    try:
        params = orjson.loads(params_json)
    except orjson.JSONDecodeError:
        return None, Usage()
    if not isinstance(params, dict):
        return None, Usage()
    # OpenAI batch lines keep the request under "body"; Anthropic params are the request.
    params = params.get("body", params) if isinstance(params.get("body"), dict) else params
    chars = sum(_text_length(params.get(key)) for key in _PROMPT_KEYS)
    limit = next((params[k] for k in _OUTPUT_LIMIT_KEYS if isinstance(params.get(k), int)), 0)
    model = params.get("model") if isinstance(params.get("model"), str) else None
    return model, Usage(input_tokens=max(1, (chars + 3) // 4) if chars else 0, output_tokens=limit)


def _text_length(value: Any) -> int:
    """Characters of text in a prompt structure (strings anywhere inside it)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(_text_length(item) for item in value)
    if isinstance(value, dict):
        return sum(_text_length(item) for key, item in value.items() if key != "cache_control")
    return 0
