"""``batchtui sync``: one pass over every profile, a process per profile when there are several.

A profile's sync is mostly one core's work: its SDK's import (``import anthropic`` ~1.4 s,
``import openai`` ~0.6 s here), its listing, its downloads. In one process the profiles take
turns on the GIL, so a user with two accounts waits for both imports before the first download
starts. With two or more usable profiles, ``sync`` therefore syncs the first itself and each
other one in a child process of its own (``batchtui sync --profile NAME`` with a hidden
``--report-json``), all at once, and prints what they report in the same words and order as one
process would. Each process holds its profile's cross-process lock and writes the shared cache
(SQLite serialises the writes); a child's stderr (waiting for another process, SDK retries) is
relayed line by line as it comes.

Before that, the parent checks which profiles have a key, and creates and upgrades the cache
once (so that no two processes race to).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass

import orjson

from tui.cli.common import Context, announcing_call_log
from tui.core.config import Profile
from tui.core.errors import BatchtuiError, ConfigError, PartialFailure, ProviderError
from tui.core.events import (
    BatchChanged,
    ProfileHealth,
    ProfileStatus,
    ProfileStatusChanged,
    ResultsProgress,
    SyncEvent,
)
from tui.core.session import Session
from tui.core.store import Store
from tui.core.text import one_line


@dataclass
class ProfileReport:
    """What one profile's sync ended with."""

    status: ProfileStatus
    failed: bool
    """Its import or poll failed (see :func:`unhealthy`)."""
    line: str
    """The summary line (``work: 3 batches (1 active), ...``)."""


def run_sync(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_sync(args, context))


async def _sync(args: argparse.Namespace, context: Context) -> int:
    context.paths.ensure_data_dir()
    if args.report_json:
        reports = await _sync_here(args.profile, context)
        sys.stdout.write(orjson.dumps([_report_json(r) for r in reports]).decode() + "\n")
        return 0
    usable, misconfigured = _by_key(context, args.profile)
    if len(usable) < 2:
        reports = await _sync_here(args.profile, context)
    else:
        reports = await _sync_in_processes(usable, misconfigured, context)
    statuses = {r.status.profile: r.status for r in reports}
    for name, status in sorted(statuses.items()):
        if status.health != ProfileHealth.OK:
            print_status(name, status)
    for report in sorted(reports, key=lambda r: r.status.profile):
        print(report.line)
    failed = {r.status.profile for r in reports if r.failed}
    raise_for_failures(statuses, failed, "sync")
    return 0


def _by_key(context: Context, only: str | None) -> tuple[list[Profile], list[ProfileStatus]]:
    """The profiles to sync that have a key, and a MISCONFIGURED status for each without."""
    config = context.config
    profiles = config.profile(only) if only else config.require_profiles()
    usable: list[Profile] = []
    problems: list[ProfileStatus] = []
    for profile in profiles:
        try:
            profile.resolve_key(context.env)
        except ConfigError as exc:  # as the session reports it (tui.core.session)
            problems.append(ProfileStatus(profile.name, ProfileHealth.MISCONFIGURED, str(exc)))
        else:
            usable.append(profile)
    return usable, problems


async def _sync_here(profile: str | None, context: Context) -> list[ProfileReport]:
    """Sync ``profile`` (every profile for None) in this process."""
    # The search index of downloaded results is left to the TUI, its only reader (it builds
    # it after its first paint): the command ends sooner.
    async with Session.open(
        context.config,
        context.paths.database,
        profile=profile,
        env=context.env,
        on_event=_say_when_waiting,
        call_log=announcing_call_log(),
        index_search=False,
    ) as session:
        engine = session.engine
        engine.wait_for_other_process = True  # then its downloads are not done twice
        events = await engine.import_all()
        failed = unhealthy(engine.statuses)  # an import failure is not undone by a quiet poll
        events += await engine.poll_once()
        failed |= unhealthy(engine.statuses)
        return [
            await _report(session.store, status, failed, events)
            for status in engine.statuses.values()
        ]


