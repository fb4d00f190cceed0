"""The API call log: every HTTP call batchtui made this session, newest first, in memory.

Each provider's SDK client is given an ``httpx2.AsyncClient`` whose ``event_hooks`` report to
one shared :class:`CallLog` (:meth:`CallLog.http_client`); nothing in the SDKs is patched. A
call is one HTTP attempt: a request the SDK retried after a 429 is several calls, each with its
``attempt`` number (the SDK's ``x-stainless-retry-count``) and the ``retry-after`` it was told.

What is kept of a call is chosen field by field; no header is copied wholesale, so API keys and
``authorization``/``x-api-key`` headers never reach a record. The provider's text (its request
id) is sanitised, since it ends up on a terminal.

A request that gets no response at all (connection refused, timeout) never reaches the response
hook. HTTP calls of one asyncio task happen one after another, so such a call is closed when the
same task sends its next request (the SDK's retry) or when the provider reports the failure
(:meth:`CallLog.task_failed`). Until then it is listed as in flight.

The log is bounded (:data:`CAPACITY` calls, the oldest dropped) and guarded by a lock, so a
reader in another thread sees a consistent copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.core.text import one_line

if TYPE_CHECKING:
    import httpx2

CAPACITY = 2000
"""Calls kept; the oldest go first."""

REQUEST_ID_HEADERS = ("request-id", "x-request-id")
"""Anthropic's and OpenAI's request id headers."""

NO_RESPONSE = "no response"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP attempt. ``status`` is None while in flight or when no response came."""

    seq: int
    """Order of sending, from 1; newer calls have larger numbers."""
    started_at: datetime
    profile: str
    method: str
    route: str
    """The URL path, without host or query."""
    attempt: int = 0
    """0 for the first try, n for the SDK's n-th retry."""
    status: int | None = None
    latency: float | None = None
    """Seconds from sending the request to the response's headers."""
    request_id: str = ""
    bytes_sent: int | None = None
    bytes_received: int | None = None
    """The response's Content-Length; None for a streamed body (results downloads)."""
    retry_after: float | None = None
    """Seconds the provider asked to wait (``retry-after-ms`` or ``retry-after``)."""
    error: str = ""
    """Why no response came; empty for a call that got one, or is still in flight."""

    @property
    def in_flight(self) -> bool:
        return self.status is None and not self.error

    @property
    def is_trouble(self) -> bool:
        """Rate limited, a server error, or no response: the calls worth highlighting."""
        return self.status == 429 or (self.status or 0) >= 500 or bool(self.error)

    def describe_status(self) -> str:
        if self.status is not None:
            return str(self.status)
        return "ERR" if self.error else "…"


@dataclass
class _Pending:
    record: CallRecord
    started: float
    task: asyncio.Task[Any] | None
    request: object
    """Held so that its ``id()``, the pending call's key, is not reused while pending."""


