"""``batchtui cost``: what batches really cost, and what batching and caching saved.

Reads the local cache only (no network): run ``batchtui sync`` first to fetch new results.
Only succeeded requests are billed. Prices come from the shipped table ``tui/core/prices.toml``
plus ``[prices."model"]`` overrides in the config file; each batch is priced at the rates of its
creation day (UTC). Models without a known price are counted as *unpriced*, never as $0.

Usage::

    batchtui cost [--by batch|model|label|profile|day|month] [--since DATE] [--profile P] [--json]

``--since`` takes ``2026-11-01``, ``2026-11`` (the first of that month) or ``7d`` (days ago).

JSON output (``--json``), schema 1. Money is USD rounded to micro-dollars; new keys may be added,
existing ones keep their meaning::

    {
      "schema": 1,
      "currency": "USD",
      "group_by": "model",
      "filters": {"since": "2026-11-01" | null, "profile": "work" | null},
      "batches": 12,                      # batches in the filter
      "totals": TALLY,                    # real cost of every succeeded request
      "rows": [TALLY, ...],               # one per group (batch rows of running batches are
                                          # estimates, "estimate": true)
      "by_model": [TALLY, ...],
      "daily_paid_usd": [["2026-11-01", 1.25], ...],   # per creation day, gaps filled with 0
      "estimate": TALLY | null,           # running batches: input ≈ chars/4, output = max_tokens
      "unestimated_batches": ["..."],     # running, no stored params (submitted elsewhere); their
                                          # batch rows have "estimate": true and 0 requests
      "batches_without_results": ["msgbatch_..."],     # ended, results not downloaded yet
      "warnings": ["..."]                 # price overrides that could not be used
    }

    TALLY = {
      "key": "claude-haiku-4-5",          # batch id, model, label, profile, YYYY-MM-DD, YYYY-MM
      "title": "nightly" | null,          # a batch's label
      "estimate": false,
      "requests": 120,                    # succeeded requests, priced or not
      "unpriced_requests": 0,
      "unpriced_models": [],
      "unofficial_models": [],            # priced with third-party-only rates
      "tokens": {"input": 0, "cache_write_5m": 0, "cache_write_1h": 0,
                 "cache_read": 0, "output": 0},
      "paid_usd": 0.0,                    # batch prices (50 % off every token class)
      "standard_usd": 0.0,                # the same tokens at synchronous prices
      "batch_saving_usd": 0.0,            # standard - paid
      "cache_saving_usd": 0.0,            # vs cache tokens billed at the input rate (batch
                                          # prices; negative when writes were never read)
      "paid_by_class_usd": {"input": 0.0, ...},
      "cache_hit_rate": 0.42 | null       # cache_read / all prompt tokens
    }
"""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_command, open_cache, print_json
from tui.core.costs import GROUPINGS
from tui.core.errors import ConfigError
from tui.core.models import utcnow
from tui.core.text import one_line
from tui.display.presentation import money as format_usd
from tui.display.presentation import rate as format_rate

if TYPE_CHECKING:
    from tui.core.cost_report import CostReport
    from tui.core.costs import Tally

