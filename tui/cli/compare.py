"""``batchtui compare A B``: two batches request by request (the same custom_ids, two models).

Reads the local cache only (run ``batchtui sync`` first). Prints each side's outcomes, stop
reasons, tokens and cost, and how the outcomes pair up; ``--only`` adds the matching requests,
one line each. ``--json`` prints the stable document described in :mod:`tui.core.compare`.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_command, open_cache, print_json
from tui.core.known_models import canonical_models
from tui.core.models import RequestResult, ResultType
from tui.core.store.comparison import ComparedPair, CompareFilter, Only
from tui.core.text import one_line
from tui.display.presentation import money

if TYPE_CHECKING:
    from tui.core.compare import Comparison, Side

EXAMPLES = """\
examples:
  batchtui compare msgbatch_01abc msgbatch_01def          tallies side by side
  batchtui compare 01abc 01def --only b-failed            plus every request B failed and A did not
  batchtui compare A B --only differs --json > diff.json  the pairs whose texts differ, as JSON
"""
# The ids in the second example are unique prefixes of the full ids (msgbatch_ may be left out
# only if the prefix still names one batch: prefixes match from the start of the id).

ONLY_CHOICES = tuple(only.value for only in Only if only is not Only.ALL)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "compare",
        run,
        help="compare two batches request by request (matched on custom_id)",
        description="Match two cached batches' results on custom_id and compare them: "
        "outcomes, stop reasons, tokens and cost per side, and which requests failed on one "
        "side only or answered differently. Reads the local cache only.",
    )
    parser.epilog = EXAMPLES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("a", metavar="A", help="batch A: an id or a unique prefix of one")
    parser.add_argument("b", metavar="B", help="batch B")
    parser.add_argument(
        "--only",
        choices=ONLY_CHOICES,
        help="also list the requests: only in A or B, A or B failed where the other "
        "succeeded, texts that differ, or B's text longer",
    )
    parser.add_argument("--json", action="store_true", help="print the stable JSON document")


def run(args: argparse.Namespace, context: Context) -> int:
    from tui.core.compare import FILTER_LABELS  # with the comparison, not at every start

    comparison, rows = asyncio.run(_compare(args, context))
    only = Only(args.only) if args.only else None
    if args.json:
        print_json(comparison.to_json(only, rows))
        return 0
    print(render_summary(comparison))
    if only is not None and rows is not None:
        print(f"\n{FILTER_LABELS[only]}: {len(rows):,} request(s)")
        for pair in rows:
            print(render_pair(pair))
    return 0


async def _compare(
    args: argparse.Namespace, context: Context
) -> tuple[Comparison, list[ComparedPair] | None]:
    from tui.core.compare import compare
    from tui.core.prices import load_price_table

    prices = load_price_table(context.config.price_overrides)
    async with await open_cache(context) as store:
        comparison = await compare(store, prices, args.a, args.b)
        rows = None
        if args.only:
            a, b = comparison.a.batch.id, comparison.b.batch.id
            flt = CompareFilter(Only(args.only))
            rows = [pair async for pair in store.comparison.iterate(a, b, flt)]
    return comparison, rows


# --- text output -----------------------------------------------------------------------------


def _side_lines(side: Side, name: str) -> str:
    batch = side.batch
    label = f"  {one_line(batch.label, 60)}" if batch.label else ""
    models = one_line(", ".join(canonical_models(batch.models)), 80) or "?"
    return f"{name}  {batch.id}{label}  ({models}, {batch.status.value})"


def render_summary(comparison: Comparison) -> str:
    """Both sides' tallies in two columns, then how the requests pair up."""
    from tui.core.compare import FILTER_LABELS

    a, b = comparison.a, comparison.b
    rows: list[tuple[str, str, str]] = [("results", f"{a.results:,}", f"{b.results:,}")]
    for kind in ResultType:
        rows.append((kind.value, f"{a.outcomes.get(kind, 0):,}", f"{b.outcomes.get(kind, 0):,}"))
    for reason in sorted(set(a.stop_reasons) | set(b.stop_reasons)):
        name = f"stop: {one_line(reason, 30)}"
        rows.append(
            (name, f"{a.stop_reasons.get(reason, 0):,}", f"{b.stop_reasons.get(reason, 0):,}")
        )
    usage_a, usage_b = a.cost.usage, b.cost.usage
    rows.append(("input tokens", f"{usage_a.prompt_tokens:,}", f"{usage_b.prompt_tokens:,}"))
    rows.append(("output tokens", f"{usage_a.output_tokens:,}", f"{usage_b.output_tokens:,}"))
    rows.append(("paid", _money(a), _money(b)))
    width = max(len(r[0]) for r in rows)
    cells = max(len(c) for r in rows for c in r[1:])
    lines = [_side_lines(a, "A"), _side_lines(b, "B"), ""]
    lines.append(f"{'':<{width}}  {'A':>{cells}}  {'B':>{cells}}")
    lines += [f"{n:<{width}}  {x:>{cells}}  {y:>{cells}}" for n, x, y in rows]
    total = comparison.total.known_paid
    lines.append(f"total paid: {money(total) if total is not None else 'unknown (unpriced)'}")
    count = comparison.count
    lines.append(
        f"\n{count(Only.ALL):,} custom_id(s): {comparison.pairs.in_both:,} in both, "
        f"{count(Only.ONLY_A):,} only in A, {count(Only.ONLY_B):,} only in B"
    )
    lines.append(
        "  ".join(
            f"{FILTER_LABELS[only]}: {count(only):,}"
            for only in (Only.A_FAILED, Only.B_FAILED, Only.DIFFERS, Only.B_LONGER)
        )
    )
    return "\n".join(lines)


def _money(side: Side) -> str:
    paid = side.paid
    return money(paid) if paid is not None else "unknown"


def _outcome(result: RequestResult | None) -> str:
    if result is None:
        return "-"
    if result.type is ResultType.SUCCEEDED:
        return f"{one_line(result.stop_reason, 20) or 'succeeded'} ({len(result.text or ''):,} ch)"
    return one_line(result.error_type, 30) or result.type.value


def render_pair(pair: ComparedPair) -> str:
    """One request: its custom_id, then A's and B's outcome (stop reason and length)."""
    return f"  {one_line(pair.custom_id, 80)}  A: {_outcome(pair.a)}  B: {_outcome(pair.b)}"
