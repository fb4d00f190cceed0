"""Params of an OpenAI batch made elsewhere, read back from the input file the provider keeps.

Retry needs each request's params. A batch batchtui submitted has them stored; one made by
another tool does not. OpenAI keeps the batch's input file, so it is fetched once, streamed in
chunks into the store, and the plan is made again. Anthropic keeps no input: those batches
still need ``batchtui attach``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from tui.core.models import Batch, ProviderKind
from tui.core.store import Store
from tui.core.submit.retry import RetryPlan, replan_with_stored


@runtime_checkable
class InputFileSource(Protocol):
    """A provider that can stream a batch's input file back (OpenAI)."""

    def stream_input_requests(
        self, batch: Batch, *, chunk_size: int = 2000
    ) -> AsyncIterator[list[tuple[str, bytes]]]: ...


def can_fetch_input(plan: RetryPlan) -> bool:
    """Whether the provider still holds what this plan lacks (an OpenAI input file)."""
    batch = plan.batch
    return (
        bool(plan.missing_params)
        and batch.provider is ProviderKind.OPENAI
        and bool(batch.input_file_id)
    )


async def fetch_input_params(store: Store, provider: object, batch: Batch) -> int:
    """Store the params of every request in ``batch``'s input file; returns how many."""
    if not isinstance(provider, InputFileSource):
        return 0
    stored = 0
    async for chunk in provider.stream_input_requests(batch):
        stored += await store.requests.put(batch.id, chunk)
    return stored


async def complete_plan(store: Store, provider: object, plan: RetryPlan) -> RetryPlan:
    """``plan`` with the params the provider still holds fetched (once: they are stored)."""
    if not can_fetch_input(plan):
        return plan
    await fetch_input_params(store, provider, plan.batch)
    return await replan_with_stored(store, plan)
