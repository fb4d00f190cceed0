"""The OpenAI Files and Batch APIs over HTTP, under ``/openai/v1``.

A bad input file does not fail the create: the batch goes ``validating`` → ``failed`` with
``errors.data[]``, as the real service does. Output and error files appear once the batch has
finished, and each id is set only when its file has at least one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from tui.sim.batches import FILE_EXPIRY
from tui.sim.files import Draft, read_chunks
from tui.sim.openai_batches import FileRecord, OpenAIBatch
from tui.sim.state import Ordered
from tui.sim.wire import ApiError, int_param, json_response, read_json, unix

if TYPE_CHECKING:
    from tui.sim.server import Simulator

PREFIX = "/openai/v1"
MAX_ANY_FILE = 512 * 1024 * 1024
PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
CREATE_ARGUMENTS = frozenset(
    {"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"}
)
"""``BatchCreateParams``; anything else is refused, as the real API does."""
ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)


def batch_json(batch: OpenAIBatch, now: float) -> dict[str, Any]:
    """The ``Batch`` object at ``now``; timestamps appear as each stage is reached."""
    status = batch.status(now)
    final, final_at = batch.final()
    terminal = status == final

    def reached(at: float | None) -> int | None:
        return unix(at) if at is not None and now >= at else None

    started = final != "failed" and not (
        batch.cancel_at is not None and batch.cancel_at < batch.in_progress_at
    )
    data: dict[str, Any] = {
        "id": batch.id,
        "object": "batch",
        "endpoint": batch.endpoint,
        "model": batch.model,
        "errors": None,
        "input_file_id": batch.input_file_id,
        "completion_window": batch.completion_window,
        "status": status,
        "output_file_id": batch.output_file_id if terminal else None,
        "error_file_id": batch.error_file_id if terminal else None,
        "created_at": unix(batch.created),
        "in_progress_at": reached(batch.in_progress_at) if started else None,
        "expires_at": unix(batch.expires_at),
        "finalizing_at": reached(batch.run_end) if final == "completed" else None,
        "completed_at": reached(final_at) if final == "completed" else None,
        "failed_at": reached(final_at) if final == "failed" else None,
        "expired_at": reached(final_at) if final == "expired" else None,
        "cancelling_at": reached(batch.cancel_at),
        "cancelled_at": reached(final_at) if final == "cancelled" else None,
        "request_counts": batch.counts(now),
        "usage": batch.usage(now),
        "metadata": batch.metadata,
    }
    if status == "failed":
        data["errors"] = {"object": "list", "data": batch.validation_errors}
    return data


def _page(order: Ordered, after: str | None, limit: int) -> tuple[list[str], bool]:
    start = 0
    if after is not None:
        position = order.position(after)
        start = len(order) if position is None else position + 1
    return order.ids(start, start + limit), start + limit < len(order)


BATCHES_PAGE_MAX = 100


def _batches_limit(request: web.Request) -> int:
    """The batch list's ``limit``, refused as the live API refuses it (recorded responses:
    0 is accepted and answers an empty page; the reference's "1 to 100" is looser than that)."""
    limit = int_param(request, "limit", 20, -(2**31), 2**31)
    if limit < 0:
        raise ApiError(
            400,
            f"Invalid 'limit': integer below minimum value. Expected a value >= 0, but got "
            f"{limit} instead.",
            param="limit",
            code="integer_below_min_value",
        )
    if limit > BATCHES_PAGE_MAX:
        raise ApiError(
            400,
            f"Invalid 'limit': integer above maximum value. Expected a value <= "
            f"{BATCHES_PAGE_MAX}, but got {limit} instead.",
            param="limit",
            code="integer_above_max_value",
        )
    return limit


