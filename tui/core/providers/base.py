"""The one small interface both providers implement over their official async SDKs.

Everything above this layer (sync engine, commands, TUI) speaks in the core's models and
:class:`~tui.core.errors.ProviderError`; nothing above it imports an SDK.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Protocol

from tui.core.config import Profile
from tui.core.models import Batch, ProviderKind, RequestResult

ProgressCallback = Callable[[int], None]
"""Called with the number of bytes received so far while results stream in."""


class Provider(Protocol):
    """One profile's connection to its batch API."""

    profile: Profile
    kind: ProviderKind

    def list_batches(self, *, page_size: int | None = None) -> AsyncIterator[Batch]:
        """Every batch of the account, newest first, paging through the API as needed.

        ``page_size`` asks for smaller pages (the API's maximum by default): a poll that
        stops at the first batch it knows reads one small page, not a thousand batches.
        """
        ...

    async def get_batch(self, batch_id: str) -> Batch: ...

    async def create_batch(
        self,
        requests: Sequence[tuple[str, bytes]],
        *,
        endpoint: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Batch:
        """Create a batch from ``(custom_id, body_json)`` pairs.

        For Anthropic the body is the Messages ``params``; for OpenAI it is the request ``body``
        and ``endpoint`` (``/v1/chat/completions`` by default) names the URL. ``metadata`` is
        kept on the batch where the API has a place for it (OpenAI). The create is never retried
        automatically: a retry after a lost response would create a second batch.
        """
        ...

    async def cancel_batch(self, batch_id: str) -> Batch: ...

    async def delete_batch(self, batch_id: str) -> None:
        """Delete an ended batch at the provider (OpenAI has no delete: its files are removed)."""
        ...

    def stream_results(
        self, batch: Batch, *, chunk_size: int = 2000, progress: ProgressCallback | None = None
    ) -> AsyncIterator[list[RequestResult]]:
        """The results of an ended batch, parsed from the raw body in chunks, never all at once."""
        ...

    async def count_tokens(self, params: dict[str, Any]) -> int:
        """Input tokens of one request (Anthropic's count_tokens; OpenAI raises ProviderError)."""
        ...

    async def close(self) -> None: ...
