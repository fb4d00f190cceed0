"""``batchtui cache`` (how big the cache is, per profile and per batch) and ``batchtui cache
prune --older-than N`` (drop the raw JSON of batches that ended more than N days ago)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_command, open_cache
from tui.core.text import one_line

if TYPE_CHECKING:
    from tui.core.store.housekeeping import CacheUsage, PruneReport

SHOWN_BATCHES = 20
"""Batches listed by ``batchtui cache`` (the largest; ``--all`` lists every one)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    cache = add_command(
        subparsers,
        "cache",
        run_usage,
        help="the local cache's size per profile and per batch; `cache prune` to shrink it",
    )
    cache.add_argument("--all", action="store_true", help="list every batch, not the largest")
    actions = cache.add_subparsers(title="actions", metavar="ACTION")
    prune = actions.add_parser(
        "prune",
        help="drop the raw JSON of old batches, keeping their rows, costs and error groups",
        description="Drop the raw JSON of every batch that ended more than N days ago (its "
        "results complete), then compact the file. The normalised rows stay, so the lists, "
        "filters, search, costs and error groups are unchanged; the raw JSON tab and JSONL "
        "export of those batches then say that the raw JSON is not stored.",
    )
    prune.add_argument(
        "--older-than",
        type=_days,
        required=True,
        metavar="N",
        help="days since the batch ended",
    )
    prune.set_defaults(handler=run_prune)


def _days(text: str) -> float:
    value = float(text)
    if value < 0 or value != value:  # NaN
        raise argparse.ArgumentTypeError("N must be a number of days, 0 or more")
    return value


def run_usage(args: argparse.Namespace, context: Context) -> int:
    usage = asyncio.run(_usage(context))
    print(f"cache: {context.paths.database}, {size(usage.file_bytes)} on disk")
    if not usage.batches:
        print("no batches cached")
        return 0
    print(f"\n{'profile':<16} {'batches':>8} {'results':>10} {'raw JSON':>10} {'size':>10}")
    for profile in usage.by_profile():
        print(
            f"{one_line(profile.profile, 16):<16} {profile.batches:>8,} {profile.results:>10,} "
            f"{size(profile.raw_bytes):>10} {size(profile.estimated_bytes):>10}"
        )
    print_batches(usage, everything=args.all)
    return 0


def print_batches(usage: CacheUsage, *, everything: bool) -> None:
    shown = usage.batches if everything else usage.batches[:SHOWN_BATCHES]
    print(f"\n{'batch':<34} {'profile':<12} {'results':>10} {'raw JSON':>10} {'size':>10}  ended")
    for batch in shown:
        ended = batch.ended_at.strftime("%Y-%m-%d") if batch.ended_at else "-"
        raw = "pruned" if batch.pruned and not batch.raw_bytes else size(batch.raw_bytes)
        print(
            f"{one_line(batch.batch_id, 34):<34} {one_line(batch.profile, 12):<12} "
            f"{batch.results:>10,} {raw:>10} {size(batch.estimated_bytes):>10}  {ended}"
        )
    if len(shown) < len(usage.batches):
        print(f"... and {len(usage.batches) - len(shown):,} smaller (--all lists them)")
    print("(sizes per batch are estimates: raw JSON exactly, a share of the rest by results)")


def run_prune(args: argparse.Namespace, context: Context) -> int:
    cut_off = datetime.now(UTC) - timedelta(days=args.older_than)
    report = asyncio.run(_prune(context, cut_off))
    print(describe_prune(report, args.older_than))
    return 0


def describe_prune(report: PruneReport, days: float) -> str:
    freed = max(report.file_bytes_before - report.file_bytes_after, 0)
    if not report.results:
        note = f"; compacted the file ({size(freed)} freed)" if freed else ""
        return (
            f"nothing to prune: no batch that ended more than {days:g} days ago has raw JSON" + note
        )
    dropped = (
        f"dropped the raw JSON of {report.results:,} results in {report.batches:,} batches "
        f"({size(report.raw_bytes)})"
    )
    if not report.compacted:
        return (
            f"{dropped}; the file could not be compacted now (another batchtui is writing to "
            "it): the space is reused by later downloads"
        )
    freed = max(report.file_bytes_before - report.file_bytes_after, 0)
    return (
        f"{dropped}; the cache went from {size(report.file_bytes_before)} to "
        f"{size(report.file_bytes_after)} ({size(freed)} freed)"
    )


async def _usage(context: Context) -> CacheUsage:
    store = await open_cache(context)
    try:
        return await store.housekeeping.usage()
    finally:
        await store.close()


async def _prune(context: Context, cut_off: datetime) -> PruneReport:
    from tui.core.store import Store

    context.paths.ensure_data_dir()
    async with await Store.open(context.paths.database) as store:
        return await store.housekeeping.prune_raw(cut_off)


def size(count: int) -> str:
    """Bytes for a person: 812 B, 3.4 KB, 251.0 MB (powers of 1,000, as disks are sold)."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
