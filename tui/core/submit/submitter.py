"""Submitting requests safely: plan, estimate, then create each chunk through the ledger.

Both a requests file (``batchtui submit``) and a retry (``batchtui retry``, the TUI's ``R``) end
in :func:`submit_chunks`, which for every chunk:

- skips it if the ledger already holds its batch (filling in stored params if a crash lost them);
- reconciles it if an earlier run was interrupted during its create call (see
  :mod:`tui.core.submit.ledger`), adopting the batch that call made;
- otherwise records a pending ledger row, creates the batch, marks the row created, and stores
  the batch (label, source, parent) and each request's params so it can be retried later.

Submitting the same file (same bytes, same profile) again once every chunk exists is refused
unless ``force`` is given.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tui.core.config import Profile
from tui.core.errors import BatchtuiError, ConfigError, ProviderError
from tui.core.models import Batch, ProviderKind
from tui.core.providers.base import Provider
from tui.core.store import Store
from tui.core.submit.chunking import LIMITS, Chunk, ChunkPlan, chunk_stream, plan_chunks
from tui.core.submit.estimate import Estimate, PriceFn, estimate_requests
from tui.core.submit.ledger import (
    METADATA_KEY,
    Ledger,
    Submission,
    SubmissionState,
    find_match,
    new_run_id,
)
from tui.core.submit.validate import (
    FileScan,
    RequestLine,
    ValidationFailed,
    file_sha256,
    iter_requests,
    scan_requests_file,
)

NOT_CREATED_KINDS = frozenset({"bad_request", "unauthorized", "not_found"})
"""ProviderError kinds after which the provider certainly created nothing."""


class SessionLike(Protocol):
    """What submitting needs of a :class:`~tui.core.session.Session` (kept structural so this
    module does not import the session, which imports the sync engine)."""

    @property
    def store(self) -> Store: ...

    @property
    def providers(self) -> Mapping[str, Provider]: ...  # read-only, so a dict[...] fits


def provider_for(session: SessionLike, profile: str) -> Provider:
    """The open provider of ``profile``, or a :class:`ConfigError` saying why there is none."""
    provider = session.providers.get(profile)
    if provider is None:
        raise ConfigError(f"profile {profile!r} is not usable here (no key, or not selected)")
    return provider


class AlreadySubmitted(BatchtuiError):
    """This file was submitted to this profile before; ``force`` submits it again."""

    exit_code = 1


@dataclass
class SubmitProgress:
    """One step of a submission, for a progress line or the TUI's submit screen."""

    chunk_index: int
    chunk_count: int
    stage: str
    """``creating``, ``created``, ``adopted`` (found after an interrupted create), ``skipped``
    (created by an earlier run) or ``stored`` (params saved)."""
    requests: int
    batch_id: str | None = None

    def __str__(self) -> str:
        where = f"batch {self.chunk_index + 1}/{self.chunk_count}"
        done = f" → {self.batch_id}" if self.batch_id else ""
        return f"{where}: {self.stage} ({self.requests:,} requests){done}"


ProgressFn = Callable[[SubmitProgress], None]


@dataclass
class SubmitJob:
    """What is being submitted, whatever it came from (a file or a retry)."""

    profile: str
    kind: ProviderKind
    identity: str
    """sha256 of the file, or of the retry set: what "the same submission" means."""
    chunks: list[ChunkPlan]
    source: str | None = None
    label: str | None = None
    parent_id: str | None = None
    endpoint: str | None = None


@dataclass
class FilePlan:
    """A checked requests file, cut into chunks, ready to estimate and submit."""

    path: Path
    scan: FileScan
    job: SubmitJob
    previous: list[Submission] = field(default_factory=list)
    """Ledger rows of earlier submissions of this file to this profile."""

    @property
    def already_submitted(self) -> list[str]:
        """Batch ids of the latest complete earlier submission (empty if none)."""
        return _complete_run_batches(self.previous)