EXAMPLES = """\
examples:
  batchtui cost                        every cached batch, newest first
  batchtui cost --by model --since 7d  last week's spend per model
  batchtui cost --by month --json      machine-readable monthly totals
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "cost",
        run,
        help="cost tallies by batch, model, label, profile or day",
        description="Cost of cached results: paid at batch prices, the standard price, and what "
        "the batch discount and prompt caching saved. Reads the local cache only.",
        examples=EXAMPLES,
    )
    parser.add_argument("--by", choices=GROUPINGS, default="batch", help="grouping (batch)")
    parser.add_argument(
        "--since", metavar="DATE", type=parse_since, help="YYYY-MM-DD, YYYY-MM or Nd (days ago)"
    )
    parser.add_argument("--profile", metavar="P", help="only this profile's batches")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def parse_since(text: str, today: date | None = None) -> date:
    """``2026-11-01``, ``2026-11`` or ``7d`` as a date (argparse type)."""
    today = today or utcnow().date()
    if match := re.fullmatch(r"(\d+)d", text):
        return today - timedelta(days=int(match[1]))
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return date.fromisoformat(text + "-01")
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (use YYYY-MM-DD, YYYY-MM or Nd)"
        ) from None


def run(args: argparse.Namespace, context: Context) -> int:
    report = asyncio.run(_build(args, context))
    if args.profile and not report.batch_count and args.profile not in context.config.profiles:
        # Neither configured nor in the cache: most likely a typo, so say so rather than $0.
        context.config.profile(args.profile)
    if args.json:
        print_json(report.to_json())
    else:
        print(render_table(report))
    return 0


async def _build(args: argparse.Namespace, context: Context) -> CostReport:
    from tui.core.cost_report import build_report
    from tui.core.prices import load_price_table

    try:
        prices = load_price_table(context.config.price_overrides)
    except (KeyError, ValueError) as exc:  # a malformed shipped table is a bug, say so
        raise ConfigError(f"cannot read the price table: {exc}") from None
    async with await open_cache(context) as store:
        return await build_report(
            store, prices, group_by=args.by, since=args.since, profile=args.profile
        )


# --- Table output ----------------------------------------------------------------------------

HEADERS = ("paid", "standard", "batch saving", "cache saving", "hit rate", "unpriced")


def _cells(tally: Tally) -> list[str]:
    if tally.estimate and not tally.requests:  # running, and we hold no params to estimate
        return ["?", "?", "?", "", "-", ""]
    rate = tally.hit_rate
    mark = "~" if tally.estimate else ""
    return [
        mark + format_usd(tally.paid),
        mark + format_usd(tally.standard),
        mark + format_usd(tally.batch_saving),
        "" if tally.estimate else format_usd(tally.cache_saving),
        "-" if tally.estimate else format_rate(rate),
        f"{tally.unpriced_requests} req" if tally.unpriced_requests else "",
    ]


def _name(tally: Tally) -> str:
    name = one_line(f"{tally.key}  {tally.title}" if tally.title else tally.key)
    if tally.estimate:
        name += "  (estimate)" if tally.requests else "  (running)"
    return name


def render_table(report: CostReport) -> str:
    """The report as an aligned text table with a TOTAL line and notes under it."""
    head = [report.group_by, "requests", *HEADERS]
    body = [[_name(t), str(t.requests), *_cells(t)] for t in report.rows]
    total = ["TOTAL", str(report.totals.requests), *_cells(report.totals)]
    table = [head, *body, total]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "-" * len(line(head))
    lines = [line(head), rule, *(line(r) for r in body), rule, line(total)]
    return "\n".join(lines + _notes(report))


def _notes(report: CostReport) -> list[str]:
    notes = []
    if report.estimate is not None:
        notes.append(
            f"running batches: up to ~{format_usd(report.estimate.paid)} more "
            "(estimate from stored params; not in TOTAL)"
        )
    if report.unestimated_batches:
        notes.append(
            f"{len(report.unestimated_batches)} running batch(es) submitted elsewhere: "
            "cost unknown until they end"
        )
    if report.totals.unpriced_models:
        models = one_line(", ".join(sorted(report.totals.unpriced_models)), limit=2000)
        notes.append(
            f"unpriced: {report.totals.unpriced_requests} requests of {models} "
            '(add [prices."<model>"] to the config file)'
        )
    if report.totals.unofficial_models:
        models = one_line(", ".join(sorted(report.totals.unofficial_models)), limit=2000)
        notes.append(f"third-party prices used for: {models}")
    if report.batches_without_results:
        notes.append(
            f"{len(report.batches_without_results)} ended batch(es) not counted: results not "
            "downloaded yet (run `batchtui sync`)"
        )
    notes.extend(f"warning: {one_line(w, limit=2000)}" for w in report.warnings)
    if not report.batch_count:
        notes.append("no batches in the local cache match (run `batchtui sync`)")
    return ["", *notes] if notes else []
