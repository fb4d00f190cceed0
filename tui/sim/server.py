"""The simulator: one aiohttp server on loopback speaking both batch APIs.

``/anthropic/v1/...`` is the Anthropic API, ``/openai/v1/...`` the OpenAI one and ``/_sim/...``
the control API. Every API request goes through :meth:`Simulator._serve`, which counts the
attempt, applies any injected fault, checks the key and renders errors in the right envelope.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import orjson
from aiohttp import web

from tui.sim import anthropic_api, control, openai_api
from tui.sim.clock import SimClock
from tui.sim.faults import ROUTES, Fault, Faults
from tui.sim.outcomes import digest
from tui.sim.state import SimState
from tui.sim.wire import (
    ANTHROPIC,
    DROP_AFTER,
    OPENAI,
    REQUEST_ID,
    ApiError,
    error_body,
    request_id_header,
)

log = logging.getLogger(__name__)

MB = 1024 * 1024
Handler = Callable[["Simulator", web.Request], Awaitable[web.StreamResponse]]
Handler2 = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(kw_only=True)
class SimOptions:
    """How the simulated world behaves. ``speed=0`` freezes the clock (tests advance it)."""

    seed: int = 0
    speed: float = 1.0
    expire_rate: float = 0.02
    """Share of batches that run past the 24-hour window and expire."""
    error_rate: float = 0.02
    """Share of requests that fail server-side (``api_error``/``overloaded_error``, or a 500)."""
    shuffle: bool = True
    """Return results in a seeded random order, as the real APIs may."""
    start: datetime | None = None
    """Simulated time at start (default: now, to the second)."""
    max_batch_bytes: int = 256 * MB
    max_file_bytes: int = 200 * MB
    state_file: Path | None = None
    """Restore state from this JSON file on start and save it on stop."""


class Simulator:
    """Both batch APIs on loopback; see the README section "Simulator"."""

    def __init__(self, options: SimOptions | None = None) -> None:
        self.options = options or SimOptions()
        self.clock = SimClock(self.options.start, self.options.speed)
        self.state = SimState(
            seed=self.options.seed,
            error_rate=self.options.error_rate,
            expire_rate=self.options.expire_rate,
        )
        self.faults = Faults()
        self.counters: dict[str, int] = dict.fromkeys(ROUTES, 0)
        self.revoked_keys: set[str] = set()
        self._request_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        if self.options.state_file is not None and self.options.state_file.exists():
            self.load_state(self.options.state_file)

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = self.build_app()
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)  # what loop.create_server made
        self.host, self.port = host, server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.options.state_file is not None:
            self.save_state(self.options.state_file)
        self.state.close_files()  # after the save, which reads them

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def anthropic_base_url(self) -> str:
        return self.base_url + anthropic_api.PREFIX

    @property
    def openai_base_url(self) -> str:
        return self.base_url + openai_api.PREFIX

    # --- knobs ---------------------------------------------------------------------------------

    def revoke_key(self, key: str) -> None:
        """From now on ``key`` gets 401 ``authentication_error`` on every route."""
        self.revoked_keys.add(key)

    def reset(self) -> None:
        """Forget every batch, file, fault, revoked key and count: an empty world, as at start
        (the clock goes on). Tests that each need a fresh provider call this between them."""
        self.state.close_files()
        self.state = SimState(
            seed=self.options.seed,
            error_rate=self.options.error_rate,
            expire_rate=self.options.expire_rate,
        )
        self.faults.clear()
        self.counters = dict.fromkeys(ROUTES, 0)
        self.revoked_keys.clear()

    def seed_demo_workspace(self) -> None:
        """About 30 batches of both providers, created over the simulated past days."""
        from tui.sim.scenarios import seed_demo_workspace

        seed_demo_workspace(self)

    def save_state(self, path: Path) -> None:
        data = {"clock": self.clock.time(), "state": self.state.to_json()}
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(orjson.dumps(data))
        tmp.replace(path)

    def load_state(self, path: Path) -> None:
        data = orjson.loads(path.read_bytes())
        self.clock.set_time(data["clock"])
        self.state.load_json(data["state"])

    # --- HTTP ----------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        # The SDK sends a 100,000-request batch as 20-40 MB of JSON; the API allows 256 MB.
        app = web.Application(
            client_max_size=self.options.max_batch_bytes + 64 * MB,
            middlewares=[self._unknown_routes],
        )
        for provider, prefix, routes in (
            (ANTHROPIC, anthropic_api.PREFIX, anthropic_api.ROUTES),
            (OPENAI, openai_api.PREFIX, openai_api.ROUTES),
        ):
            for method, path, name, handler in routes:
                app.router.add_route(method, prefix + path, self._route(provider, name, handler))
        control.add_routes(app, self)
        return app

    @web.middleware
    async def _unknown_routes(self, request: web.Request, handler: Handler2) -> web.StreamResponse:
        """A path or method no route serves gets the provider's JSON error envelope and a request
        id, as the real APIs answer, never aiohttp's plain-text 404/405."""
        try:
            return await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as exc:
            provider = _provider_of(request.path)
            if provider is None:
                raise
            request_id = self._new_request_id()
            if provider == OPENAI:  # OpenAI answers both with 404 "Invalid URL (METHOD /path)"
                path = request.path.removeprefix("/openai")
                error = ApiError(404, f"Invalid URL ({request.method} {path})")
            else:
                error = ApiError(exc.status, exc.reason)
            response = web.Response(
                body=orjson.dumps(error_body(provider, error, request_id)),
                status=error.status,
                content_type="application/json",
            )
            response.headers[request_id_header(provider)] = request_id
            return response

    def _route(
        self, provider: str, name: str, handler: Handler
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            return await self._serve(provider, name, handler, request)

        return serve

    async def _serve(
        self, provider: str, name: str, handler: Handler, request: web.Request
    ) -> web.StreamResponse:
        self.counters[name] += 1
        request_id = self._new_request_id()
        request[REQUEST_ID] = request_id
        fault = self.faults.take(name)
        try:
            if fault is not None:
                early = await self._apply_fault(fault, provider, request)
                if early is not None:
                    raise early
            self._authenticate(provider, request)
            if provider == ANTHROPIC and not request.headers.get("anthropic-version"):
                raise ApiError(400, "anthropic-version: header is required")
            response = await handler(self, request)
        except ConnectionError:
            raise  # the client went away mid-answer: nobody to answer
        except Exception as exc:
            error = _as_api_error(exc, name)
            response = web.Response(
                body=orjson.dumps(error_body(provider, error, request_id)),
                status=error.status,
                content_type="application/json",
            )
            if fault is not None and error.status in (429, 500, 503, 529):
                _fault_headers(response, fault)
        if not response.prepared:
            response.headers[request_id_header(provider)] = request_id
            response.headers.update(_rate_limit_headers(provider, self.clock.time(), response))
            if DROP_AFTER in request:  # a drop on a plain JSON route: no answer at all
                _abort(request)
        return response

    def _new_request_id(self) -> str:
        return "req_" + digest(self.options.seed, "request", next(self._request_ids))[:12].hex()

    async def _apply_fault(
        self, fault: Fault, provider: str, request: web.Request
    ) -> ApiError | None:
        """Stall or mark the request for a drop, or return the error to answer with."""
        if fault.kind == "latency":
            await asyncio.sleep(fault.seconds)
            return None
        if fault.kind == "drop":
            request[DROP_AFTER] = fault.after_bytes
            return None
        anthropic_kind, openai_kind, openai_code, message = _FAULT_ERRORS[fault.kind]
        if provider == ANTHROPIC:
            status = 529 if fault.kind == "503" else int(fault.kind)  # Anthropic overload: 529
            return ApiError(status, message, kind=anthropic_kind)
        status = 503 if fault.kind == "529" else int(fault.kind)  # OpenAI has no 529: 503
        return ApiError(status, message, kind=openai_kind, code=openai_code)

    def _authenticate(self, provider: str, request: web.Request) -> None:
        key = None
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        if provider == ANTHROPIC and not key:
            key = request.headers.get("x-api-key", "").strip()
        if not key:
            if provider == ANTHROPIC:
                raise ApiError(401, "x-api-key header is required")
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                kind="invalid_request_error",
            )
        if key in self.revoked_keys:
            if provider == ANTHROPIC:
                raise ApiError(401, "invalid x-api-key")
            raise ApiError(
                401,
                "Incorrect API key provided.",
                kind="invalid_request_error",
                code="invalid_api_key",
            )

    async def stream(
        self,
        request: web.Request,
        chunks: Iterable[bytes],
        content_type: str,
        *,
        filename: str | None = None,
    ) -> web.StreamResponse:
        """Send ``chunks`` as a chunked body, batching small ones; a ``drop`` fault cuts it."""
        provider = ANTHROPIC if request.path.startswith(anthropic_api.PREFIX) else OPENAI
        headers = {
            "content-type": content_type,
            request_id_header(provider): request[REQUEST_ID],
            **_rate_limit_headers(provider, self.clock.time(), None),
        }
        if filename is not None:  # as the real downloads say; quoted, never raw user text
            headers["content-disposition"] = (
                f"attachment; filename={orjson.dumps(filename).decode()}"
            )
        response = web.StreamResponse(status=200, headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        drop_after = request.get(DROP_AFTER)
        sent = 0
        for chunk in _coalesce(chunks, anthropic_api.CHUNK_BYTES):
            if drop_after is not None and sent + len(chunk) > drop_after:
                await response.write(chunk[: max(0, drop_after - sent)])
                _abort(request)
                return response
            await response.write(chunk)
            sent += len(chunk)
            # Lines are rendered on this event loop: let other requests in between chunks.
            await asyncio.sleep(0)
        if drop_after is not None:  # the body was shorter than after_bytes: drop at its end
            _abort(request)
            return response
        await response.write_eof()
        return response


def _as_api_error(exc: Exception, route: str) -> ApiError:
    """Any failure as an error in the provider's envelope, never aiohttp's plain text."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, web.HTTPException):  # e.g. aiohttp's own 413 for an oversized body
        return ApiError(exc.status, exc.text or exc.reason)
    log.exception("simulator error on %s", route)  # a bug in the simulator: say so
    return ApiError(500, f"Simulator error: {exc!r}")


def _provider_of(path: str) -> str | None:
    if path.startswith(anthropic_api.PREFIX + "/"):
        return ANTHROPIC
    if path.startswith(openai_api.PREFIX.removesuffix("/v1") + "/"):
        return OPENAI
    return None


def _fault_headers(response: web.StreamResponse, fault: Fault) -> None:
    """``retry-after`` in whole seconds, as the APIs send it; ``x-should-retry: true`` as the
    SDKs honour; and, unless turned off, a small ``retry-after-ms`` that keeps tests quick."""
    response.headers["retry-after"] = str(max(0, fault.retry_after))
    if fault.retry_after_ms is not None:
        response.headers["retry-after-ms"] = str(fault.retry_after_ms)
    response.headers["x-should-retry"] = "true"


RATE_LIMIT_REQUESTS = 4000
"""Requests per minute the simulated account may make (Anthropic's tier-4 batch RPM, A.7)."""


def _rate_limit_headers(
    provider: str, now: float, response: web.StreamResponse | None
) -> dict[str, str]:
    """The rate-limit headers both APIs send on every answer (A.9; OpenAI ``x-ratelimit-*``).
    The simulator does not count usage: ``remaining`` is full, or 0 on a 429."""
    limited = response is not None and response.status == 429
    remaining = "0" if limited else str(RATE_LIMIT_REQUESTS - 1)
    if provider == ANTHROPIC:
        reset = datetime.fromtimestamp(now + 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "anthropic-ratelimit-requests-limit": str(RATE_LIMIT_REQUESTS),
            "anthropic-ratelimit-requests-remaining": remaining,
            "anthropic-ratelimit-requests-reset": reset,
        }
    return {
        "x-ratelimit-limit-requests": str(RATE_LIMIT_REQUESTS),
        "x-ratelimit-remaining-requests": remaining,
        "x-ratelimit-reset-requests": "60s" if limited else "15ms",
    }


_FAULT_ERRORS = {
    # kind: (Anthropic error type, OpenAI error type, OpenAI code, message)
    "429": (
        "rate_limit_error",
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests (injected fault).",
    ),
    "500": ("api_error", "server_error", None, "Internal server error (injected fault)."),
    "503": ("overloaded_error", "server_error", None, "Overloaded (injected fault)."),
    "529": ("overloaded_error", "server_error", None, "Overloaded (injected fault)."),
}


def _coalesce(pieces: Iterable[bytes], size: int) -> Iterable[bytes]:
    """Join small pieces into chunks of about ``size`` bytes."""
    buffer: list[bytes] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def _abort(request: web.Request) -> None:
    """Close the connection mid-body, so the client sees an incomplete chunked response."""
    transport = request.transport
    if transport is not None:
        transport.abort()
