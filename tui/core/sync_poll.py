"""What one poll asks a provider: the newest page of its list, and single GETs only as a fallback.

Both list endpoints carry each batch's status and request counts, so one list call refreshes
every recent batch at once and discovers batches created elsewhere (a pipeline, a script, the
web console). The list is read newest first and stops at the first batch we already know, once
every active batch has been seen; an active batch the list did not reach (very old, or gone at
the provider) is asked for on its own. The first error that concerns the whole profile (a 429,
an outage) stops the rest of the round: nothing more is sent until the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tui.core.errors import ProviderError
from tui.core.models import Batch, ResultsState
from tui.core.providers.base import Provider

POLL_PAGE_SIZE = 100
"""Batches per list page during a poll (OpenAI's maximum; Anthropic allows 1,000)."""

REFRESH_CONCURRENCY = 8
"""Batches of one profile asked for one by one at the same time (the fallback only)."""

T = TypeVar("T")

Change = tuple[Batch, Batch | None]
"""A batch as it is now, and as it was known before (None: new)."""


@dataclass
class Listing:
    """What the newest part of a profile's list said."""

    seen: set[str] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)


async def list_newest(
    provider: Provider, known: Mapping[str, Batch], active: Mapping[str, Batch]
) -> Listing:
    """Read the list newest first until it reaches known ground; see the module docstring."""
    listing = Listing()
    known_seen = 0
    oldest_active = min((b.created_at for b in active.values()), default=None)
    batches = provider.list_batches(page_size=POLL_PAGE_SIZE)
    async with closing(batches) as items:
        async for fresh in items:
            listing.seen.add(fresh.id)
            previous = known.get(fresh.id)
            batch = merge(previous, fresh)
            if previous is None or differs(previous, batch):
                listing.changes.append((batch, previous))
            known_seen += previous is not None
            if not known_seen:
                continue  # still discovering: read on
            every_active_seen = active.keys() <= listing.seen
            past_active = oldest_active is None or fresh.created_at < oldest_active
            # A few old active batches far down the list cost less asked for one by one
            # than the pages of ended batches in front of them.
            far_enough = known_seen >= POLL_PAGE_SIZE
            if every_active_seen or past_active or far_enough:
                break
    return listing


async def refresh_each(
    provider: Provider,
    batches: list[Batch],
    on_gone: Callable[[Batch], Awaitable[None]],
) -> list[Change]:
    """GET each batch (a few at a time); the first error about the profile cancels the rest."""
    gate = asyncio.Semaphore(REFRESH_CONCURRENCY)
    failed = False  # a refresh let into the gate as a failed one leaves it must not start

    async def refresh(previous: Batch) -> Change | None:
        nonlocal failed
        async with gate:
            if failed:
                return None
            try:
                fresh = await provider.get_batch(previous.id)
            except ProviderError as exc:
                if exc.kind != "not_found":
                    failed = True
                    raise
                await on_gone(previous)
                return None
        batch = merge(previous, fresh)
        return (batch, previous) if differs(previous, batch) else None

    changes = await each_at_once(refresh, batches)
    return [change for change in changes if change is not None]


async def each_at_once(
    run: Callable[[Batch], Coroutine[Any, Any, T]], batches: list[Batch]
) -> list[T]:
    """``run`` on every batch at the same time, their answers in order.

    One error goes on, as from a plain await: a ProviderError first (it says which state the
    profile is in), else whatever failed (a StoreError, say). The others are cancelled.
    """
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(b)) for b in batches]
    except BaseExceptionGroup as failures:
        provider_errors, _ = failures.split(ProviderError)
        raise (provider_errors or failures).exceptions[0] from None
    return [task.result() for task in tasks]


def merge(previous: Batch | None, fresh: Batch) -> Batch:
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
        deleted_remotely=previous.deleted_remotely,
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
"""Provider fields whose change is worth storing and telling about."""

_LOCAL = ("label", "notes", "source", "parent_id", "results_state", "deleted_remotely")
"""Fields only the store knows (another process may have changed them)."""


def differs(old: Batch, new: Batch) -> bool:
    """Whether the provider's view changed."""
    return any(getattr(old, name) != getattr(new, name) for name in _COMPARED)


def differs_in_store(old: Batch, new: Batch) -> bool:
    """Whether two readings of the store differ in anything a pane shows."""
    return differs(old, new) or any(getattr(old, name) != getattr(new, name) for name in _LOCAL)


@contextlib.asynccontextmanager
async def closing(stream: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Like :func:`contextlib.aclosing`, for iterators that may not have ``aclose``."""
    try:
        yield stream
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()