async def _report(
    store: Store, status: ProfileStatus, failed: set[str], events: list[SyncEvent]
) -> ProfileReport:
    name = status.profile
    line = await _summary(store, name, events)
    if name in failed or status.health == ProfileHealth.MISCONFIGURED:
        line += f" (not synced: {status.health.value}, see above)"
    return ProfileReport(status, name in failed, line)


async def _sync_in_processes(
    usable: list[Profile], misconfigured: list[ProfileStatus], context: Context
) -> list[ProfileReport]:
    """The first usable profile synced here and each other one by a child process, all at the
    same time; their reports, and those of the profiles without a key."""
    async with await Store.open(context.paths.database) as store:  # created and upgraded once
        reports = [await _report(store, s, set(), []) for s in misconfigured]
    here = asyncio.ensure_future(_sync_here(usable[0].name, context))
    children = [asyncio.ensure_future(_child(p.name, context)) for p in usable[1:]]
    await asyncio.wait([here, *children])  # every child ends before an error here is reported
    reports += here.result()
    for child in children:
        code, child_reports = child.result()
        if code != 0:  # it failed outright (its message is relayed above): as one would
            raise _ChildFailed(code)
        reports += child_reports
    return reports


class _ChildFailed(BatchtuiError):
    """A profile's process ended with an error of its own (already printed on stderr): this
    one exits with the same code."""

    def __init__(self, exit_code: int) -> None:
        super().__init__("sync stopped (see above)")
        self.exit_code = exit_code


async def _child(profile: str, context: Context) -> tuple[int, list[ProfileReport]]:
    """``batchtui sync --profile PROFILE --report-json`` in a child; its exit code and report."""
    # -P: the working directory is not put on sys.path, so a ``tui`` package there (another
    # checkout, say) is never what runs.
    command = [sys.executable, "-P", "-m", "tui.cli.main"]
    command += ["--data-dir", str(context.paths.data_dir)]
    if context.paths.config_explicit:
        command += ["--config", str(context.paths.config_file)]
    command += ["sync", "--profile", profile, "--report-json"]
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(context.env),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    output, _ = await asyncio.gather(process.stdout.read(), _relay(process.stderr))
    code = await process.wait()
    if code != 0:
        return code, []
    return 0, [_report_from_json(item) for item in orjson.loads(output)]


async def _relay(stream: asyncio.StreamReader) -> None:
    """A child's stderr, a line at a time as it comes, on this process's stderr."""
    async for line in stream:
        sys.stderr.write(line.decode(errors="replace"))
        sys.stderr.flush()


def _report_json(report: ProfileReport) -> dict[str, str | bool]:
    status = report.status
    return {
        "profile": status.profile,
        "health": status.health.value,
        "message": status.message,
        "failed": report.failed,
        "line": report.line,
    }


def _report_from_json(item: dict[str, str | bool]) -> ProfileReport:
    health = ProfileHealth(str(item["health"]))
    status = ProfileStatus(str(item["profile"]), health, str(item["message"]))
    return ProfileReport(status, bool(item["failed"]), str(item["line"]))


# --- shared with watch --------------------------------------------------------------------------


def unhealthy(statuses: dict[str, ProfileStatus]) -> set[str]:
    """Profiles whose last contact failed. A profile without its key is not one of them: it is
    skipped with a warning (the others were usable, or opening the session would have failed)."""
    skipped = (ProfileHealth.OK, ProfileHealth.MISCONFIGURED, ProfileHealth.BUSY)
    return {name for name, status in statuses.items() if status.health not in skipped}


def raise_for_failures(statuses: dict[str, ProfileStatus], failed: set[str], what: str) -> None:
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


def print_status(name: str, status: ProfileStatus) -> None:
    message = one_line(status.message)  # may quote a provider's error body
    message = message.removeprefix(f"profile {name!r}: ")  # named once is enough
    print(f"profile {name!r}: {status.health.value}: {message}", file=sys.stderr)


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
