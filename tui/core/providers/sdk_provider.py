"""What both providers do the same way over their official async SDKs.

:class:`SdkProvider` holds the profile and the key, builds the SDK client on first need (the SDK
is imported then, never when a module is), records every HTTP call in the call log through the
SDK's own httpx hooks, turns SDK and network errors into :class:`~tui.core.errors.ProviderError`
(the key never in the message), and pages through the batch listing. Each provider says what
differs: how its client is built, how one listing page is asked for and where the next starts,
and how a batch is normalised.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import orjson

from tui.core.calllog import CallLog, failures_noted
from tui.core.config import Profile
from tui.core.models import Batch
from tui.core.providers.translate import translated_errors

TIMEOUT = 120.0
"""Seconds per request; the SDKs' default of 600 s hides a dead connection for too long."""


class _SdkClient(Protocol):
    async def close(self) -> None: ...


ClientT = TypeVar("ClientT", bound=_SdkClient)


class SdkProvider(Generic[ClientT]):
    """The common half of a provider (:class:`~tui.core.providers.base.Provider`)."""

    PAGE_SIZE: ClassVar[int]
    """Batches per list request (the API's maximum)."""
    AFTER_PARAM: ClassVar[str]
    """The listing's query parameter naming the batch a page starts after."""

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

    def _sdk_classes(self) -> tuple[Callable[..., ClientT], Callable[..., Any]]:
        """The SDK's async client class and its ``DefaultAsyncHttpxClient`` (imports the SDK:
        seconds on a cold start, so only when a client is built)."""
        raise NotImplementedError

    async def _list_page(self, query: dict[str, Any]) -> bytes:
        """The raw JSON of one listing page for ``query``."""
        raise NotImplementedError

    def _next_after(self, page: dict[str, Any], data: list[Any]) -> str | None:
        """Where the listing page after ``page`` starts (None: it was the last)."""
        raise NotImplementedError

    def _batch(self, data: dict[str, Any]) -> Batch:
        raise NotImplementedError

    # --- shared ---

    def _sdk_client(self, api_key: str) -> ClientT:
        client_class, httpx_factory = self._sdk_classes()
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

    async def list_batches(self, *, page_size: int | None = None) -> AsyncIterator[Batch]:
        query: dict[str, Any] = {"limit": min(page_size or self.PAGE_SIZE, self.PAGE_SIZE)}
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
            query = {**query, self.AFTER_PARAM: after}

    async def close(self) -> None:
        await self.client.close()
