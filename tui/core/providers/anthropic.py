"""The Anthropic Message Batches API through the official async SDK.

Batches are read through ``with_raw_response`` and parsed with orjson, so :attr:`Batch.raw` is
exactly what the API sent; results are streamed as raw bytes (see
:mod:`tui.core.providers.streaming`). The SDK is imported when a provider is built, never when
this module is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from tui.core.models import Batch, ProviderKind, RequestResult
from tui.core.providers.base import ProgressCallback
from tui.core.providers.normalize import anthropic_batch, anthropic_result
from tui.core.providers.sdk_provider import SdkProvider
from tui.core.providers.streaming import parse_chunks

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic


class AnthropicProvider(SdkProvider["AsyncAnthropic"]):
    """One Anthropic profile (:class:`~tui.core.providers.base.Provider`)."""

    kind = ProviderKind.ANTHROPIC
    PAGE_SIZE = 1000
    AFTER_PARAM = "after_id"

    def _sdk_classes(self) -> tuple[type[AsyncAnthropic], Callable[..., Any]]:
        from anthropic import AsyncAnthropic, DefaultAsyncHttpxClient

        return AsyncAnthropic, DefaultAsyncHttpxClient

    async def _list_page(self, query: dict[str, Any]) -> bytes:
        response = await self.client.messages.batches.with_raw_response.list(**query)
        return response.http_response.content

    def _next_after(self, page: dict[str, Any], data: list[Any]) -> str | None:
        last_id: str | None = page.get("last_id")
        return last_id

    def _batch(self, data: dict[str, Any]) -> Batch:
        return anthropic_batch(data, self.profile.name)

    async def get_batch(self, batch_id: str) -> Batch:
        with self._translated():
            response = await self.client.messages.batches.with_raw_response.retrieve(batch_id)
        return self._parsed(response.http_response.content)

    async def create_batch(
        self,
        requests: Sequence[tuple[str, bytes]],
        *,
        endpoint: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Batch:
        """Create a batch; ``metadata`` is accepted for the common interface and not sent
        (Message Batches have no metadata field)."""
        import httpx2

        # Spliced as bytes: the SDK's typed create() walks every param of 100,000 requests.
        body = b'{"requests":[' + b",".join(_request_item(c, p) for c, p in requests) + b"]}"
        with self._translated():
            response = await self.client.post(
                "/v1/messages/batches",
                content=body,
                cast_to=httpx2.Response,
                # No automatic retry: a connection dropped after the batch was created would
                # create it twice. The submit ledger recovers such a create on the next run.
                options={"headers": {"content-type": "application/json"}, "max_retries": 0},
            )
        return self._parsed(response.content)

    async def cancel_batch(self, batch_id: str) -> Batch:
        with self._translated():
            response = await self.client.messages.batches.with_raw_response.cancel(batch_id)
        return self._parsed(response.http_response.content)

    async def delete_batch(self, batch_id: str) -> None:
        with self._translated():
            await self.client.messages.batches.delete(batch_id)

    async def stream_results(
        self, batch: Batch, *, chunk_size: int = 2000, progress: ProgressCallback | None = None
    ) -> AsyncIterator[list[RequestResult]]:
        with self._translated():
            streaming = self.client.messages.batches.with_streaming_response
            async with streaming.results(batch.id) as response:
                chunks = parse_chunks(
                    response.iter_bytes(),
                    anthropic_result,
                    batch.id,
                    chunk_size=chunk_size,
                    progress=progress,
                )
                async for results in chunks:
                    yield results

    async def count_tokens(self, params: dict[str, Any]) -> int:
        fields = {"model", "messages", "system", "tools", "tool_choice", "thinking"}
        with self._translated():
            counted = await self.client.messages.count_tokens(
                **{k: v for k, v in params.items() if k in fields}
            )
        return counted.input_tokens


def _request_item(custom_id: str, params: bytes) -> bytes:
    return b'{"custom_id":' + orjson.dumps(custom_id) + b',"params":' + params + b"}"
