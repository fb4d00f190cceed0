"""Splitting requests into batches that fit each provider's limits.

Anthropic takes up to 100,000 requests or 256 MB per batch; OpenAI up to 50,000 requests and a
200 MB input file, all for one model. :class:`Chunker` is streaming: requests go in one at a time
and each chunk comes out as soon as it is full. With several OpenAI models it keeps one open
chunk per model and flushes them at the end, in the order the models first appeared.

The same algorithm runs twice: once over light ``(custom_id, model, bytes)`` items while
checking the file (the plan that is estimated and recorded in the ledger), then over the full
requests while submitting. Both passes see the same lines in the same order, so chunk *k* of the
plan is chunk *k* of the submission.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from tui.core.models import ProviderKind

MB = 1_000_000
"""The APIs say "MB"; decimal megabytes are the smaller reading, so the safe one."""

SIZE_HEADROOM = 0.9
"""Fill chunks to 90 % of the byte limit: the SDKs re-serialise the JSON, not byte for byte."""


@dataclass(frozen=True)
class BatchLimits:
    """What one batch of a provider may hold."""

    max_requests: int
    max_bytes: int
    one_model: bool
    """OpenAI: every request of a batch must name the same model."""

    @property
    def byte_budget(self) -> int:
        return int(self.max_bytes * SIZE_HEADROOM)


LIMITS = {
    ProviderKind.ANTHROPIC: BatchLimits(max_requests=100_000, max_bytes=256 * MB, one_model=False),
    ProviderKind.OPENAI: BatchLimits(max_requests=50_000, max_bytes=200 * MB, one_model=True),
}


class Sized(Protocol):
    """What the chunker needs to know of a request."""

    @property
    def custom_id(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def wire_bytes(self) -> int: ...


T = TypeVar("T", bound=Sized)


@dataclass
class Chunk(Generic[T]):
    """Requests that go into one batch."""

    model: str | None
    """The model of every request (OpenAI); ``None`` when models may mix (Anthropic)."""
    items: list[T] = field(default_factory=list)
    bytes: int = 0


@dataclass(frozen=True)
class ChunkPlan:
    """One future batch, described without its requests."""

    index: int
    count: int
    bytes: int
    model: str | None
    first_custom_id: str
    fingerprint: str
    """sha256 of the chunk's custom_ids in order: identifies the chunk across runs."""


class Chunker(Generic[T]):
    """Cuts a stream of requests into chunks within ``limits``."""

    def __init__(self, limits: BatchLimits):
        self.limits = limits
        self._open: dict[str | None, Chunk[T]] = {}

    def add(self, item: T) -> Chunk[T] | None:
        """Add one request; returns the chunk it closed, if adding it needed a new one."""
        key = item.model if self.limits.one_model else None
        chunk = self._open.get(key)
        closed = None
        if chunk is not None and not self._fits(chunk, item):
            closed = self._open.pop(key)
            chunk = None
        if chunk is None:
            chunk = self._open[key] = Chunk(model=key)
        chunk.items.append(item)
        chunk.bytes += item.wire_bytes
        return closed

    def finish(self) -> list[Chunk[T]]:
        """The chunks still open, in the order their models first appeared."""
        chunks, self._open = list(self._open.values()), {}
        return [c for c in chunks if c.items]

    def _fits(self, chunk: Chunk[T], item: T) -> bool:
        return (
            len(chunk.items) < self.limits.max_requests
            and chunk.bytes + item.wire_bytes <= self.limits.byte_budget
        )


def chunk_stream(items: Iterable[T], limits: BatchLimits) -> Iterator[Chunk[T]]:
    """Every chunk of ``items``, in a fixed order (the order :func:`plan_chunks` numbers)."""
    chunker: Chunker[T] = Chunker(limits)
    for item in items:
        closed = chunker.add(item)
        if closed is not None:
            yield closed
    yield from chunker.finish()


@dataclass(frozen=True, slots=True)
class _Light:
    custom_id: str
    model: str
    wire_bytes: int


def plan_chunks(items: Iterable[Sized], limits: BatchLimits) -> list[ChunkPlan]:
    """The chunks ``items`` would make, keeping only their custom_ids while counting."""
    light = (_Light(i.custom_id, i.model, i.wire_bytes) for i in items)
    return [describe_chunk(index, chunk) for index, chunk in enumerate(chunk_stream(light, limits))]


def describe_chunk(index: int, chunk: Chunk[T]) -> ChunkPlan:
    return ChunkPlan(
        index=index,
        count=len(chunk.items),
        bytes=chunk.bytes,
        model=chunk.model,
        first_custom_id=chunk.items[0].custom_id,
        fingerprint=fingerprint(i.custom_id for i in chunk.items),
    )


def fingerprint(custom_ids: Iterable[str]) -> str:
    """A digest of custom_ids in order (newline-separated; custom_ids contain no newline)."""
    digest = hashlib.sha256()
    for custom_id in custom_ids:
        digest.update(custom_id.encode() + b"\n")
    return digest.hexdigest()