def _list_json(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def _settle(sim: Simulator) -> float:
    now = sim.clock.time()
    sim.state.settle(now, sim.options.shuffle)
    return now


def _file(sim: Simulator, request: web.Request) -> FileRecord:
    _settle(sim)
    file_id = request.match_info["file_id"]
    record = sim.state.files.get(file_id)
    if record is None:
        raise ApiError(404, f"No such File object: {file_id}", param="id")
    return record


def _batch(sim: Simulator, request: web.Request) -> OpenAIBatch:
    batch_id = request.match_info["batch_id"]
    batch = sim.state.openai.get(batch_id)
    if batch is None:
        raise ApiError(404, f"No batch found with id '{batch_id}'.", param="batch_id")
    return batch


# --- files -----------------------------------------------------------------------------------


async def files_create(sim: Simulator, request: web.Request) -> web.StreamResponse:
    if not request.content_type.startswith("multipart/"):
        raise ApiError(400, "The request must be multipart/form-data.")
    # The upload goes straight to disk; if it is refused, the draft is removed on the way out.
    with sim.state.file_store.draft() as draft:
        fields, name = await _read_form(sim, request, draft)
        filename, purpose = _check_upload(sim, fields, name, draft.size)
        expires_after = _expires_after(fields)
        record = sim.state.keep_file(filename, purpose, draft, sim.clock.time())
    # Batch input files expire after 30 days unless told otherwise; other purposes are kept
    # until deleted (Files API reference, ``expires_after``).
    record.lifetime = expires_after if expires_after is not None else _default_lifetime(purpose)
    return json_response(record.to_api())


async def _read_form(
    sim: Simulator, request: web.Request, draft: Draft
) -> tuple[dict[str, str], str | None]:
    """The form's text fields and the file's name (None if no file part); the file's bytes are
    written to ``draft`` as they arrive."""
    fields: dict[str, str] = {}
    filename = None
    # Any file may be 512 MB; batch input files only 200 MB (the limit is checked once the
    # purpose is known, but reading stops at the larger one).
    limit = max(sim.options.max_file_bytes, MAX_ANY_FILE)
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise ApiError(400, "Nested multipart bodies are not supported.")
        if part.name == "file":
            filename = part.filename or "upload"
            draft.clear()  # as before, a second file part replaces the first
            # Written synchronously: 1 MiB into the page cache is quicker than a thread hop.
            while chunk := await part.read_chunk(1 << 20):
                if draft.size + len(chunk) > limit:
                    raise ApiError(400, "File is too large.", param="file")
                draft.write(chunk)
        elif part.name:
            fields[part.name] = await part.text()
    return fields, filename


def _check_upload(
    sim: Simulator, fields: dict[str, str], filename: str | None, size: int
) -> tuple[str, str]:
    """The file's name and purpose, once the form is known to make a valid upload."""
    purpose = fields.get("purpose")
    if purpose is None:
        raise ApiError(400, "Missing required parameter: 'purpose'.", param="purpose")
    if purpose not in PURPOSES:
        raise ApiError(
            400, f"'{purpose}' is not one of {list(PURPOSES)} - 'purpose'", param="purpose"
        )
    if filename is None:
        raise ApiError(400, "Missing required parameter: 'file'.", param="file")
    if purpose == "batch" and not filename.endswith(".jsonl"):
        raise ApiError(400, "Invalid file format for Batch API. Must be .jsonl", param="file")
    if purpose == "batch" and size > sim.options.max_file_bytes:
        raise ApiError(400, "File is too large.", param="file")
    return filename, purpose


def _default_lifetime(purpose: str) -> float | None:
    return FILE_EXPIRY if purpose == "batch" else None


def _expires_after(fields: dict[str, str]) -> float | None:
    """``expires_after[anchor]``/``[seconds]``: how long the file lives (1 hour to 30 days)."""
    seconds = fields.get("expires_after[seconds]")
    if seconds is None:
        return None
    if fields.get("expires_after[anchor]", "created_at") != "created_at":
        raise ApiError(400, "expires_after[anchor] must be 'created_at'.", param="expires_after")
    try:
        value = int(seconds)
    except ValueError:
        value = -1
    if not 3600 <= value <= 2_592_000:
        raise ApiError(
            400, "expires_after[seconds] must be between 3600 and 2592000.", param="expires_after"
        )
    return float(value)


async def files_retrieve(sim: Simulator, request: web.Request) -> web.StreamResponse:
    return json_response(_file(sim, request).to_api())


async def files_list(sim: Simulator, request: web.Request) -> web.StreamResponse:
    _settle(sim)
    limit = int_param(request, "limit", 10_000, 1, 10_000)
    order = request.query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "order: must be 'asc' or 'desc'", param="order")
    purpose = request.query.get("purpose")
    ids = [key[2] for key in sim.state.files_order.keys]
    if order == "asc":
        ids.reverse()
    if purpose is not None:
        ids = [i for i in ids if sim.state.files[i].purpose == purpose]
    after = request.query.get("after")
    start = ids.index(after) + 1 if after in ids else (len(ids) if after else 0)
    page = ids[start : start + limit]
    data = [sim.state.files[i].to_api() for i in page]
    return json_response(_list_json(data, start + limit < len(ids)))


async def files_delete(sim: Simulator, request: web.Request) -> web.StreamResponse:
    record = _file(sim, request)
    sim.state.delete_file(record.id)
    return json_response({"id": record.id, "object": "file", "deleted": True})


async def files_content(sim: Simulator, request: web.Request) -> web.StreamResponse:
    record = _file(sim, request)
    # Opened before the first await: a delete while the body streams unlinks the name, not the
    # open file, so the download still gets every byte.
    with record.path.open("rb") as handle:
        chunks = read_chunks(handle)
        return await sim.stream(
            request, chunks, "application/octet-stream", filename=record.filename
        )


