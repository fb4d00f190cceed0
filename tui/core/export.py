"""Getting results out: results joined with the params that produced them, and retry files.

``export_results`` streams a batch's results (``store.results.iterate``) in chunks, looks up the
params of each chunk in one query, and writes JSONL (one object per request, the provider's raw
result line included) or CSV (flat columns, params as a JSON string). ``write_retry_file``
writes failed requests in the provider's own input format, ready for ``batchtui submit``.

Nothing here knows about profiles or keys: rows hold only what the provider returned and the
params that were sent, so an export never contains an API key. Files are written through
:func:`private_file`: readable only by their owner, and whole or not at all.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import IO

import orjson

from tui.core.errors import BatchtuiError
from tui.core.models import Batch, ProviderKind, RequestResult, ResultType
from tui.core.store import ResultFilter, Store
from tui.core.text import escape_controls, json_safe

CHUNK = 500
"""Results per params lookup while exporting."""

CSV_COLUMNS = (
    "custom_id",
    "type",
    "model",
    "stop_reason",
    "error_type",
    "error_message",
    "input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
    "text",
    "params",
)

FORMATS = ("jsonl", "csv")


async def export_results(
    store: Store,
    batch_id: str,
    out: IO[str],
    *,
    format: str = "jsonl",
    types: Iterable[ResultType] | None = None,
    flt: ResultFilter | None = None,
) -> int:
    """Write the batch's results to ``out``; returns the count. ``flt`` (the TUI's filter) or
    else ``types`` (outcomes) narrows them."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
    writer = csv.writer(out) if format == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    written = 0
    if flt is None:
        flt = ResultFilter(types=frozenset(types) if types else None)
    async for chunk in _with_params(store, batch_id, store.results.iterate(batch_id, flt)):
        for result, params in chunk:
            if writer is not None:
                writer.writerow(csv_row(result, params))
            else:
                out.write(jsonl_row(result, params).decode() + "\n")
            written += 1
    return written


def format_for(path: Path) -> str:
    """The export format a file name asks for: CSV for ``.csv``, JSONL otherwise."""
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


async def export_to_file(
    store: Store, batch_id: str, path: Path, *, flt: ResultFilter | None = None
) -> int:
    """Export the batch's results (``flt`` narrows them) to ``path`` in the format its name
    asks for, through :func:`private_file`; returns the count. The TUI's one way to write an
    export (one batch from the inspector, or every marked batch from the list): a file that
    cannot be written is a :class:`BatchtuiError` that says why, and leaves nothing behind."""
    try:
        with private_file(path) as out:
            return await export_results(store, batch_id, out, format=format_for(path), flt=flt)
    except OSError as exc:  # the disk filled up, the file system went away...
        raise BatchtuiError(f"cannot write {path}: {exc.strerror or exc}") from None


_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9_.-]+")


def export_file_name(batch_id: str, word: str, format: str) -> str:
    """The proposed file name of an export of ``batch_id`` ("msgbatch_01…-errored.csv").

    A batch id comes from the provider: anything but letters, digits, ``.``, ``_`` and ``-``
    becomes ``_`` and leading dots go, so a name never reaches outside its folder, hides
    itself or carries a terminal escape."""
    stem = _UNSAFE_IN_NAMES.sub("_", batch_id).lstrip(".") or "batch"
    return f"{stem}-{word}.{format}"


@contextlib.contextmanager
def private_file(path: Path) -> Iterator[IO[str]]:
    """A text file at ``path`` readable only by its owner, written whole or not at all.

    It is written beside ``path`` under a temporary name and renamed over it once complete, so
    an export cut short (an error, a crash, Ctrl+C) leaves no half file, and a file already at
    ``path`` stays as it was until the new one is ready.
    """
    path = Path(path).expanduser()
    try:
        fd, temporary = tempfile.mkstemp(  # mode 0600
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
    except OSError as exc:
        raise BatchtuiError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(temporary, path)
        except OSError as exc:
            raise BatchtuiError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def jsonl_row(result: RequestResult, params: bytes | None) -> bytes:
    """One exported JSONL object: the normalised fields, the params, the provider's line."""
    usage = result.usage
    row = {
        "custom_id": result.custom_id,
        "type": result.type.value,
        "model": result.model,
        "stop_reason": result.stop_reason,
        "error_type": result.error_type,
        "error_message": result.error_message,
        "text": result.text,
        "usage": {
            "input_tokens": usage.input_tokens,
            "cache_write_5m_tokens": usage.cache_write_5m_tokens,
            "cache_write_1h_tokens": usage.cache_write_1h_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "output_tokens": usage.output_tokens,
        },
        "params": orjson.Fragment(params) if params else None,
        "result": orjson.Fragment(result.raw) if result.raw else None,
    }
    return json_safe(orjson.dumps(row))


def csv_row(result: RequestResult, params: bytes | None) -> list[str | int | None]:
    """One CSV row. Text from the provider or the model keeps its content, but its control
    characters are written as visible escapes: a CSV file is read with ``cat`` as often as with
    a spreadsheet, and a raw escape sequence would act on the terminal."""
    usage = result.usage
    return [
        escape_controls(result.custom_id),
        result.type.value,
        _escaped(result.model),
        _escaped(result.stop_reason),
        _escaped(result.error_type),
        _escaped(result.error_message),
        usage.input_tokens,
        usage.cache_write_5m_tokens,
        usage.cache_write_1h_tokens,
        usage.cache_read_tokens,
        usage.output_tokens,
        _escaped(result.text),
        json_safe(params).decode() if params else None,
    ]


def _escaped(text: str | None) -> str | None:
    return None if text is None else escape_controls(text)


async def write_retry_file(
    store: Store, batch: Batch, custom_ids: Iterable[str], out: IO[str]
) -> int:
    """Write the given requests in the provider's input format; returns how many had params."""
    wanted = list(custom_ids)
    written = 0
    for start in range(0, len(wanted), CHUNK):
        known = await store.requests.get(batch.id, wanted[start : start + CHUNK])
        for custom_id in wanted[start : start + CHUNK]:
            if custom_id in known:
                out.write(input_line(batch, custom_id, known[custom_id]).decode() + "\n")
                written += 1
    return written


def input_line(batch: Batch, custom_id: str, params: bytes) -> bytes:
    """One request in the provider's own JSONL input format."""
    body = orjson.Fragment(params)
    if batch.provider is ProviderKind.ANTHROPIC:
        return json_safe(orjson.dumps({"custom_id": custom_id, "params": body}))
    url = batch.endpoint or "/v1/chat/completions"
    line = {"custom_id": custom_id, "method": "POST", "url": url, "body": body}
    return json_safe(orjson.dumps(line))


async def _with_params(
    store: Store, batch_id: str, results: AsyncIterator[RequestResult]
) -> AsyncIterator[list[tuple[RequestResult, bytes | None]]]:
    """Results in chunks of :data:`CHUNK`, each paired with its params (or None)."""
    chunk: list[RequestResult] = []
    async for result in results:
        chunk.append(result)
        if len(chunk) >= CHUNK:
            yield await _pair(store, batch_id, chunk)
            chunk = []
    if chunk:
        yield await _pair(store, batch_id, chunk)


async def _pair(
    store: Store, batch_id: str, chunk: list[RequestResult]
) -> list[tuple[RequestResult, bytes | None]]:
    params = await store.requests.get(batch_id, (r.custom_id for r in chunk))
    return [(r, params.get(r.custom_id)) for r in chunk]