def plan_file(path: Path, profile: Profile, label: str | None = None) -> FilePlan:
    """Check ``path`` and cut it into chunks for ``profile``; raises :class:`ValidationFailed`."""
    path = Path(path)
    scan = scan_requests_file(path)
    if not scan.ok:
        raise ValidationFailed(scan)
    assert scan.kind is not None
    if scan.kind != profile.provider:
        raise ConfigError(
            f"{path} holds {scan.kind.value} requests but profile {profile.name!r} is "
            f"{profile.provider.value}",
            cli_hint="pick another with --profile",
        )
    limits = LIMITS[scan.kind]
    job = SubmitJob(
        profile=profile.name,
        kind=scan.kind,
        identity=scan.sha256,
        chunks=plan_chunks(iter_requests(path, scan.kind), limits),
        source=str(path.resolve()),
        label=label or path.stem,
        endpoint=scan.endpoint,
    )
    return FilePlan(path=path, scan=scan, job=job)


async def load_previous(store: Store, plan: FilePlan) -> None:
    """Fill ``plan.previous`` from the ledger."""
    plan.previous = await Ledger(store).for_file(plan.job.profile, plan.job.identity)


async def estimate_file(
    plan: FilePlan,
    provider: Provider | None,
    price: PriceFn | None,
    expected_output: dict[str, float] | None = None,
) -> Estimate:
    """Forecast the file's tokens and cost (count_tokens only for Anthropic providers)."""
    count = None
    if provider is not None and plan.job.kind is ProviderKind.ANTHROPIC:
        count = provider.count_tokens
    return await estimate_requests(
        iter_requests(plan.path, plan.job.kind),
        total=plan.scan.count,
        count_tokens=count,
        price=price,
        expected_output=expected_output,
    )


