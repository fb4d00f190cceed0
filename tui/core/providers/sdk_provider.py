"""What both providers do the same way over their official async SDKs.

:class:`SdkProvider` holds the profile and the key, builds the SDK client on first need (the SDK
is imported then, never when a module is), records every HTTP call in the call log through the
SDK's own httpx hooks, turns SDK and network errors into :class:`~tui.core.errors.ProviderError`
(the key never in the message), reads, cancels and pages through batches as the exact JSON the
API sent. Each provider says what differs: its :class:`SdkFacts` (the SDK, the listing's page
size and cursor parameter, the batch normaliser), its SDK's batches resource, and where the
next listing page starts.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import orjson

from tui.core.calllog import CallLog, failures_noted
from tui.core.config import Profile
from tui.core.models import Batch, RequestResult
from tui.core.providers.base import ProgressCallback
from tui.core.providers.streaming import LineParser, parse_chunks
from tui.core.providers.translate import translated_errors

TIMEOUT = 120.0
"""Seconds per request; the SDKs' default of 600 s hides a dead connection for too long."""


class _SdkClient(Protocol):
    async def close(self) -> None: ...


ClientT = TypeVar("ClientT", bound=_SdkClient)

Requests = Sequence[tuple[str, bytes]]
"""``(custom_id, body_json)`` pairs, as :meth:`~tui.core.providers.base.Provider.create_batch`
takes them."""


@dataclass(frozen=True)
class SdkFacts:
    """What differs between two providers that is only data."""

    module: str
    """The SDK's import name. It is imported when a client is built (seconds on a cold start),
    never when a module is."""
    client_class: str
    """The SDK's async client class; the SDK's ``DefaultAsyncHttpxClient`` goes with it."""
    page_size: int
    """Batches per list request (the API's maximum)."""
    after_param: str
    """The listing's query parameter naming the batch a page starts after."""
    batch_from_json: Callable[[dict[str, Any], str], Batch]
    """The normaliser of one batch's JSON, given the profile's name."""


class SdkProvider(Generic[ClientT]):
    """The common half of a provider (:class:`~tui.core.providers.base.Provider`)."""

    SDK: ClassVar[SdkFacts]

    def __init__(
        self,
        profile: Profile,
        api_key: str,
        *,
        client: ClientT | None = None,
        call_log: CallLog | None = None,
    ):
        self.profile = profile
        self._key = api_key
        self.call_log = call_log
        """Where every HTTP call of the client is recorded (the SDK's own event hooks)."""
        self.client: ClientT = client if client is not None else self._sdk_client(api_key)

    # --- what each provider says ---

    def _raw_batches(self) -> Any:
        """The SDK's batches resource answering raw responses (its ``with_raw_response``), so a
        batch is read as the exact JSON the API sent."""
        raise NotImplementedError

    async def _create(
        self, requests: Requests, endpoint: str | None, metadata: dict[str, str] | None
    ) -> bytes:
        """Send one create and return the new batch's raw JSON. Never retried automatically: a
        connection dropped after the batch was made would make a second one (the submit
        ledger recovers such a create on the next run)."""
        raise NotImplementedError

    def _next_after(self, page: dict[str, Any], data: list[Any]) -> str | None:
        """Where the listing page after ``page`` starts (None: it was the last)."""
        raise NotImplementedError

    # --- shared ---

    def _batch(self, data: dict[str, Any]) -> Batch:
        return self.SDK.batch_from_json(data, self.profile.name)

    def _sdk_client(self, api_key: str) -> ClientT:
        sdk = importlib.import_module(self.SDK.module)
        client_class: Callable[..., ClientT] = getattr(sdk, self.SDK.client_class)
        httpx_factory: Callable[..., Any] = sdk.DefaultAsyncHttpxClient
        # The SDK's own httpx client reports to the call log (without one, the SDK's default).
        http_client = (
            self.call_log.http_client(self.profile.name, httpx_factory)
            if self.call_log is not None
            else None
        )
        return client_class(
            api_key=api_key,
            base_url=self.profile.base_url,
            timeout=TIMEOUT,
            http_client=http_client,
        )

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        with (
            failures_noted(self.call_log),
            translated_errors(profile=self.profile.name, key=self._key),
        ):
            yield

    def _parsed(self, content: bytes) -> Batch:
        return self._batch(orjson.loads(content))

    async def _list_page(self, query: dict[str, Any]) -> bytes:
        """The raw JSON of one listing page for ``query``."""
        return _body(await self._raw_batches().list(**query))

    async def get_batch(self, batch_id: str) -> Batch:
        with self._translated():
            response = await self._raw_batches().retrieve(batch_id)
        return self._parsed(_body(response))

    async def create_batch(
        self,
        requests: Requests,
        *,
        endpoint: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Batch:
        with self._translated():
            content = await self._create(requests, endpoint, metadata)
        return self._parsed(content)

    async def cancel_batch(self, batch_id: str) -> Batch:
        with self._translated():
            response = await self._raw_batches().cancel(batch_id)
        return self._parsed(_body(response))

    async def list_batches(self, *, page_size: int | None = None) -> AsyncIterator[Batch]:
        most = self.SDK.page_size
        query: dict[str, Any] = {"limit": min(page_size or most, most)}
        while True:
            with self._translated():
                content = await self._list_page(query)
            page = orjson.loads(content)
            data = page.get("data") or []
            for item in data:
                yield self._batch(item)
            if not page.get("has_more") or not data:
                return
            after = self._next_after(page, data)
            if not after:
                return
            query = {**query, self.SDK.after_param: after}

    async def _stream_parsed(
        self,
        streamed: AbstractAsyncContextManager[Any],
        parse: LineParser,
        batch_id: str,
        *,
        chunk_size: int,
        progress: ProgressCallback | None,
    ) -> AsyncIterator[list[RequestResult]]:
        """The results in one streamed SDK response (results or a file's content), each line
        parsed by ``parse``, in chunks of ``chunk_size``."""
        with self._translated():
            async with streamed as response:
                chunks = parse_chunks(
                    response.iter_bytes(), parse, batch_id, chunk_size=chunk_size, progress=progress
                )
                async for results in chunks:
                    yield results

    async def close(self) -> None:
        await self.client.close()


def _body(raw_response: Any) -> bytes:
    """The bytes of an SDK raw response (both SDKs keep the httpx response, already read)."""
    content: bytes = raw_response.http_response.content
    return content
