"""The sync engine: providers → store, with events for whoever is watching.

One :class:`SyncEngine` serves every profile of a run. Each profile has its own lock (two polls
of one profile never overlap), a lock file shared with other batchtui processes (two processes
never sync one profile at once, see :mod:`tui.core.sync_lock`) and its own health
(:class:`ProfileStatus`): a profile that is offline, rate limited or refused its key is reported
and skipped while the others keep working. A 429 ends that profile's round at once, and the
profile is left alone until the provider's retry-after has passed.

Every round of a profile first reads the store again and tells about what other processes
(``batchtui sync``/``watch``) wrote there since, then asks the provider for the newest page of
its list (see :mod:`tui.core.sync_poll`), so batches created elsewhere show up.

Results are ingested in chunks, one transaction per chunk, upserted on ``(batch, custom_id)``:
a download cut off by a dropped connection or a crash leaves the batch ``PARTIAL`` and the next
poll simply downloads it again, which ends with exactly one row per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Mapping
from datetime import datetime

from tui.core.config import Settings
from tui.core.errors import ConfigError, ProviderError
from tui.core.events import (
    BatchChanged,
    ProfileStatus,
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
from tui.core.sync_health import HEALTH_BY_KIND, HealthBook
from tui.core.sync_lock import ProfileLock, lock_path
from tui.core.sync_poll import (
    Change,
    closing,
    differs,
    differs_in_store,
    each_at_once,
    list_newest,
    merge,
    refresh_each,
)

CHUNK_SIZE = 2000
"""Results per ingest transaction: big enough to amortise a commit, small enough to resume."""

UPSERT_BATCHES = 500
"""Batches per upsert while importing a long list."""

DOWNLOAD_CONCURRENCY = 4
"""Result downloads of one profile at the same time (their writes take turns)."""

_DOWNLOADABLE = (ResultsState.NONE, ResultsState.PARTIAL)

ProfileWork = Callable[[str, Provider, Callable[[SyncEvent], None]], Awaitable[bool]]
"""One round for one profile; returns whether it talked to the provider."""

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
        self.wait_for_other_process = False
        """When another process is syncing a profile: wait for it (``batchtui sync``) rather
        than skip the profile this round (the TUI and ``watch``, which poll again soon)."""
        self.lock_wait_step = 0.5
        """Seconds between looks at a lock held by another process, while waiting for it."""
        self.health = HealthBook(self.providers, settings, lambda: self.clock())
        self._locks = {name: asyncio.Lock() for name in self.providers}
        self._download_locks: dict[str, asyncio.Lock] = {}
        self._delay = settings.poll_interval
        self._seen: dict[str, dict[str, Batch]] = {}
        """Each profile's batches as this engine last read or wrote them in the store; what
        differs on the next read was written by another process."""
        self._seen_version: dict[str, int] = {}
        """The database's ``data_version`` at each profile's last read of the store."""

    # --- public API ----------------------------------------------------------------------------

    async def import_all(self, only: Collection[str] | None = None) -> list[SyncEvent]:
        """Every batch of every profile (all pages), or of the profiles named in ``only``;
        events for new and changed ones."""
        return await self._each_profile(self._import_profile, only)

    async def poll_once(self) -> list[SyncEvent]:
        """Read the newest batches of every profile, then download results of ended ones."""
        events = await self._each_profile(self._poll_profile)
        changed = any(isinstance(e, BatchChanged) for e in events)
        active = any(not b.is_terminal for seen in self._seen.values() for b in seen.values())
        if changed or active:  # a running batch may end any minute: never back off from it
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
        if not _has_results(batch):
            await self._refuse_unservable(batch)
        lock = self._download_locks.setdefault(batch_id, asyncio.Lock())
        async with lock:
            try:
                stored = await self._download(provider, batch, self._emit)
            except ProviderError as exc:
                self.health.failure(batch.profile, exc, self._emit)
                raise
            finally:
                self._remember(await self.store.batches.get(batch_id))
            self.health.ok(batch.profile, self._emit)
            return stored

    async def cancel(self, batch_id: str) -> Batch:
        """Ask the provider to cancel; the store and the watchers hear the new state."""
        previous = await self.store.batches.get(batch_id)
        provider = self._provider(previous.profile)
        try:
            fresh = await provider.cancel_batch(batch_id)
        except ProviderError as exc:
            self.health.failure(previous.profile, exc, self._emit)
            raise
        self.health.ok(previous.profile, self._emit)
        batch = merge(previous, fresh)
        await self._store_changes([(batch, previous)], self._emit)
        return batch

    async def delete(self, batch_id: str) -> Batch:
        """Delete an ended batch at the provider (OpenAI: its files); the local copy stays."""
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
                self.health.failure(batch.profile, exc, self._emit)
                raise
        await self.store.batches.mark_deleted_remotely(batch_id)
        deleted = await self.store.batches.get(batch_id)
        self._remember(deleted)
        self._emit(BatchChanged(deleted, batch))
        return deleted

    def next_delay(self) -> float:
        """Seconds until the next poll: the poll interval while anything runs or changes,
        backing off when idle, and no sooner than every profile may be asked again."""
        waits = [self.health.wait_left(name) for name in self.providers]
        if waits and all(wait > 0 for wait in waits):
            return max(self._delay, min(waits))
        return self._delay

    @property
    def statuses(self) -> dict[str, ProfileStatus]:
        """Each profile's health, as the last contact left it."""
        return self.health.statuses

    def report_status(self, status: ProfileStatus) -> None:
        """Record a profile's health from outside (the session reports misconfigured ones)."""
        self.health.set(status, self._emit)

    async def close(self) -> None:
        """Close every provider's HTTP client."""
        for provider in self.providers.values():
            await provider.close()

    # --- per profile ---------------------------------------------------------------------------

    async def _each_profile(
        self, work: ProfileWork, only: Collection[str] | None = None
    ) -> list[SyncEvent]:
        """Run ``work(name, provider, emit)`` for all profiles (or those in ``only``) at once;
        collect their events."""
        events: list[SyncEvent] = []

        def emit(event: SyncEvent) -> None:
            events.append(event)
            self._emit(event)

        async def run(name: str, provider: Provider) -> None:
            async with self._locks[name], self._sync_lock(name, emit) as held:
                await self._reread_store(name, emit)
                if not held or self.health.still_rate_limited(name, emit):
                    return
                try:
                    contacted = await work(name, provider, emit)
                except ProviderError as exc:
                    self.health.failure(name, exc, emit)
                    return
                if contacted:  # a round that asked nothing says nothing about the profile
                    self.health.ok(name, emit)

        chosen = self.providers.items()
        await asyncio.gather(*(run(n, p) for n, p in chosen if only is None or n in only))
        return events

    @contextlib.asynccontextmanager
    async def _sync_lock(self, name: str, emit: Emit) -> AsyncIterator[bool]:
        """Hold the profile's cross-process lock; yields False if another process has it."""
        lock = ProfileLock(lock_path(self.store.path.parent, name))
        try:
            free = lock.try_acquire()
        except OSError:  # no lock file possible (a read-only data dir): sync unlocked
            yield True
            return
        if not free:
            if not self.wait_for_other_process:
                self.health.busy(name, "skipped this round", emit)
                yield False
                return
            self.health.busy(name, "waiting for it to finish", emit)
            await lock.acquire(step=self.lock_wait_step)
        try:
            yield True
        finally:
            lock.release()

    async def _reread_store(self, name: str, emit: Emit) -> None:
        """Tell about batches another process stored or changed since this engine looked."""
        version = await self.store.db.data_version()
        before = self._seen.get(name)
        if before is not None and self._seen_version.get(name) == version:
            return  # nobody wrote since: skip reading thousands of rows
        self._seen_version[name] = version
        rows = {b.id: b for b in await self.store.batches.list(profile=name)}
        self._seen[name] = rows
        if before is None:
            return  # the first look: what the caller already shows
        for batch in rows.values():
            previous = before.get(batch.id)
            if previous is None or differs_in_store(previous, batch):
                emit(BatchChanged(batch, previous))

    async def _import_profile(self, name: str, provider: Provider, emit: Emit) -> bool:
        known = dict(self._seen[name])
        pending: list[Change] = []
        async for fresh in provider.list_batches():
            previous = known.get(fresh.id)
            batch = merge(previous, fresh)
            if previous is None or differs(previous, batch):
                pending.append((batch, previous))
            if len(pending) >= UPSERT_BATCHES:
                await self._store_changes(pending, emit)
                pending = []
        await self._store_changes(pending, emit)
        return True

    async def _poll_profile(self, name: str, provider: Provider, emit: Emit) -> bool:
        known = dict(self._seen[name])
        active = {id_: b for id_, b in known.items() if not b.is_terminal}
        listing = await list_newest(provider, known, active)
        await self._store_changes(listing.changes, emit)
        unlisted = [b for id_, b in active.items() if id_ not in listing.seen]
        if unlisted:  # older than the list reached, or gone: ask for each
            changes = await refresh_each(provider, unlisted, self._gone)
            await self._store_changes(changes, emit)
        ended = [
            b
            for b in self._seen[name].values()
            if b.is_terminal and b.results_state in _DOWNLOADABLE
        ]
        await self._download_all(provider, ended, emit)
        return True

    async def _gone(self, batch: Batch) -> None:
        await self.store.batches.mark_deleted_remotely(batch.id)
        self._remember(dataclasses.replace(batch, deleted_remotely=True))

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

        return await each_at_once(one, batches)

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
                if exc.kind in HEALTH_BY_KIND:
                    raise  # the profile is in trouble: stop this poll, report it
                # Otherwise only this batch is refused; it stays PARTIAL for the next poll.
            finally:
                self._remember(await self.store.batches.get(batch.id))  # its new results state
            return _has_results(current)

    async def _store_changes(self, changes: Iterable[Change], emit: Emit) -> None:
        changes = list(changes)
        if not changes:
            return
        await self.store.batches.upsert(batch for batch, _ in changes)
        await self.store.batches.record_counts((b for b, _ in changes), self.clock())  # for ETA
        for batch, previous in changes:
            self._remember(batch)
            emit(BatchChanged(batch, previous))

    def _remember(self, batch: Batch) -> None:
        """This engine wrote ``batch``: the next re-read of the store must not report it."""
        seen = self._seen.get(batch.profile)
        if seen is not None:
            seen[batch.id] = batch

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
        # closing: whatever goes wrong, the HTTP response is closed now, not when GC runs.
        # A first download appends and indexes chunk by chunk (see ResultRepository.appending).
        async with (
            self.store.results.appending(batch.id, index=self.index_search),
            closing(stream) as chunks,
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
        await self._store_changes([(refined, batch)], emit)

    async def _refuse_unservable(self, batch: Batch) -> None:
        """The provider no longer serves this batch's results: say so, keep what is here."""
        stored = await self.store.results.count(batch.id)
        why = "it was archived" if batch.archived_at is not None else "it has none to serve"
        if batch.deleted_remotely:
            why = "it was deleted there"
        if stored:
            kept = f"the {stored:,} results stored here are intact"
        else:
            kept = "none are stored here"
            await self.store.batches.set_results_state(batch.id, ResultsState.UNAVAILABLE)
        raise ProviderError(
            f"batch {batch.id}: the provider no longer serves its results ({why}); {kept}",
            kind="unavailable",
        )

    # --- helpers -------------------------------------------------------------------------------

    def _provider(self, profile: str) -> Provider:
        provider = self.providers.get(profile)
        if provider is None:
            raise ConfigError(
                f"profile {profile!r} is not usable in this run (not configured, or no API key)"
            )
        return provider

    def _emit(self, event: SyncEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)


def _custom_id(result: RequestResult) -> str:
    return result.custom_id


def _has_results(batch: Batch) -> bool:
    """Whether the provider can serve results for this ended batch at all."""
    if batch.archived_at is not None or batch.status == BatchStatus.FAILED:
        return False
    if batch.deleted_remotely:  # Anthropic forgot it; OpenAI's files are gone
        return False
    if batch.provider == ProviderKind.OPENAI:
        return bool(batch.output_file_id or batch.error_file_id)
    return True
