"""``batchtui sync|ls|show|watch``: the cache and the sync engine from a shell.

``ls`` and ``show`` read the local cache only (no network, no key needed) unless ``ls --refresh``.

JSON output (``ls --json``, ``show --json``) is stable: fields are only ever added. One batch::

    {
      "id": "msgbatch_01...",          "profile": "work",
      "provider": "anthropic",         # or "openai"
      "status": "ended",               # validating|in_progress|finalizing|canceling|ended|
                                       # canceled|expired|failed (same words for both providers)
      "provider_status": "ended",      # the provider's own word
      "counts": {"processing": 0, "succeeded": 98, "errored": 2, "canceled": 0, "expired": 0,
                 "total": 100},
      "created_at": "2026-11-22T04:10:00Z",   # ISO 8601 UTC; null when unknown or not reached
      "expires_at": "...", "ended_at": "...", "cancel_initiated_at": null, "archived_at": null,
      "endpoint": null,                # OpenAI's endpoint, e.g. "/v1/chat/completions"
      "models": ["claude-haiku-4-5"],
      "label": null, "notes": null, "source": null, "parent_id": null,
      "results_state": "complete"      # none|partial|complete|unavailable (the local copy)
    }

``ls --json`` prints an array of these, newest first. ``show --json`` prints one, plus
``"results": {"stored": N, "by_type": {"succeeded": N, ...}}`` and ``"raw"`` (the provider's
own JSON for the batch, as last seen).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.cli.call_lines import add_log_calls_argument, call_log_for
from tui.cli.common import Context, add_command, open_cache, print_json
from tui.core.errors import ConfigError, PartialFailure, ProviderError
from tui.core.events import (
    BatchChanged,
    ProfileHealth,
    ProfileStatus,
    ProfileStatusChanged,
    ResultsProgress,
    SyncEvent,
)
from tui.core.known_models import canonical_models
from tui.core.models import Batch, BatchStatus, ResultType
from tui.core.store import Store
from tui.core.text import one_line

if TYPE_CHECKING:
    # Loaded by the commands that poll, not by every start of `batchtui` (the TUI among them).
    from tui.cli.watch_ends import WatchEnds
    from tui.core.session import Session

SHOWN_REASONS = 5
"""Failure reasons ``show`` lists (an invalid file can have one per line)."""

ACTIVE = "active"
"""``ls --status active``: every status that is not terminal."""


def register(subparsers: argparse._SubParsersAction) -> None:
    sync = add_command(
        subparsers,
        "sync",
        run_sync,
        help="one pass: import batches, refresh active ones, download ended results",
    )
    sync.add_argument("--profile", metavar="P", help="only this profile")
    add_log_calls_argument(sync)

    ls = add_command(subparsers, "ls", run_ls, help="list cached batches")
    ls.add_argument("--json", action="store_true", help="print JSON (see `batchtui ls --help`)")
    ls.add_argument(
        "--status",
        action="append",
        metavar="S",
        choices=[s.value for s in BatchStatus] + [ACTIVE],
        help=f"only batches in this status (repeatable; '{ACTIVE}' = not ended yet)",
    )
    ls.add_argument("--profile", metavar="P", help="only this profile")
    ls.add_argument("--refresh", action="store_true", help="import from the providers first")

    show = add_command(subparsers, "show", run_show, help="show one batch")
    show.add_argument("id", metavar="ID", help="batch id, or a unique prefix of one")
    show.add_argument("--json", action="store_true", help="print JSON")

    watch = add_command(
        subparsers,
        "watch",
        run_watch,
        help="poll until every active batch has ended, printing each transition",
    )
    watch.add_argument(
        "id", metavar="ID", nargs="?", help="watch only this batch (id or unique prefix)"
    )
    watch.add_argument("--profile", metavar="P", help="only this profile")
    watch.add_argument(
        "--exec",
        metavar="CMD",
        dest="exec_command",
        help="run CMD (split like a shell would, run without one) when a batch ends, with "
        "BATCHTUI_BATCH_ID, BATCHTUI_STATUS and the counts in its environment "
        "(default: the config's on_batch_end)",
    )
    watch.add_argument(
        "--exit-on-end",
        action="store_true",
        help="with ID: exit with the batch's outcome (0 all succeeded, 10 some requests "
        "failed, 11 canceled, 12 expired, 13 failed)",
    )
    watch.add_argument(
        "--interval",
        type=float,
        metavar="S",
        help="seconds between polls (default: adaptive, from the config's poll_interval)",
    )
    add_log_calls_argument(watch)


# --- sync ------------------------------------------------------------------------------------


def run_sync(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_sync(args, context))


async def _sync(args: argparse.Namespace, context: Context) -> int:
    from tui.core.session import Session

    context.paths.ensure_data_dir()
    # The search index of downloaded results is left to the TUI, its only reader (it builds
    # it after its first paint): the command ends sooner.
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(
            Session.open(
                context.config,
                context.paths.database,
                profile=args.profile,
                env=context.env,
                on_event=_say_when_waiting,
                call_log=stack.enter_context(call_log_for(args)),
                index_search=False,
            )
        )
        engine = session.engine
        engine.wait_for_other_process = True  # then its downloads are not done twice
        events = await engine.import_all()
        failed = _unhealthy(engine.statuses)  # an import failure is not undone by a quiet poll
        events += await engine.poll_once()
        failed |= _unhealthy(engine.statuses)
        for name, status in sorted(engine.statuses.items()):
            if status.health != ProfileHealth.OK:
                _print_status(name, status)
        for name, status in sorted(engine.statuses.items()):
            line = await _summary(session.store, name, events)
            if name in failed or status.health == ProfileHealth.MISCONFIGURED:
                line += f" (not synced: {status.health.value}, see above)"
            print(line)
        _raise_for_failures(engine.statuses, failed, "sync")
    return 0


def _unhealthy(statuses: dict[str, ProfileStatus]) -> set[str]:
    """Profiles whose last contact failed. A profile without its key is not one of them: it is
    skipped with a warning (the others were usable, or opening the session would have failed)."""
    skipped = (ProfileHealth.OK, ProfileHealth.MISCONFIGURED, ProfileHealth.BUSY)
    return {name for name, status in statuses.items() if status.health not in skipped}


def _raise_for_failures(statuses: dict[str, ProfileStatus], failed: set[str], what: str) -> None:
    """Exit 4 when every profile failed, 5 (partial failure) when some did."""
    if not failed:
        return
    names = ", ".join(sorted(failed))
    if failed >= set(statuses) - _misconfigured(statuses):
        messages = "; ".join(one_line(s.message) for s in statuses.values() if s.message)
        raise ProviderError(f"{what} failed for every profile: {messages}")
    raise PartialFailure(f"{what} failed for profile(s) {names}; the others are up to date")


def _misconfigured(statuses: dict[str, ProfileStatus]) -> set[str]:
    return {n for n, s in statuses.items() if s.health == ProfileHealth.MISCONFIGURED}


def _say_when_waiting(event: SyncEvent) -> None:
    """Another batchtui process is syncing a profile: say that this one waits for it."""
    if isinstance(event, ProfileStatusChanged) and event.status.health == ProfileHealth.BUSY:
        print(one_line(event.status.message), file=sys.stderr, flush=True)


async def _summary(store: Store, profile: str, events: list[SyncEvent]) -> str:
    batches = await store.batches.list(profile=profile)
    ids = {b.id for b in batches}
    active = sum(1 for b in batches if not b.is_terminal)
    changed = {e.batch.id for e in events if isinstance(e, BatchChanged) and e.batch.id in ids}
    downloaded = sum(
        e.stored for e in events if isinstance(e, ResultsProgress) and e.done and e.batch_id in ids
    )
    return (
        f"{profile}: {len(batches)} batches ({active} active), {len(changed)} new or changed, "
        f"{downloaded:,} results downloaded"
    )


# --- ls --------------------------------------------------------------------------------------


def run_ls(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_ls(args, context))


async def _ls(args: argparse.Namespace, context: Context) -> int:
    if args.refresh:
        await _refresh(args, context)
    async with await open_cache(context) as store:
        batches = await store.batches.list(profile=args.profile, statuses=_statuses(args.status))
    if args.json:
        _print_json([batch_json(b) for b in batches])
    elif not batches:
        print("no batches in the cache (run `batchtui sync`)", file=sys.stderr)
    else:
        print(_table(batches))
    return 0


async def _refresh(args: argparse.Namespace, context: Context) -> None:
    from tui.core.session import Session

    context.paths.ensure_data_dir()
    async with Session.open(
        context.config, context.paths.database, profile=args.profile, env=context.env
    ) as session:
        await session.engine.import_all()
        for name, status in sorted(session.engine.statuses.items()):
            if status.health != ProfileHealth.OK:
                _print_status(name, status)


def _statuses(chosen: list[str] | None) -> set[BatchStatus] | None:
    if not chosen:
        return None
    statuses = {BatchStatus(s) for s in chosen if s != ACTIVE}
    if ACTIVE in chosen:
        statuses |= {s for s in BatchStatus if not s.is_terminal}
    return statuses


def _table(batches: Iterable[Batch]) -> str:
    rows = [("ID", "PROFILE", "STATUS", "DONE", "ERRORS", "CREATED (UTC)", "MODELS / LABEL")]
    for b in batches:
        c = b.counts
        rows.append(
            (
                b.id,
                b.profile,
                b.status.value,
                f"{c.finished}/{c.total}",
                str(c.failed),
                b.created_at.strftime("%Y-%m-%d %H:%M"),
                one_line(b.label or ", ".join(canonical_models(b.models))),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ).rstrip()


# --- show ------------------------------------------------------------------------------------


def run_show(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_show(args, context))


async def _show(args: argparse.Namespace, context: Context) -> int:
    async with await open_cache(context) as store:
        batch = await store.batches.find(args.id)
        by_type = await store.results.counts_by_type(batch.id)
        groups = await store.results.error_groups(batch.id, limit=5)
    if args.json:
        data = batch_json(batch)
        data["results"] = {
            "stored": sum(by_type.values()),
            "by_type": {t.value: n for t, n in by_type.items()},
        }
        data["raw"] = batch.raw
        _print_json(data)
        return 0
    print(_describe(batch, by_type))
    for group in groups:
        print(
            f"  {group.count:>7,}  {group.type.value}: {one_line(group.error_type) or '-'}: "
            f"{one_line(group.message)}"
        )
    return 0


def _describe(batch: Batch, by_type: dict[ResultType, int]) -> str:
    c = batch.counts
    lines = [
        f"{batch.id}  ({batch.profile}, {batch.provider.value})",
        f"  status      {batch.status.value} (provider: {batch.provider_status})",
        f"  requests    {c.total:,}: {c.processing:,} processing, {c.succeeded:,} succeeded, "
        f"{c.errored:,} errored, {c.canceled:,} canceled, {c.expired:,} expired",
        f"  created     {_when(batch.created_at)}",
        f"  expires     {_when(batch.expires_at)}",
        f"  ended       {_when(batch.ended_at)}",
    ]
    if batch.cancel_initiated_at:
        lines.append(f"  cancel      {_when(batch.cancel_initiated_at)}")
    if batch.models:
        lines.append(f"  models      {one_line(', '.join(canonical_models(batch.models)))}")
    if batch.endpoint:
        lines.append(f"  endpoint    {one_line(batch.endpoint)}")
    for name in ("label", "notes", "source", "parent_id"):
        if getattr(batch, name):
            lines.append(f"  {name:<11} {one_line(getattr(batch, name), limit=2000)}")
    reasons = batch.failure_reasons
    for reason in reasons[:SHOWN_REASONS]:
        lines.append(f"  failed      {one_line(reason, limit=2000)}")
    if len(reasons) > SHOWN_REASONS:
        lines.append(f"              … and {len(reasons) - SHOWN_REASONS:,} more (show --json)")
    stored = sum(by_type.values())
    lines.append(f"  results     {batch.results_state.value}, {stored:,} stored locally")
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


# --- watch -----------------------------------------------------------------------------------


def run_watch(args: argparse.Namespace, context: Context) -> int:
    if args.exit_on_end and not args.id:
        raise ConfigError("watch --exit-on-end needs the ID of the batch to wait for")
    return asyncio.run(_watch(args, context))


async def _watch(args: argparse.Namespace, context: Context) -> int:
    from tui.cli.watch_ends import WatchEnds
    from tui.core.session import Session

    context.paths.ensure_data_dir()
    bell = context.config.settings.bell
    ends = WatchEnds(context.config, args.exec_command, env=context.env)
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(
            Session.open(
                context.config,
                context.paths.database,
                profile=args.profile,
                env=context.env,
                call_log=stack.enter_context(call_log_for(args)),
            )
        )
        engine = session.engine
        shown: dict[str, ProfileHealth] = {}
        await ends.after(_print_transitions(await engine.import_all(), bell))
        not_imported = _unhealthy(engine.statuses)
        _print_health(engine.statuses, shown)
        if args.id:
            return await _watch_one(args, session, ends, shown)
        while True:
            if not_imported:  # a profile's listing failed (a 429, an outage): try it again
                events = await engine.import_all(only=not_imported)
                await ends.after(_print_transitions(events, bell))
                not_imported = _unhealthy(engine.statuses)
            await ends.after(_print_transitions(await engine.poll_once(), bell))
            _print_health(engine.statuses, shown)
            active = [
                b
                for name in session.providers
                for b in await session.store.batches.list(profile=name)
                if not b.is_terminal
            ]
            if not active:
                # "No active batches" is only true of profiles whose batches we could list.
                failed = not_imported | _unhealthy(engine.statuses)
                _raise_for_failures(engine.statuses, failed, "watch")
                print("no active batches", flush=True)
                return 0
            delay = engine.next_delay() if args.interval is None else args.interval
            await _wait(delay, engine.statuses)


async def _watch_one(
    args: argparse.Namespace,
    session: Session,
    ends: WatchEnds,
    shown: dict[str, ProfileHealth],
) -> int:
    """Poll until the batch ``args.id`` has ended; run the command for it once."""
    from tui.core.batch_end import outcome_exit_code

    engine, bell = session.engine, session.engine.settings.bell
    batch = await session.store.batches.find(args.id)
    while not batch.is_terminal:
        delay = engine.next_delay() if args.interval is None else args.interval
        await _wait(delay, engine.statuses)
        ended = _print_transitions(await engine.poll_once(), bell)
        _print_health(engine.statuses, shown)
        batch = await session.store.batches.get(batch.id)
        await ends.after([b for b in ended if b.id != batch.id])
    await ends.after([batch])
    print(f"{batch.id}: {batch.status.value}", flush=True)
    return outcome_exit_code(batch) if args.exit_on_end else 0


async def _wait(delay: float, statuses: dict[str, ProfileStatus]) -> None:
    """Sleep until the next poll; a wait a provider imposed (429 retry-after) is announced, so a
    long silence is never mistaken for a hang."""
    waits = [s.retry_after for s in statuses.values() if s.retry_after]
    if waits:
        delay = max(delay, *waits)
        print(f"waiting {delay:.3g} s (rate-limited)", file=sys.stderr, flush=True)
    await asyncio.sleep(delay)


def _print_transitions(events: list[SyncEvent], bell: bool) -> list[Batch]:
    """Print each status change; returns the batches that ended (seen running before)."""
    ended: list[Batch] = []
    for event in events:
        if not isinstance(event, BatchChanged):
            continue
        if event.previous is None and event.batch.is_terminal:
            continue  # an old batch seen for the first time: history, not a transition
        before = event.previous.status.value if event.previous else "new"
        after = event.batch.status.value
        if before == after:
            continue
        c = event.batch.counts
        ring = "\a" if event.ended and bell else ""
        now = datetime.now().astimezone().strftime("%H:%M:%S")
        print(
            f"{now}  {event.batch.id}  {before} → {after}  "
            f"({c.finished:,}/{c.total:,} done, {c.failed:,} failed){ring}",
            flush=True,
        )
        if event.ended:
            ended.append(event.batch)
    return ended


def _print_status(name: str, status: ProfileStatus) -> None:
    message = one_line(status.message)  # may quote a provider's error body
    message = message.removeprefix(f"profile {name!r}: ")  # named once is enough
    print(f"profile {name!r}: {status.health.value}: {message}", file=sys.stderr)


def _print_health(statuses: dict[str, ProfileStatus], shown: dict[str, ProfileHealth]) -> None:
    """Report each profile's trouble once, not at every poll; ``shown`` remembers."""
    for name, status in statuses.items():
        if shown.get(name) != status.health and status.health != ProfileHealth.OK:
            _print_status(name, status)
        shown[name] = status.health


# --- JSON ------------------------------------------------------------------------------------


def batch_json(batch: Batch) -> dict[str, Any]:
    """The stable JSON form of a batch (see the module docstring)."""
    c = batch.counts
    return {
        "id": batch.id,
        "profile": batch.profile,
        "provider": batch.provider.value,
        "status": batch.status.value,
        "provider_status": batch.provider_status,
        "counts": {
            "processing": c.processing,
            "succeeded": c.succeeded,
            "errored": c.errored,
            "canceled": c.canceled,
            "expired": c.expired,
            "total": c.total,
        },
        "created_at": iso_utc(batch.created_at),
        "expires_at": iso_utc(batch.expires_at),
        "ended_at": iso_utc(batch.ended_at),
        "cancel_initiated_at": iso_utc(batch.cancel_initiated_at),
        "archived_at": iso_utc(batch.archived_at),
        "endpoint": batch.endpoint,
        "models": list(batch.models),
        "label": batch.label,
        "notes": batch.notes,
        "source": batch.source,
        "parent_id": batch.parent_id,
        "results_state": batch.results_state.value,
    }


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as every ``--json`` document writes times."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _print_json(data: Any) -> None:
    print_json(data)
