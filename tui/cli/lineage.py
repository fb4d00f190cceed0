"""``batchtui lineage ID``: a batch, its retries, and where each request stands after them all.

A retry is a new batch whose parent is the batch it retried; retries of retries make a tree.
This command walks it from the root (whichever member ``ID`` names) and keeps, per custom_id,
the outcome of the newest batch that sent it: a request that failed, was retried and then
succeeded counts once, as a success. What is left without a success is what still needs doing.
It reads the local cache only (run ``batchtui sync`` first for fresh results).

JSON output (``--json``) is stable: fields are only ever added::

    {
      "schema": 1,
      "root": "msgbatch_01...",
      "batches": [                                   # oldest first, the root first
        {"id": "msgbatch_01...", "parent_id": null, "status": "ended",
         "created_at": "2026-11-22T04:10:00Z", "requests": 100, "label": "nightly"}
      ],
      "requests": 100,                               # distinct custom_ids across the lineage
      "latest": {"succeeded": 97, "errored": 2, "expired": 0, "canceled": 0, "pending": 1},
      "missing": [                                   # custom_id order; every one without a success
        {"custom_id": "req-007", "outcome": "errored", "batch_id": "msgbatch_01..."}
      ]
    }

``pending`` is a request sent in a batch whose result is not in the cache yet (still running,
or not downloaded).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from tui.cli.batches import iso_utc
from tui.cli.common import Context, add_command, open_cache, print_json
from tui.core.models import Batch, ResultType

if TYPE_CHECKING:
    from tui.core.lineage import LineageOutcomes
from tui.core.text import one_line

OUTCOME_ORDER = (*(kind.value for kind in ResultType), "pending")
"""How outcomes are listed: succeeded, errored, canceled, expired, then pending."""

EXAMPLES = """\
examples:
  batchtui lineage msgbatch_01abc                  the tree and the latest outcome tally
  batchtui lineage msgbatch_01abc --missing        plus every request still without a success
  batchtui lineage msgbatch_01abc --json > lineage.json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "lineage",
        run_lineage,
        help="a batch and its retries: the latest outcome of every request",
        description="Follow a batch's retries (and the batch it retried) and tally the newest "
        "outcome of every request across them, from the local cache: what is still without a "
        "success after all the retries.",
        examples=EXAMPLES,
    )
    parser.add_argument("id", help="any batch of the lineage (a unique prefix is enough)")
    parser.add_argument(
        "--missing", action="store_true", help="list the requests still without a success"
    )
    parser.add_argument("--json", action="store_true", help="print the stable JSON document")


def run_lineage(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_lineage(args, context))


async def _lineage(args: argparse.Namespace, context: Context) -> int:
    from tui.core.lineage import latest_outcomes

    async with await open_cache(context) as store:
        lineage = await latest_outcomes(store, args.id)
    if args.json:
        document = lineage_json(lineage)
        print_json(document)
        return 0
    print("\n".join(_tree(lineage.root, lineage.batches)))
    print(_tally(lineage, listing=args.missing))
    if args.missing:
        for outcome in lineage.missing():
            kind = outcome.type.value if outcome.type else "pending"
            print(f"  {one_line(outcome.custom_id)}  {kind}  {outcome.batch_id}")
    return 0


def lineage_json(lineage: LineageOutcomes) -> dict[str, Any]:
    """The stable JSON form of a :class:`~tui.core.lineage.LineageOutcomes` (module docstring)."""
    counts = lineage.counts()
    return {
        "schema": 1,
        "root": lineage.root.id,
        "batches": [
            {
                "id": batch.id,
                "parent_id": batch.parent_id,
                "status": batch.status.value,
                "created_at": iso_utc(batch.created_at),
                "requests": batch.counts.total,
                "label": batch.label,
            }
            for batch in lineage.batches
        ],
        "requests": len(lineage.outcomes),
        "latest": {kind: counts.get(kind, 0) for kind in OUTCOME_ORDER},
        "missing": [
            {
                "custom_id": outcome.custom_id,
                "outcome": outcome.type.value if outcome.type else "pending",
                "batch_id": outcome.batch_id,
            }
            for outcome in lineage.missing()
        ],
    }


def _tree(root: Batch, batches: list[Batch]) -> list[str]:
    """One line per batch, indented under the batch it retried."""
    depth = {root.id: 0}
    for batch in batches:  # oldest first: a parent always comes before its retries
        if batch.id != root.id:
            depth[batch.id] = depth.get(batch.parent_id or "", 0) + 1
    label = f" ({one_line(root.label)})" if root.label else ""
    lines = [f"lineage of {root.id}{label}: {len(batches)} batch(es)"]
    for batch in batches:
        level = depth[batch.id]
        branch = "  " * level + ("└ " if level else "")
        created = batch.created_at.strftime("%Y-%m-%d %H:%M")
        lines.append(
            f"  {branch}{batch.id}  {batch.status.value:<11}  {created}  "
            f"{batch.counts.total:>7,} requests"
        )
    return lines


def _tally(lineage: LineageOutcomes, *, listing: bool) -> str:
    counts = lineage.counts()
    parts = [f"{counts[kind]:,} {kind}" for kind in OUTCOME_ORDER if counts.get(kind)]
    tally = lineage.tally()
    missing = tally.missing
    text = f"latest outcome of {tally.requests:,} request(s): {', '.join(parts) or 'none'}"
    if not missing:
        return f"{text}\nevery request has succeeded"
    hint = ":" if listing else " (--missing lists them)"
    return f"{text}\n{missing:,} request(s) still without a success{hint}"
