"""The Anthropic Message Batches API (and ``count_tokens``) over HTTP, under ``/anthropic``.

Only the envelope of a create is checked synchronously; bad ``params`` come back later as
``errored`` results, as the real service does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tui.sim import outcomes as oc
from tui.sim.batches import ARCHIVE_AFTER, AnthropicBatch
from tui.sim.catalogue import catalogue
from tui.sim.check_anthropic import check_messages
from tui.sim.state import no_gc
from tui.sim.wire import ApiError, int_param, json_response, read_json, rfc3339

if TYPE_CHECKING:
    from tui.sim.server import Simulator

PREFIX = "/anthropic"
MAX_REQUESTS = 100_000
CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
CHUNK_BYTES = 256 * 1024
"""Results are streamed in chunks of about this size."""


def batch_json(batch: AnthropicBatch, now: float, base_url: str) -> dict[str, Any]:
    """The ``MessageBatch`` object: all ten fields, ``null`` where they do not apply yet."""
    status = batch.status(now)
    ended = status == "ended"
    archived = batch.created + ARCHIVE_AFTER
    return {
        "id": batch.id,
        "type": "message_batch",
        "processing_status": status,
        "request_counts": batch.counts(now),
        "ended_at": rfc3339(batch.end) if ended else None,
        "created_at": rfc3339(batch.created),
        "expires_at": rfc3339(batch.expires),
        "archived_at": rfc3339(archived) if ended and now >= archived else None,
        "cancel_initiated_at": rfc3339(batch.cancel_at),
        "results_url": f"{base_url}/v1/messages/batches/{batch.id}/results" if ended else None,
    }


def _base_url(request: web.Request) -> str:
    # The client's own view of the server (host and port it dialled), so results_url always
    # leads back here and never to the real API.
    return f"{request.scheme}://{request.host}{PREFIX}"


def _batch(sim: Simulator, request: web.Request) -> AnthropicBatch:
    batch_id = request.match_info["batch_id"]
    batch = sim.state.anthropic.get(batch_id)
    if batch is None:
        raise ApiError(404, f"No message batch found with id '{batch_id}'.")
    return batch


def validate_envelope(body: Any) -> list[tuple[str, Any]]:
    """The (custom_id, params) pairs of a create body, or a 400 for a malformed envelope."""
    if not isinstance(body, dict) or "requests" not in body:
        raise ApiError(400, "requests: Field required")
    extra = sorted(set(body) - {"requests"})
    if extra:
        raise ApiError(400, f"{extra[0]}: Extra inputs are not permitted")
    items = body["requests"]
    if not isinstance(items, list):
        raise ApiError(400, "requests: Input should be a valid list")
    if not items:
        raise ApiError(400, "requests: List should have at least 1 item after validation, not 0")
    if len(items) > MAX_REQUESTS:
        raise ApiError(
            400,
            f"requests: List should have at most {MAX_REQUESTS} items after validation, "
            f"not {len(items)}",
        )
    pairs: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"requests.{index}"
        if not isinstance(item, dict):
            raise ApiError(400, f"{where}: Input should be a valid dictionary")
        extra = sorted(set(item) - {"custom_id", "params"})
        if extra:
            raise ApiError(400, f"{where}.{extra[0]}: Extra inputs are not permitted")
        custom_id = item.get("custom_id")
        if not isinstance(custom_id, str) or not CUSTOM_ID.fullmatch(custom_id):
            raise ApiError(
                400, f"{where}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
            )
        if custom_id in seen:
            raise ApiError(
                400, f"{where}.custom_id: Duplicate custom_id '{custom_id}' in the batch"
            )
        seen.add(custom_id)
        if not isinstance(item.get("params"), dict):
            raise ApiError(400, f"{where}.params: Input should be a valid dictionary")
        pairs.append((custom_id, item["params"]))
    return pairs


async def create(sim: Simulator, request: web.Request) -> web.StreamResponse:
    limit = sim.options.max_batch_bytes
    if (request.content_length or 0) > limit:
        raise ApiError(413, f"Request exceeds the maximum size of {limit} bytes.")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:  # a chunked body past aiohttp's own ceiling
        raise ApiError(413, f"Request exceeds the maximum size of {limit} bytes.") from None
    if len(raw) > limit:
        raise ApiError(413, f"Request exceeds the maximum size of {limit} bytes.")
    with no_gc():  # a 100,000-request body is a big tree of containers; see no_gc
        pairs = validate_envelope(await read_json(request))
        created = sim.clock.time()
        batch = sim.state.create_anthropic(pairs, created)
    # Rendered at the creation time, not after planning: at a high --speed the clock has moved
    # on, but the real API always answers a create with the batch as it was made.
    return json_response(batch_json(batch, created, _base_url(request)))


async def retrieve(sim: Simulator, request: web.Request) -> web.StreamResponse:
    return json_response(batch_json(_batch(sim, request), sim.clock.time(), _base_url(request)))


async def list_batches(sim: Simulator, request: web.Request) -> web.StreamResponse:
    limit = int_param(request, "limit", 20, 1, 1000)
    order = sim.state.anthropic_order
    before, after = request.query.get("before_id"), request.query.get("after_id")
    # The cursors bound a window of the newest-first order: after_id keeps what is older than
    # it, before_id what is newer. Both may be given (the API reference defines each on its
    # own, and the SDK keeps both when it pages on); an unknown cursor leaves nothing past it.
    low, high = 0, len(order)
    if after is not None:
        position = order.position(after)
        low = len(order) if position is None else position + 1
    if before is not None:
        position = order.position(before)
        high = 0 if position is None else position
    if before is not None:
        # The page just newer than ``before_id``; has_more means even newer ones exist.
        start = max(low, high - limit)
        ids, has_more = order.ids(start, high), start > low
    else:
        stop = min(high, low + limit)
        ids, has_more = order.ids(low, stop), stop < high
    now, base = sim.clock.time(), _base_url(request)
    data = [batch_json(sim.state.anthropic[i], now, base) for i in ids]
    return json_response(
        {
            "data": data,
            "has_more": has_more,
            "first_id": ids[0] if ids else None,
            "last_id": ids[-1] if ids else None,
        }
    )


async def cancel(sim: Simulator, request: web.Request) -> web.StreamResponse:
    batch = _batch(sim, request)
    now = sim.clock.time()
    status = batch.status(now)
    if status == "ended":
        raise ApiError(400, f"Message batch '{batch.id}' has already ended and cannot be canceled.")
    if batch.cancel_at is None:
        batch.cancel_at = now
    return json_response(batch_json(batch, now, _base_url(request)))


async def delete(sim: Simulator, request: web.Request) -> web.StreamResponse:
    batch = _batch(sim, request)
    if batch.status(sim.clock.time()) != "ended":
        raise ApiError(
            400,
            f"Message batch '{batch.id}' is still processing; cancel it and wait for it to end "
            "before deleting it.",
        )
    sim.state.delete_anthropic(batch.id)
    return json_response({"id": batch.id, "type": "message_batch_deleted"})


async def results(sim: Simulator, request: web.Request) -> web.StreamResponse:
    batch = _batch(sim, request)
    now = sim.clock.time()
    if batch.status(now) != "ended":
        raise ApiError(400, f"Message batch '{batch.id}' has not ended; results are not ready.")
    if now >= batch.created + ARCHIVE_AFTER:
        raise ApiError(404, f"The results of message batch '{batch.id}' have been archived.")
    lines = batch.result_lines(sim.options.shuffle)
    filename = f"{batch.id}_results.jsonl"
    return await sim.stream(request, lines, "application/x-jsonl", filename=filename)


async def count_tokens(sim: Simulator, request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    for name in ("model", "messages"):
        if name not in body:
            raise ApiError(400, f"{name}: Field required")
    model = catalogue().find("anthropic", body["model"])
    if model is None or model.retired is not None:
        raise ApiError(404, f"model: {body['model']}")
    if not isinstance(body["messages"], list):
        raise ApiError(400, "messages: Input should be a valid list")
    error = check_messages(body)
    if error is not None:
        raise ApiError(error.status, error.message, kind=error.kind)
    return json_response({"input_tokens": oc.count_tokens(body)})


ROUTES = (
    ("POST", "/v1/messages/batches", "anthropic.create", create),
    ("GET", "/v1/messages/batches", "anthropic.list", list_batches),
    ("GET", "/v1/messages/batches/{batch_id}", "anthropic.retrieve", retrieve),
    ("POST", "/v1/messages/batches/{batch_id}/cancel", "anthropic.cancel", cancel),
    ("DELETE", "/v1/messages/batches/{batch_id}", "anthropic.delete", delete),
    ("GET", "/v1/messages/batches/{batch_id}/results", "anthropic.results", results),
    ("POST", "/v1/messages/count_tokens", "anthropic.count_tokens", count_tokens),
)