# --- batches ---------------------------------------------------------------------------------


async def batches_create(sim: Simulator, request: web.Request) -> web.StreamResponse:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    unknown = sorted(set(body) - CREATE_ARGUMENTS)
    if unknown:
        raise ApiError(400, f"Unrecognized request argument supplied: {unknown[0]}")
    output_lifetime = _output_expires_after(body.get("output_expires_after"))
    for name in ("input_file_id", "endpoint", "completion_window"):
        if name not in body:
            raise ApiError(400, f"Missing required parameter: '{name}'.", param=name)
    if body["endpoint"] not in ENDPOINTS:
        raise ApiError(
            400, f"Invalid value for 'endpoint': {body['endpoint']!r}.", param="endpoint"
        )
    if body["completion_window"] != "24h":
        raise ApiError(
            400,
            f"Invalid value for 'completion_window': {body['completion_window']!r}; "
            "only '24h' is supported.",
            param="completion_window",
        )
    _settle(sim)  # an expired input file is gone
    metadata = body.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict)
        or len(metadata) > 16
        or any(not isinstance(v, str) or len(k) > 64 or len(v) > 512 for k, v in metadata.items())
    ):
        raise ApiError(400, "Invalid 'metadata': up to 16 string pairs.", param="metadata")
    record = sim.state.files.get(body["input_file_id"])
    if record is None:
        raise ApiError(404, f"No such File object: {body['input_file_id']}", param="input_file_id")
    if record.purpose != "batch":
        raise ApiError(
            400, "The input file must be uploaded with purpose 'batch'.", param="input_file_id"
        )
    created = sim.clock.time()
    batch = sim.state.create_openai(
        input_file=record,
        endpoint=body["endpoint"],
        completion_window="24h",
        metadata=metadata,
        created=created,
    )
    if output_lifetime is not None:
        batch.output_lifetime = output_lifetime
    # The batch as it was made (``validating``), whatever the clock did while it was planned.
    return json_response(batch_json(batch, created))


def _output_expires_after(value: Any) -> float | None:
    """``output_expires_after``: seconds the output and error files live (1 hour to 30 days)."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("anchor") != "created_at":
        raise ApiError(
            400,
            "Invalid 'output_expires_after.anchor': expected 'created_at'.",
            param="output_expires_after.anchor",
        )
    seconds = value.get("seconds")
    if (
        not isinstance(seconds, int)
        or isinstance(seconds, bool)
        or not (3600 <= seconds <= 2_592_000)
    ):
        raise ApiError(
            400,
            "Invalid 'output_expires_after.seconds': must be between 3600 and 2592000.",
            param="output_expires_after.seconds",
        )
    return float(seconds)


async def batches_retrieve(sim: Simulator, request: web.Request) -> web.StreamResponse:
    now = _settle(sim)
    return json_response(batch_json(_batch(sim, request), now))


async def batches_list(sim: Simulator, request: web.Request) -> web.StreamResponse:
    now = _settle(sim)
    limit = _batches_limit(request)
    if limit == 0:  # what api.openai.com answers (recorded): an empty page, not an error
        return json_response(_list_json([], False))
    ids, has_more = _page(sim.state.openai_order, request.query.get("after"), limit)
    data = [batch_json(sim.state.openai[i], now) for i in ids]
    return json_response(_list_json(data, has_more))


async def batches_cancel(sim: Simulator, request: web.Request) -> web.StreamResponse:
    # The SDK sends content-type: application/json with an empty body: never parse it.
    now = _settle(sim)
    batch = _batch(sim, request)
    status = batch.status(now)
    if status not in ("validating", "in_progress", "cancelling"):
        raise ApiError(400, f"Cannot cancel a batch with status '{status}'.", param="batch_id")
    if batch.cancel_at is None:
        batch.cancel_at = now
    return json_response(batch_json(batch, now))


ROUTES = (
    ("POST", "/files", "openai.files.create", files_create),
    ("GET", "/files", "openai.files.list", files_list),
    ("GET", "/files/{file_id}", "openai.files.retrieve", files_retrieve),
    ("DELETE", "/files/{file_id}", "openai.files.delete", files_delete),
    ("GET", "/files/{file_id}/content", "openai.files.content", files_content),
    ("POST", "/batches", "openai.batches.create", batches_create),
    ("GET", "/batches", "openai.batches.list", batches_list),
    ("GET", "/batches/{batch_id}", "openai.batches.retrieve", batches_retrieve),
    ("POST", "/batches/{batch_id}/cancel", "openai.batches.cancel", batches_cancel),
)