async def submit_file(
    session: SessionLike,
    plan: FilePlan,
    *,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> list[Batch]:
    """Create the file's batches (see the module docstring); returns them in chunk order."""
    if file_sha256(plan.path) != plan.job.identity:
        raise BatchtuiError(f"{plan.path} changed since it was checked; check it again")
    chunks = chunk_stream(iter_requests(plan.path, plan.job.kind), LIMITS[plan.job.kind])
    provider = provider_for(session, plan.job.profile)
    return await submit_chunks(
        session.store, provider, plan.job, chunks, force=force, progress=progress
    )


async def submit_chunks(
    store: Store,
    provider: Provider,
    job: SubmitJob,
    chunks: Iterable[Chunk[RequestLine]],
    *,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> list[Batch]:
    """Create one batch per chunk through the ledger; ``chunks`` must follow ``job.chunks``."""
    ledger = Ledger(store)
    previous = await ledger.for_file(job.profile, job.identity)
    done = _complete_run_batches(previous)
    if done and not force:
        raise AlreadySubmitted(
            f"{job.source or 'these requests'} was already submitted to profile {job.profile!r}"
            f" as {', '.join(done)}",
            cli_hint="use --force to submit it again",
        )
    resumed = [] if force else _latest_incomplete_run(previous)
    run_id = resumed[0].run_id if resumed else new_run_id()
    by_index = {entry.chunk_index: entry for entry in resumed}
    report = progress or (lambda _: None)
    batches = []
    for plan, chunk in zip(job.chunks, chunks, strict=True):
        _check_same_chunk(plan, chunk)
        step = _ChunkStep(store, provider, ledger, job, run_id, plan, chunk, report)
        batches.append(await step.run(by_index.get(plan.index)))
    return batches


@dataclass
class _ChunkStep:
    """Submitting one chunk: skip, adopt or create."""

    store: Store
    provider: Provider
    ledger: Ledger
    job: SubmitJob
    run_id: str
    plan: ChunkPlan
    chunk: Chunk[RequestLine]
    report: ProgressFn

    async def run(self, entry: Submission | None) -> Batch:
        if entry is not None and entry.state is SubmissionState.CREATED:
            assert entry.batch_id is not None
            batch = await self._known_batch(entry.batch_id)
            await self._record(batch, "skipped")
            return batch
        if entry is not None and entry.state is SubmissionState.PENDING:
            claimed = await self.ledger.claimed_batch_ids()
            found = await find_match(self.provider, entry, claimed)
            if found is not None:
                await self.ledger.mark_created(entry.token, found.id)
                await self._record(found, "adopted")
                return found
            await self.ledger.restart(entry.token)
        else:
            entry = await self.ledger.begin(
                run_id=self.run_id,
                profile=self.job.profile,
                file_sha256=self.job.identity,
                chunk=self.plan,
                chunk_count=len(self.job.chunks),
                source=self.job.source,
                label=self.job.label,
                parent_id=self.job.parent_id,
            )
        batch = await self._create(entry)
        await self.ledger.mark_created(entry.token, batch.id)
        await self._record(batch, "created")
        return batch

    async def _create(self, entry: Submission) -> Batch:
        self.report(self._progress("creating"))
        pairs = [(r.custom_id, r.body) for r in self.chunk.items]
        kwargs: dict[str, Any] = {"endpoint": self.job.endpoint}
        if _accepts_metadata(self.provider):
            kwargs["metadata"] = {METADATA_KEY: entry.token}
        try:
            return await self.provider.create_batch(pairs, **kwargs)
        except ProviderError as exc:
            if exc.kind in NOT_CREATED_KINDS:
                await self.ledger.abandon(entry.token)
                raise
            # The answer was lost: the provider may have made the batch all the same.
            raise ProviderError(
                f"{exc} — the batch may have been created anyway; submitting the same file "
                "again looks for it and adopts it rather than creating a second one",
                kind=exc.kind,
                retry_after=exc.retry_after,
            ) from None

    async def _known_batch(self, batch_id: str) -> Batch:
        try:
            return await self.store.batches.get(batch_id)
        except BatchtuiError:
            return await self.provider.get_batch(batch_id)

    async def _record(self, batch: Batch, stage: str) -> None:
        """Keep the batch with its local fields, and every request's params (once)."""
        batch.label = batch.label or self.job.label
        batch.source = batch.source or self.job.source
        batch.parent_id = batch.parent_id or self.job.parent_id
        await self.store.batches.insert_local(batch)
        if await self.store.requests.count(batch.id) < len(self.chunk.items):
            await self.store.requests.put(
                batch.id, ((r.custom_id, r.body) for r in self.chunk.items)
            )
        await self.store.batches.set_models(batch.id, {r.model for r in self.chunk.items})
        self.report(self._progress(stage, batch.id))

    def _progress(self, stage: str, batch_id: str | None = None) -> SubmitProgress:
        return SubmitProgress(
            self.plan.index, len(self.job.chunks), stage, self.plan.count, batch_id
        )


def _accepts_metadata(provider: Provider) -> bool:
    """Whether this provider's create_batch can carry our ledger token (OpenAI metadata)."""
    try:
        return "metadata" in inspect.signature(provider.create_batch).parameters
    except (TypeError, ValueError):
        return False


def _check_same_chunk(plan: ChunkPlan, chunk: Chunk[RequestLine]) -> None:
    first = chunk.items[0].custom_id if chunk.items else None
    if len(chunk.items) != plan.count or first != plan.first_custom_id:
        raise BatchtuiError(
            f"the requests changed while being submitted (batch {plan.index + 1}); "
            "nothing more was created; run the command again"
        )


def _runs(entries: Sequence[Submission]) -> dict[str, list[Submission]]:
    runs: dict[str, list[Submission]] = {}
    for entry in entries:
        runs.setdefault(entry.run_id, []).append(entry)
    return runs


def _complete_run_batches(entries: Sequence[Submission]) -> list[str]:
    """Batch ids of the latest run whose every chunk was created."""
    for run in reversed(list(_runs(entries).values())):
        created = [e for e in run if e.state is SubmissionState.CREATED]
        if created and len(created) == run[0].chunk_count:
            ordered = sorted(created, key=lambda e: e.chunk_index)
            return [e.batch_id for e in ordered if e.batch_id is not None]  # set when CREATED
    return []


def _latest_incomplete_run(entries: Sequence[Submission]) -> list[Submission]:
    """Rows of the newest run that did not finish (to resume it), or nothing."""
    runs = list(_runs(entries).values())
    if not runs:
        return []
    latest = runs[-1]
    created = sum(e.state is SubmissionState.CREATED for e in latest)
    return [] if created == latest[0].chunk_count else latest
