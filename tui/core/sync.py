"""The sync engine: providers → store, with events for whoever is watching.

One :class:`SyncEngine` serves every profile of a run. Each profile has its own lock (two polls
of one profile never overlap) and its own health (:class:`ProfileStatus`): a profile that is
offline, rate limited or refused its key is reported and skipped while the others keep working.

Results are ingested in chunks, one transaction per chunk, upserted on ``(batch, custom_id)``:
a download cut off by a dropped connection or a crash leaves the batch ``PARTIAL`` and the next
poll simply downloads it again, which ends with exactly one row per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from tui.core.config import Settings
from tui.core.errors import ConfigError, ProviderError
from tui.core.events import (
    BatchChanged,
    ProfileHealth,
    ProfileStatus,
    ProfileStatusChanged,
    ResultsProgress,
    SyncEvent,
)
from tui.core.models import (
    Batch,
    BatchStatus,
    ProviderKind,
    RequestCounts,
    RequestResult,
    ResultsState,
    utcnow,
)
from tui.core.providers.base import Provider
from tui.core.store import Store

CHUNK_SIZE = 2000
"""Results per ingest transaction: big enough to amortise a commit, small enough to resume."""

UPSERT_BATCHES = 500
"""Batches per upsert while importing a long list."""

REFRESH_CONCURRENCY = 8
"""Batches of one profile refreshed at the same time during a poll."""

DOWNLOAD_CONCURRENCY = 4
"""Result downloads of one profile at the same time (their writes take turns)."""

_HEALTH_BY_KIND = {
    "offline": ProfileHealth.OFFLINE,
    "unauthorized": ProfileHealth.UNAUTHORIZED,
    "rate_limited": ProfileHealth.RATE_LIMITED,
    "server_error": ProfileHealth.SERVER_ERROR,
}
"""Errors that say something about the profile, not about one batch."""

_DOWNLOADABLE = (ResultsState.NONE, ResultsState.PARTIAL)

T = TypeVar("T")

Emit = Callable[[SyncEvent], None]
"""Where a step of a sync reports what it saw."""


class SyncEngine:
    """Imports, polls and downloads for every profile; see the module docstring."""

    def __init__(
        self,
        store: Store,
        providers: Mapping[str, Provider],
        settings: Settings,
        *,
        on_event: Callable[[SyncEvent], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        index_search: bool = True,
    ):
        self.store = store
        self.index_search = index_search
        """Index downloaded results for search as they are stored. ``batchtui sync`` leaves it
        to the TUI (which indexes such batches after its first paint, or on opening one):
        its search is the only reader of the index, and the command ends ~1 s sooner."""
        self.providers = dict(providers)
        self.settings = settings
        self.on_event = on_event
        self.clock = clock
        self.statuses: dict[str, ProfileStatus] = {
            name: ProfileStatus(name, ProfileHealth.UNKNOWN) for name in self.providers
        }
        self._locks = {name: asyncio.Lock() for name in self.providers}
        self._download_locks: dict[str, asyncio.Lock] = {}
        self._delay = settings.poll_interval
        self._retry_after: float | None = None

    # --- public API ----------------------------------------------------------------------------

    async def import_all(self) -> list[SyncEvent]:
        """Every batch of every profile (all pages); events for new and changed ones."""
        return await self._each_profile(self._import_profile)

    async def poll_once(self) -> list[SyncEvent]:
        """Refresh active batches, then download results of ended ones, for every profile."""
        self._retry_after = None
        events = await self._each_profile(self._poll_profile)
        changed = any(isinstance(e, BatchChanged) for e in events)
        if changed:
            self._delay = self.settings.poll_interval
        else:
            self._delay = min(self._delay * 2, self.settings.max_poll_interval)
        return events

    async def download_results(self, batch_id: str) -> int:
        """Download (again) every result of an ended batch; returns how many are stored."""
        batch = await self.store.batches.get(batch_id)
        provider = self._provider(batch.profile)
        if not batch.is_terminal:
            raise ProviderError(
                f"batch {batch_id} is {batch.status.value}: its results are ready once it ends",
                kind="bad_request",
            )
        lock = self._download_locks.setdefault(batch_id, asyncio.Lock())
        async with lock:
            try:
                stored = await self._download(provider, batch, self._emit)
            except ProviderError as exc:
                self._note_failure(batch.profile, exc, self._emit)
                raise
            self._note_ok(batch.profile, self._emit)
            return stored

    async def cancel(self, batch_id: str) -> Batch:
        """Ask the provider to cancel; the store and the watchers hear the new state."""
        previous = await self.store.batches.get(batch_id)
        provider = self._provider(previous.profile)
        try:
            fresh = await provider.cancel_batch(batch_id)
        except ProviderError as exc:
            self._note_failure(previous.profile, exc, self._emit)
            raise
        self._note_ok(previous.profile, self._emit)
        batch = _merge(previous, fresh)
        await self.store.batches.upsert([batch])
        self._emit(BatchChanged(batch, previous))
        return batch

    async def delete(self, batch_id: str) -> None:
        """Delete an ended batch at the provider; the local copy and its results stay."""
        batch = await self.store.batches.get(batch_id)
        if not batch.is_terminal:
            raise ProviderError(
                f"batch {batch_id} is {batch.status.value}: cancel it and wait for it to end "
                "before deleting it",
                kind="bad_request",
            )
        provider = self._provider(batch.profile)
        try:
            await provider.delete_batch(batch_id)
        except ProviderError as exc:
            if exc.kind != "not_found":  # already gone at the provider: fine
                self._note_failure(batch.profile, exc, self._emit)
                raise
        await self.store.batches.mark_deleted_remotely(batch_id)
        self._emit(BatchChanged(await self.store.batches.get(batch_id), batch))

    def next_delay(self) -> float:
        """Seconds until the next poll: short while things change, backing off when idle."""
        if self._retry_after is not None:
            return max(self._delay, self._retry_after)
        return self._delay

    def report_status(self, status: ProfileStatus) -> None:
        """Record a profile's health from outside (the session reports misconfigured ones)."""
        self._set_status(status, self._emit)

    async def close(self) -> None:
        """Close every provider's HTTP client."""
        for provider in self.providers.values():
            await provider.close()

    # --- per profile ---------------------------------------------------------------------------

    async def _each_profile(
        self, work: Callable[[str, Provider, Emit], Awaitable[bool]]
    ) -> list[SyncEvent]:
        """Run ``work(name, provider, emit)`` for all profiles at once; collect their events.

        ``work`` returns whether it talked to the provider at all.
        """
        events: list[SyncEvent] = []

        def emit(event: SyncEvent) -> None:
            events.append(event)
            self._emit(event)

        async def run(name: str, provider: Provider) -> None:
            async with self._locks[name]:
                try:
                    contacted = await work(name, provider, emit)
                except ProviderError as exc:
                    self._note_failure(name, exc, emit)
                    return
                if contacted:  # a poll with nothing to ask says nothing about the profile
                    self._note_ok(name, emit)

        await asyncio.gather(*(run(name, p) for name, p in self.providers.items()))
        return events

    async def _import_profile(self, name: str, provider: Provider, emit: Emit) -> bool:
        known = {b.id: b for b in await self.store.batches.list(profile=name)}
        pending: list[tuple[Batch, Batch | None]] = []
        async for fresh in provider.list_batches():
            previous = known.get(fresh.id)
            batch = _merge(previous, fresh) if previous else fresh
            if previous is None or _differs(previous, batch):
                pending.append((batch, previous))
            if len(pending) >= UPSERT_BATCHES:
                await self._store_changes(pending, emit)
                pending = []
        await self._store_changes(pending, emit)
        return True

    async def _poll_profile(self, name: str, provider: Provider, emit: Emit) -> bool:
        active = [b for b in await self.store.batches.list(profile=name) if not b.is_terminal]
        gate = asyncio.Semaphore(REFRESH_CONCURRENCY)

        async def refresh(previous: Batch) -> tuple[Batch, Batch] | None:
            async with gate:
                try:
                    fresh = await provider.get_batch(previous.id)
                except ProviderError as exc:
                    if exc.kind != "not_found":
                        raise
                    await self.store.batches.mark_deleted_remotely(previous.id)
                    return None
            batch = _merge(previous, fresh)
            return (batch, previous) if _differs(previous, batch) else None

        changes = await asyncio.gather(*(refresh(b) for b in active))
        await self._store_changes([c for c in changes if c is not None], emit)
        ended = [
            b
            for b in await self.store.batches.list(profile=name)
            if b.is_terminal and b.results_state in _DOWNLOADABLE
        ]
        downloads = await self._download_all(provider, ended, emit)
        return bool(active) or any(downloads)

    async def _download_all(
        self, provider: Provider, batches: list[Batch], emit: Emit
    ) -> list[bool]:
        """Download several batches at once (a first sync may find hundreds of small ones).

        The first error about the profile stops the others; what they stored stays, PARTIAL.
        """
        gate = asyncio.Semaphore(DOWNLOAD_CONCURRENCY)

        async def one(batch: Batch) -> bool:
            async with gate:
                return await self._download_guarded(provider, batch, emit)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(b)) for b in batches]
        except BaseExceptionGroup as failures:
            # One error goes on, as from a plain await: a ProviderError first (it says which
            # state the profile is in), else whatever failed (a StoreError, say).
            provider_errors, _ = failures.split(ProviderError)
            raise (provider_errors or failures).exceptions[0] from None
        return [task.result() for task in tasks]

    async def _download_guarded(self, provider: Provider, batch: Batch, emit: Emit) -> bool:
        """Download unless someone else just did; returns whether the provider was asked."""
        lock = self._download_locks.setdefault(batch.id, asyncio.Lock())
        async with lock:
            current = await self.store.batches.get(batch.id)
            if current.results_state not in _DOWNLOADABLE:  # finished while we waited
                return False
            try:
                await self._download(provider, current, emit)
            except ProviderError as exc:
                if exc.kind in _HEALTH_BY_KIND:
                    raise  # the profile is in trouble: stop this poll, report it
                # Otherwise only this batch is refused; it stays PARTIAL for the next poll.
            return _has_results(current)

    async def _store_changes(
        self, changes: Iterable[tuple[Batch, Batch | None]], emit: Emit
    ) -> None:
        changes = list(changes)
        if not changes:
            return
        await self.store.batches.upsert(batch for batch, _ in changes)
        for batch, previous in changes:
            emit(BatchChanged(batch, previous))

    # --- results -------------------------------------------------------------------------------

    async def _download(self, provider: Provider, batch: Batch, emit: Emit) -> int:
        """Stream a batch's results into the store; PARTIAL while running, COMPLETE at the end."""
        if not _has_results(batch):
            await self.store.batches.set_results_state(batch.id, ResultsState.UNAVAILABLE)
            return 0
        await self.store.batches.set_results_state(batch.id, ResultsState.PARTIAL)
        # Indexed for search in one go at the end: a third of the cost of row by row. A crash
        # leaves it deferred, and the download that resumes it builds the index.
        await self.store.results.defer_search_index(batch.id)
        try:
            stored, models = await self._ingest(provider, batch, emit)
        except ProviderError as exc:
            if exc.kind != "not_found":
                raise  # stays PARTIAL: the next poll downloads it again
            await self.store.results.build_search_index(batch.id)
            await self.store.batches.set_results_state(batch.id, ResultsState.UNAVAILABLE)
            return 0
        if self.index_search:
            await self.store.results.build_search_index(batch.id)
        await self.store.batches.set_models(batch.id, models)
        await self.store.batches.set_results_state(batch.id, ResultsState.COMPLETE)
        await self._refine_counts(batch.id, emit)
        emit(ResultsProgress(batch.id, stored, max(batch.counts.total, stored), done=True))
        return stored

    async def _ingest(self, provider: Provider, batch: Batch, emit: Emit) -> tuple[int, set[str]]:
        """Store each chunk as it arrives, one transaction each; memory stays at one chunk.

        Inserting chunk n while parsing chunk n+1 was measured and dropped: the writer thread
        needs the GIL to bind every row, so the overlap made both sides slower, not faster.
        What does overlap is the end of each transaction on a first download (indexing the
        chunk for search, commit): single statements that run without the GIL.
        """
        total, stored, models = batch.counts.total, 0, set(batch.models)
        stream = provider.stream_results(batch, chunk_size=CHUNK_SIZE)
        # _closing: whatever goes wrong, the HTTP response is closed now, not when GC runs.
        # A first download appends and indexes chunk by chunk (see ResultRepository.appending).
        async with (
            self.store.results.appending(batch.id, index=self.index_search),
            _closing(stream) as chunks,
        ):
            async for chunk in chunks:
                models.update(r.model for r in chunk if r.model)
                chunk.sort(key=_custom_id)  # results come shuffled; the indexes like order
                await self.store.results.write(chunk)
                stored += len(chunk)
                emit(ResultsProgress(batch.id, stored, max(total, stored)))
        return stored, models

    async def _refine_counts(self, batch_id: str, emit: Emit) -> None:
        """Replace the provider's counts by the stored results' (exact for OpenAI's "failed")."""
        batch = await self.store.batches.get(batch_id)
        by_type = await self.store.results.counts_by_type(batch_id)
        counts = RequestCounts(**{kind.value: n for kind, n in by_type.items()})
        if counts.total < batch.counts.total or counts == batch.counts:
            return  # some results missing from the files: keep what the provider said
        refined = dataclasses.replace(batch, counts=counts)
        await self.store.batches.upsert([refined])
        emit(BatchChanged(refined, batch))

    # --- health --------------------------------------------------------------------------------

    def _provider(self, profile: str) -> Provider:
        provider = self.providers.get(profile)
        if provider is None:
            raise ConfigError(
                f"profile {profile!r} is not usable in this run (not configured, or no API key)"
            )
        return provider

    def _note_ok(self, profile: str, emit: Emit) -> None:
        status = ProfileStatus(profile, ProfileHealth.OK, last_ok=self.clock())
        self._set_status(status, emit)

    def _note_failure(self, profile: str, exc: ProviderError, emit: Emit) -> None:
        health = _HEALTH_BY_KIND.get(exc.kind)
        if health is None:
            return  # about one batch (not found, refused): the profile itself is fine
        if exc.retry_after is not None:
            self._retry_after = max(self._retry_after or 0.0, exc.retry_after)
        previous = self.statuses.get(profile)
        status = ProfileStatus(
            profile,
            health,
            message=str(exc),
            last_ok=previous.last_ok if previous else None,
            retry_after=exc.retry_after,
        )
        self._set_status(status, emit)

    def _set_status(self, status: ProfileStatus, emit: Emit) -> None:
        previous = self.statuses.get(status.profile)
        self.statuses[status.profile] = status
        if previous is None or (previous.health, previous.message) != (
            status.health,
            status.message,
        ):
            emit(ProfileStatusChanged(status))

    def _emit(self, event: SyncEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)


