"""The OpenAI Batch and Files APIs through the official async SDK.

A batch's results live in two files, the output file (successes) and the error file (failures,
expiries, cancellations); both are streamed as raw bytes and every line is judged by its own
content (see :mod:`tui.core.providers.normalize`). OpenAI has no batch delete: deleting a batch
deletes its files. The SDK is imported when a provider is built, never when this module is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson

from tui.core.errors import ProviderError
from tui.core.models import Batch, ProviderKind, RequestResult
from tui.core.providers.base import ProgressCallback
from tui.core.providers.normalize import openai_batch, openai_result
from tui.core.providers.sdk_provider import Requests, SdkFacts, SdkProvider
from tui.core.providers.streaming import split_lines

if TYPE_CHECKING:
    from openai import AsyncOpenAI

DEFAULT_ENDPOINT = "/v1/chat/completions"


class OpenAIProvider(SdkProvider["AsyncOpenAI"]):
    """One OpenAI profile (:class:`~tui.core.providers.base.Provider`)."""

    client: AsyncOpenAI

    kind = ProviderKind.OPENAI
    SDK = SdkFacts("openai", "AsyncOpenAI", 100, after_param="after", batch_from_json=openai_batch)

    def _raw_batches(self) -> Any:
        return self.client.batches.with_raw_response

    def _next_after(self, page: dict[str, Any], data: list[Any]) -> str | None:
        last: str = data[-1]["id"]  # as the SDK pages: by the last item, not last_id
        return last

    async def _create(
        self, requests: Requests, endpoint: str | None, metadata: dict[str, str] | None
    ) -> bytes:
        """Upload the requests as a JSONL file, then create the batch over it.

        ``metadata`` rides on the batch, so the submit ledger can recognise a batch whose
        create was interrupted.
        """
        url = endpoint or DEFAULT_ENDPOINT
        data = b"".join(_input_line(custom_id, body, url) for custom_id, body in requests)
        extra: dict[str, Any] = {"metadata": metadata} if metadata else {}
        uploaded = await self.client.files.create(
            file=("batch.jsonl", data, "application/jsonl"), purpose="batch"
        )
        response = await self.client.with_options(max_retries=0).batches.with_raw_response.create(
            input_file_id=uploaded.id,
            # The SDK types endpoint as a Literal of the endpoints it knows; ours is a
            # str checked against OPENAI_ENDPOINTS when the file was validated.
            endpoint=url,  # type: ignore[arg-type]
            completion_window="24h",
            **extra,
        )
        return response.content

    async def delete_batch(self, batch_id: str) -> None:
        batch = await self.get_batch(batch_id)
        for file_id in (batch.input_file_id, batch.output_file_id, batch.error_file_id):
            if file_id:
                await self._delete_file(file_id)

    async def _delete_file(self, file_id: str) -> None:
        try:
            with self._translated():
                await self.client.files.delete(file_id)
        except ProviderError as exc:
            if exc.kind != "not_found":  # already gone is what we wanted
                raise

    async def stream_results(
        self, batch: Batch, *, chunk_size: int = 2000, progress: ProgressCallback | None = None
    ) -> AsyncIterator[list[RequestResult]]:
        received_before = 0

        def overall(received: int) -> None:
            if progress is not None:
                progress(received_before + received)

        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            received = 0

            def counted(n: int) -> None:
                nonlocal received
                received = n
                overall(n)

            streamed = self.client.files.with_streaming_response.content(file_id)
            chunks = self._stream_parsed(
                streamed, openai_result, batch.id, chunk_size=chunk_size, progress=counted
            )
            async for results in chunks:
                yield results
            received_before += received

    async def stream_input_requests(
        self, batch: Batch, *, chunk_size: int = 2000
    ) -> AsyncIterator[list[tuple[str, bytes]]]:
        """``(custom_id, body_json)`` of every request in the batch's input file, streamed in
        chunks (the provider keeps the file; a batch made elsewhere can be retried from it).
        Lines that are not a request are skipped: the provider refused those already."""
        if not batch.input_file_id:
            raise ProviderError(f"{batch.id} names no input file", kind="not_found")
        chunk: list[tuple[str, bytes]] = []
        with self._translated():
            streaming = self.client.files.with_streaming_response
            async with streaming.content(batch.input_file_id) as response:
                async for lines in split_lines(response.iter_bytes()):
                    chunk.extend(filter(None, map(_input_request, lines)))
                    if len(chunk) >= chunk_size:
                        yield chunk
                        chunk = []
        if chunk:
            yield chunk

    async def count_tokens(self, params: dict[str, Any]) -> int:
        raise ProviderError(
            f"profile {self.profile.name!r}: OpenAI has no token-counting endpoint",
            kind="bad_request",
        )


def _input_request(line: bytes) -> tuple[str, bytes] | None:
    """One input line's custom_id and compact body, or None for a line that is not one."""
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(item, dict):
        return None
    custom_id, body = item.get("custom_id"), item.get("body")
    if not isinstance(custom_id, str) or not isinstance(body, dict):
        return None
    return custom_id, orjson.dumps(body)


def _input_line(custom_id: str, body: bytes, url: str) -> bytes:
    head = orjson.dumps({"custom_id": custom_id, "method": "POST", "url": url})
    return head[:-1] + b',"body":' + body + b"}\n"