class CallLog:
    """The calls of one session; see the module docstring."""

    def __init__(
        self,
        capacity: int = CAPACITY,
        *,
        clock: Callable[[], datetime] | None = None,
        timer: Callable[[], float] = time.perf_counter,
        on_finished: Callable[[CallRecord], None] | None = None,
    ) -> None:
        self.capacity = capacity
        self.on_finished = on_finished
        """Called with every call once it is over: answered, or closed without a response
        (after the lock is released)."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._timer = timer
        self._done: deque[CallRecord] = deque(maxlen=capacity)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self.version = 0
        """Bumped on every change, so a screen redraws only when there is something new."""

    # --- reading ----------------------------------------------------------------------------

    def records(self) -> list[CallRecord]:
        """Every call kept, newest first, in-flight ones included."""
        with self._lock:
            calls = [p.record for p in self._pending.values()] + list(self._done)
        return sorted(calls, key=lambda call: call.seq, reverse=True)

    def __len__(self) -> int:
        with self._lock:
            return len(self._done) + len(self._pending)

    # --- recording ---------------------------------------------------------------------------

    def started(
        self,
        profile: str,
        method: str,
        route: str,
        *,
        attempt: int = 0,
        bytes_sent: int | None = None,
        key: object = None,
    ) -> CallRecord:
        """A request is being sent; ``key`` identifies it for :meth:`finished`."""
        task = _current_task()
        with self._lock:
            unanswered = self._close_task(task, NO_RESPONSE)  # this task's earlier call
            self._seq += 1
            record = CallRecord(
                seq=self._seq,
                started_at=self._clock(),
                profile=profile,
                method=method,
                route=route,
                attempt=attempt,
                bytes_sent=bytes_sent,
            )
            self._pending[id(key) if key is not None else -self._seq] = _Pending(
                record, self._timer(), task, key
            )
            if len(self._pending) > self.capacity:  # calls of tasks that vanished mid-call
                del self._pending[next(iter(self._pending))]
            self.version += 1
        self._report(unanswered)
        return record

    def finished(
        self,
        key: object,
        status: int,
        headers: Mapping[str, str],
    ) -> CallRecord | None:
        """The response to the request ``key`` arrived (its headers, at least)."""
        with self._lock:
            pending = self._pending.pop(id(key), None)
            if pending is None:
                return None
            record = replace(
                pending.record,
                status=status,
                latency=self._timer() - pending.started,
                request_id=_request_id(headers),
                bytes_received=_int_or_none(headers.get("content-length")),
                retry_after=retry_after(headers) if status == 429 or status >= 500 else None,
            )
            self._done.append(record)
            self.version += 1
        self._report([record])
        return record

    def task_failed(self, error: str) -> None:
        """The current task's call in flight failed without a response (say why)."""
        task = _current_task()
        with self._lock:
            unanswered = self._close_task(task, one_line(error, limit=200) or NO_RESPONSE)
        self._report(unanswered)

    def _close_task(self, task: asyncio.Task[Any] | None, error: str) -> list[CallRecord]:
        """Close ``task``'s calls in flight as unanswered (under the lock); the closed ones."""
        closed: list[CallRecord] = []
        if task is None:
            return closed
        for key, pending in list(self._pending.items()):
            if pending.task is task:
                del self._pending[key]
                record = replace(
                    pending.record, error=error, latency=self._timer() - pending.started
                )
                self._done.append(record)
                closed.append(record)
                self.version += 1
        return closed

    def _report(self, records: list[CallRecord]) -> None:
        if self.on_finished is not None:
            for record in records:
                self.on_finished(record)

    # --- the SDK's HTTP client ---------------------------------------------------------------

    def event_hooks(self, profile: str) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
        """``event_hooks`` for an ``httpx2.AsyncClient`` whose calls belong to ``profile``."""

        async def on_request(request: httpx2.Request) -> None:
            self.started(
                profile,
                request.method,
                request.url.path,
                attempt=_int_or_none(request.headers.get("x-stainless-retry-count")) or 0,
                bytes_sent=_int_or_none(request.headers.get("content-length")),
                key=request,
            )

        async def on_response(response: httpx2.Response) -> None:
            self.finished(response.request, response.status_code, response.headers)

        return {"request": [on_request], "response": [on_response]}

    def http_client(self, profile: str, factory: Callable[..., httpx2.AsyncClient]) -> Any:
        """An HTTP client for an SDK, built by ``factory`` (the SDK's ``DefaultAsyncHttpxClient``,
        which keeps the SDK's own timeouts, limits and proxies), reporting to this log."""
        return factory(event_hooks=self.event_hooks(profile))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the response asks to wait, read as the SDKs read it (``retry-after-ms`` first,
    then ``retry-after`` in seconds); an HTTP date is left out (the SDKs' rare case)."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / scale
        except ValueError:
            continue
    return None


def _request_id(headers: Mapping[str, str]) -> str:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return one_line(value, limit=80)
    return ""


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop
        return None


@contextlib.contextmanager
def failures_noted(log: CallLog | None) -> Iterator[None]:
    """Close the current task's call in flight with the reason, if the block raises.

    Wrapped around the provider's error translation, so the reason is the translated, one-line
    message with the key scrubbed out, not the SDK's exception."""
    try:
        yield
    except (Exception, asyncio.CancelledError) as exc:  # not GeneratorExit: a reader stopped
        if log is not None:
            reason = "cancelled" if isinstance(exc, asyncio.CancelledError) else str(exc)
            log.task_failed(reason)
        raise
