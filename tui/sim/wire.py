"""What both APIs share on the wire: error envelopes, request ids, timestamps, JSON replies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

ANTHROPIC, OPENAI = "anthropic", "openai"

REQUEST_ID = web.RequestKey("sim_request_id", str)
DROP_AFTER = web.RequestKey("sim_drop_after", int)
"""Set by a ``drop`` fault: how many body bytes to send before cutting the connection."""

_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_OPENAI_TYPES = {429: "rate_limit_exceeded", 500: "server_error", 529: "server_error"}


class ApiError(Exception):
    """An error the API answers with; rendered in the envelope of the provider that raised it."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str | None = None,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param
        self.code = code


def error_body(provider: str, error: ApiError, request_id: str) -> dict[str, Any]:
    if provider == ANTHROPIC:
        kind = error.kind or _ANTHROPIC_TYPES.get(error.status, "invalid_request_error")
        return {
            "type": "error",
            "error": {"type": kind, "message": error.message},
            "request_id": request_id,
        }
    kind = error.kind or _OPENAI_TYPES.get(error.status, "invalid_request_error")
    return {
        "error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}
    }


def request_id_header(provider: str) -> str:
    return "request-id" if provider == ANTHROPIC else "x-request-id"


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def rfc3339(timestamp: float | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``, as Anthropic writes its timestamps."""
    if timestamp is None:
        return None
    text = datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def unix(timestamp: float | None) -> int | None:
    """Whole Unix seconds, as OpenAI writes its timestamps."""
    return None if timestamp is None else int(timestamp)


async def read_json(request: web.Request) -> Any:
    """The body as JSON, or a 400 in the caller's envelope."""
    raw = await request.read()
    if not raw:
        raise ApiError(400, "The request body is empty; a JSON object is required.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name}: Input should be a valid integer", param=name) from None
    if not low <= value <= high:
        raise ApiError(
            400, f"{name}: Input should be between {low} and {high}, got {value}", param=name
        )
    return value
