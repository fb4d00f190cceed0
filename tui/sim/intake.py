"""What the simulator does with a batch's requests as they come in, for both APIs.

Planning 100,000 requests must stay fast and small: :func:`no_gc` pauses the cyclic collector
over the parsed body, :func:`compact_json` keeps each request's params in an exact-size bytes
object and :func:`intern_model` one string per model name. :func:`parse_openai_input` checks an
OpenAI input file line by line, as the real API does before a batch runs.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tui.sim.batches import Planner, RequestTable
from tui.sim.files import read_lines

MAX_OPENAI_REQUESTS = 50_000
MAX_LINE_ERRORS = 10
"""A failed OpenAI batch reports at most this many line errors."""


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic GC while planning a big batch: the parsed body is a tree of 100,000s of
    containers that every collection would walk again, for nothing (planning makes no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compact_json(value: Any) -> bytes:
    """``orjson.dumps`` copied into an exact-size bytes object: orjson's own result keeps a
    generous buffer, which adds up over 100,000 retained requests."""
    return bytes(memoryview(orjson.dumps(value)))


_MODELS: dict[str, str] = {}


def intern_model(model: Any) -> str:
    """One string object per model name, however many requests name it."""
    text = model if isinstance(model, str) else ""
    return _MODELS.setdefault(text, text)


def _line_error(code: str, message: str, param: str | None, line: int | None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def parse_openai_input(
    path: Path, endpoint: str, planner: Planner
) -> tuple[RequestTable, str | None, list[dict[str, Any]]]:
    """Validate a batch input file line by line and plan its requests.

    Returns the request table, the model every line uses, and the validation errors that make
    the batch ``failed`` (empty when the file is good).
    """
    table = RequestTable()
    errors: list[dict[str, Any]] = []
    model: str | None = None
    seen: set[str] = set()
    # Counted in a first pass over the file, as the file-wide errors come before any line's.
    count = sum(1 for _ in read_lines(path))
    if not count:
        errors.append(_line_error("empty_file", "The input file is empty.", None, None))
    if count > MAX_OPENAI_REQUESTS:
        errors.append(
            _line_error(
                "too_many_tasks",
                f"The batch has more than {MAX_OPENAI_REQUESTS} requests.",
                None,
                None,
            )
        )
    for number, raw in read_lines(path):
        if len(errors) >= MAX_LINE_ERRORS:
            break
        try:
            item = orjson.loads(raw)
        except orjson.JSONDecodeError:
            item = None
        if not isinstance(item, dict):
            errors.append(
                _line_error(
                    "invalid_json_line", "This line is not parseable as valid JSON.", None, number
                )
            )
            continue
        custom_id = item.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            errors.append(
                _line_error(
                    "missing_required_parameter",
                    "Missing required parameter: 'custom_id'.",
                    "custom_id",
                    number,
                )
            )
            continue
        if custom_id in seen:
            errors.append(
                _line_error(
                    "duplicate_custom_id",
                    f"The custom_id '{custom_id}' is used more than once in this file.",
                    "custom_id",
                    number,
                )
            )
            continue
        seen.add(custom_id)
        if item.get("url") != endpoint:
            errors.append(
                _line_error(
                    "url_mismatch",
                    f"The url '{item.get('url')}' does not match the batch endpoint '{endpoint}'.",
                    "url",
                    number,
                )
            )
            continue
        if item.get("method") != "POST":  # the input format allows POST only
            errors.append(
                _line_error(
                    "invalid_method",
                    f"Invalid value for 'method': {item.get('method')!r}; only 'POST' is "
                    "supported.",
                    "method",
                    number,
                )
            )
            continue
        body = item.get("body")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            errors.append(
                _line_error(
                    "missing_required_parameter",
                    "Missing required parameter: 'body.model'.",
                    "body.model",
                    number,
                )
            )
            continue
        if model is None:
            model = body["model"]
        elif body["model"] != model:
            errors.append(
                _line_error(
                    "model_mismatch",
                    f"The model '{body['model']}' differs from '{model}' used earlier in the file; "
                    "a batch uses one model.",
                    "body.model",
                    number,
                )
            )
            continue
        plan = planner.openai(custom_id, body, endpoint)
        table.append(custom_id, compact_json(body), intern_model(model), plan)
    if errors:
        return RequestTable(), model, errors
    return table, model, errors
