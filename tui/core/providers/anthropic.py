"""The Anthropic Message Batches API through the official async SDK.

Batches are read through ``with_raw_response`` and parsed with orjson, so :attr:`Batch.raw` is
exactly what the API sent; results are streamed as raw bytes (see
:mod:`tui.core.providers.streaming`). The SDK is imported when a provider is built, never when
this module is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from tui.core.models import Batch, ProviderKind, RequestResult
from tui.core.providers.base import ProgressCallback
from tui.core.providers.normalize import anthropic_batch, anthropic_result
from tui.core.providers.sdk_provider import Requests, SdkFacts, SdkProvider

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic


class AnthropicProvider(SdkProvider["AsyncAnthropic"]):
    """One Anthropic profile (:class:`~tui.core.providers.base.Provider`)."""

    client: AsyncAnthropic

    kind = ProviderKind.ANTHROPIC
    SDK = SdkFacts(
        "anthropic", "AsyncAnthropic", 1000, after_param="after_id", batch_from_json=anthropic_batch
    )

    def _raw_batches(self) -> Any:
        return self.client.messages.batches.with_raw_response

    def _next_after(self, page: dict[str, Any], data: list[Any]) -> str | None:
        last_id: str | None = page.get("last_id")
        return last_id

    async def _create(
        self, requests: Requests, endpoint: str | None, metadata: dict[str, str] | None
    ) -> bytes:
        """``metadata`` is accepted for the common interface and not sent (Message Batches have
        no metadata field)."""
        import httpx2

        # Spliced as bytes: the SDK's typed create() walks every param of 100,000 requests.
        body = b'{"requests":[' + b",".join(_request_item(c, p) for c, p in requests) + b"]}"
        response = await self.client.post(
            "/v1/messages/batches",
            content=body,
            cast_to=httpx2.Response,
            options={"headers": {"content-type": "application/json"}, "max_retries": 0},
        )
        return response.content

    async def delete_batch(self, batch_id: str) -> None:
        with self._translated():
            await self.client.messages.batches.delete(batch_id)

    async def stream_results(
        self, batch: Batch, *, chunk_size: int = 2000, progress: ProgressCallback | None = None
    ) -> AsyncIterator[list[RequestResult]]:
        streamed = self.client.messages.batches.with_streaming_response.results(batch.id)
        chunks = self._stream_parsed(
            streamed, anthropic_result, batch.id, chunk_size=chunk_size, progress=progress
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