def _merge(previous: Batch | None, fresh: Batch) -> Batch:
    """The provider's new view of a batch, keeping what only we know about it."""
    if previous is None:
        return fresh
    keep_counts = previous.results_state == ResultsState.COMPLETE and fresh.is_terminal
    return dataclasses.replace(
        fresh,
        counts=previous.counts if keep_counts else fresh.counts,
        models=fresh.models or previous.models,
        label=previous.label,
        notes=previous.notes,
        source=previous.source,
        parent_id=previous.parent_id,
        results_state=previous.results_state,
    )


_COMPARED = (
    "status",
    "provider_status",
    "counts",
    "expires_at",
    "ended_at",
    "cancel_initiated_at",
    "archived_at",
    "models",
    "output_file_id",
    "error_file_id",
)


def _differs(old: Batch, new: Batch) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in _COMPARED)


@contextlib.asynccontextmanager
async def _closing(stream: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Like :func:`contextlib.aclosing`, for iterators that may not have ``aclose``."""
    try:
        yield stream
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()


def _custom_id(result: RequestResult) -> str:
    return result.custom_id


def _has_results(batch: Batch) -> bool:
    """Whether the provider can serve results for this ended batch at all."""
    if batch.archived_at is not None or batch.status == BatchStatus.FAILED:
        return False
    if batch.provider == ProviderKind.OPENAI:
        return bool(batch.output_file_id or batch.error_file_id)
    return True
