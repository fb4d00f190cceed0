"""Everything the simulator holds: both providers' batches and the OpenAI files.

:class:`SimState` owns the ids, the newest-first orderings the list endpoints page through, and
the rules that turn input (request lists, JSONL files) into planned batches. The HTTP layers in
``anthropic_api`` and ``openai_api`` only translate between the wire and these methods. The
files' bytes live on disk, in the :class:`~tui.sim.files.FileStore` the state owns.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tui.sim import outcomes as oc
from tui.sim.batches import (
    FILE_EXPIRY,
    AnthropicBatch,
    Planner,
    RequestTable,
    base62,
    plan_duration,
)
from tui.sim.files import Draft, FileStore, read_lines
from tui.sim.openai_batches import FileRecord, OpenAIBatch

MAX_OPENAI_REQUESTS = 50_000
MAX_LINE_ERRORS = 10
"""A failed OpenAI batch reports at most this many line errors."""


@dataclass(kw_only=True)
class Ordered:
    """Ids kept newest first (by creation time, then creation order), for cursor paging."""

    keys: list[tuple[float, int, str]] = field(default_factory=list)
    by_id: dict[str, tuple[float, int, str]] = field(default_factory=dict)

    def add(self, item_id: str, created: float, seq: int) -> None:
        key = (-created, -seq, item_id)
        bisect.insort(self.keys, key)
        self.by_id[item_id] = key

    def remove(self, item_id: str) -> None:
        key = self.by_id.pop(item_id)
        del self.keys[bisect.bisect_left(self.keys, key)]

    def position(self, item_id: str) -> int | None:
        key = self.by_id.get(item_id)
        return None if key is None else bisect.bisect_left(self.keys, key)

    def ids(self, start: int, stop: int) -> list[str]:
        return [key[2] for key in self.keys[max(0, start) : max(0, stop)]]

    def __len__(self) -> int:
        return len(self.keys)


class SimState:
    """Batches and files of both providers, seeded for reproducible ids and outcomes."""

    def __init__(self, *, seed: int, error_rate: float, expire_rate: float) -> None:
        self.seed = seed
        self.error_rate = error_rate
        self.expire_rate = expire_rate
        self.seq = 0
        self.anthropic: dict[str, AnthropicBatch] = {}
        self.anthropic_order = Ordered()
        self.openai: dict[str, OpenAIBatch] = {}
        self.openai_order = Ordered()
        self.files: dict[str, FileRecord] = {}
        self.files_order = Ordered()
        self.file_store = FileStore()
        self.unsettled: set[str] = set()  # OpenAI batches whose output files are not written yet

    def _next(self, kind: str) -> tuple[int, bytes]:
        self.seq += 1
        return self.seq, oc.digest(self.seed, kind, self.seq)

    # --- Anthropic -----------------------------------------------------------------------------

    def create_anthropic(
        self,
        requests: list[tuple[str, Any]],
        created: float,
        error_rate: float | None = None,
        duration: float | None = None,
        batch_id: str | None = None,
    ) -> AnthropicBatch:
        """Plan and store a batch; ``requests`` are (custom_id, params) with a valid envelope.
        ``batch_id`` names it (scenarios that need a known id); by default a new id is made."""
        seq, d = self._next("anthropic")
        batch_id = _unused(batch_id, self.anthropic) or "msgbatch_01" + base62(d, 22)
        rate = self.error_rate if error_rate is None else error_rate
        planner = Planner(seed=self.seed, batch_id=batch_id, error_rate=rate)
        table = RequestTable()
        with no_gc():
            for custom_id, params in requests:
                model = params.get("model") if isinstance(params, dict) else None
                table.append(
                    custom_id,
                    compact_json(params),
                    _intern(model),
                    planner.anthropic(custom_id, params),
                )
        planned, rng = plan_duration(self.seed, batch_id, self.expire_rate)
        table.plan_finish_times(rng, planned if duration is None else duration)
        batch = AnthropicBatch(
            id=batch_id,
            created=created,
            table=table,
            seed=self.seed,
            cancel_delay=10.0 + 80.0 * oc.unit(d, 7),
        )
        self.anthropic[batch_id] = batch
        self.anthropic_order.add(batch_id, created, seq)
        return batch

    def delete_anthropic(self, batch_id: str) -> None:
        del self.anthropic[batch_id]
        self.anthropic_order.remove(batch_id)

    # --- OpenAI files --------------------------------------------------------------------------

    def add_file(
        self,
        filename: str,
        purpose: str,
        data: bytes,
        created: float,
        *,
        file_id: str | None = None,
    ) -> FileRecord:
        """A new file holding ``data`` (scenarios and tests; uploads stream into a draft)."""
        with self.file_store.draft() as draft:
            draft.write(data)
            return self.keep_file(filename, purpose, draft, created, file_id=file_id)

    def keep_file(
        self,
        filename: str,
        purpose: str,
        draft: Draft,
        created: float,
        *,
        file_id: str | None = None,
    ) -> FileRecord:
        """A new file made of a finished ``draft`` from :attr:`file_store`, named ``file_id``
        or a new id."""
        seq, d = self._next("file")
        file_id = _unused(file_id, self.files) or "file-" + base62(d, 22)
        record = FileRecord(
            id=file_id,
            created=created,
            filename=filename,
            purpose=purpose,
            path=self.file_store.keep(draft, file_id),
            size=draft.size,
        )
        self._add_record(record, seq)
        return record

    def _add_record(self, record: FileRecord, seq: int) -> None:
        self.files[record.id] = record
        self.files_order.add(record.id, record.created, seq)

    def delete_file(self, file_id: str) -> None:
        record = self.files.pop(file_id)
        self.files_order.remove(file_id)
        record.path.unlink(missing_ok=True)

    def close_files(self) -> None:
        """Remove every file from disk, and so forget them: a record without bytes is no file."""
        self.file_store.close()
        self.files.clear()
        self.files_order = Ordered()

    # --- OpenAI batches ------------------------------------------------------------------------

    def create_openai(
        self,
        *,
        input_file: FileRecord,
        endpoint: str,
        completion_window: str,
        metadata: dict[str, str] | None,
        created: float,
        error_rate: float | None = None,
        duration: float | None = None,
        batch_id: str | None = None,
    ) -> OpenAIBatch:
        seq, d = self._next("openai")
        batch_id = _unused(batch_id, self.openai) or "batch_" + d[:16].hex()
        rate = self.error_rate if error_rate is None else error_rate
        planner = Planner(seed=self.seed, batch_id=batch_id, error_rate=rate)
        table, model, errors = parse_openai_input(input_file.path, endpoint, planner)
        planned, rng = plan_duration(self.seed, batch_id, self.expire_rate)
        table.plan_finish_times(rng, planned if duration is None else duration)
        batch = OpenAIBatch(
            id=batch_id,
            created=created,
            endpoint=endpoint,
            input_file_id=input_file.id,
            completion_window=completion_window,
            metadata=metadata,
            model=model,
            table=table,
            seed=self.seed,
            validation_errors=errors,
            validate_delay=5.0 + 40.0 * oc.unit(d, 5),
            finalize_delay=10.0 + 110.0 * oc.unit(d, 6),
            cancel_delay=30.0 + 270.0 * oc.unit(d, 7),
        )
        self.openai[batch_id] = batch
        self.openai_order.add(batch_id, created, seq)
        self.unsettled.add(batch_id)
        return batch

    def settle(self, now: float, shuffle: bool) -> None:
        """Write the output and error files of every OpenAI batch that has finished by ``now``.

        Checks every unfinished batch each time (a few comparisons each) rather than keeping a
        schedule, so that a cancel, however it is made, is always noticed.
        """
        for record in [r for r in self.files.values() if r.expired(now)]:
            self.delete_file(record.id)  # the provider deletes expired files by itself
        due = [i for i in self.unsettled if now >= self.openai[i].final()[1]]
        for batch_id in sorted(due):  # sorted: file ids come out in a reproducible order
            self.unsettled.discard(batch_id)
            batch = self.openai[batch_id]
            status, at = batch.final()
            if status == "failed":
                continue
            output, errors = batch.output_lines(shuffle), batch.error_lines(shuffle)
            batch.output_file_id = self._output_file(batch, "output", output, at)
            batch.error_file_id = self._output_file(batch, "error", errors, at)

    def _output_file(
        self, batch: OpenAIBatch, kind: str, lines: Iterable[bytes], at: float
    ) -> str | None:
        """Write ``lines`` to disk as they are rendered; no lines, no file (and no id used)."""
        with self.file_store.draft() as draft:
            draft.write_lines(lines)
            if not draft.size:
                return None
            name = f"{batch.id}_{kind}.jsonl"
            record = self.keep_file(name, "batch_output", draft, at)
            record.lifetime = batch.output_lifetime
            return record.id

    # --- persistence ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "seq": self.seq,
            "anthropic": [
                _anthropic_json(b, self.anthropic_order) for b in self.anthropic.values()
            ],
            "openai": [_openai_json(b, self.openai_order) for b in self.openai.values()],
            "files": [_file_json(f, self.files_order) for f in self.files.values()],
            "unsettled": sorted(self.unsettled),
        }

    def load_json(self, data: dict[str, Any]) -> None:
        # The saved seed wins: outcomes are derived from it, so results stay byte-identical.
        self.seed = data["seed"]
        self.seq = data["seq"]
        for item in data["anthropic"]:
            batch = AnthropicBatch(
                id=item["id"],
                created=item["created"],
                seed=self.seed,
                table=RequestTable.from_json(item["table"]),
                cancel_at=item["cancel_at"],
                cancel_delay=item["cancel_delay"],
            )
            self.anthropic[batch.id] = batch
            self.anthropic_order.add(batch.id, batch.created, item["seq"])
        for item in data["files"]:
            self._load_file(item)
        for item in data["openai"]:
            seq = item.pop("seq")
            item["table"] = RequestTable.from_json(item["table"])
            openai_batch = OpenAIBatch(seed=self.seed, **item)
            self.openai[openai_batch.id] = openai_batch
            self.openai_order.add(openai_batch.id, openai_batch.created, seq)
        self.unsettled = set(data["unsettled"])

    def _load_file(self, item: dict[str, Any]) -> None:
        with self.file_store.draft() as draft:
            draft.write(base64.b64decode(item["data_b64"]))
            record = FileRecord(
                id=item["id"],
                created=item["created"],
                filename=item["filename"],
                purpose=item["purpose"],
                path=self.file_store.keep(draft, item["id"]),
                size=draft.size,
                lifetime=item.get("lifetime", FILE_EXPIRY),
            )
        self._add_record(record, item["seq"])


def _unused(item_id: str | None, existing: dict[str, Any]) -> str | None:
    """``item_id`` if no object has it yet (``None`` stays ``None``: make a new id)."""
    if item_id is not None and item_id in existing:
        raise ValueError(f"the id {item_id!r} is taken")
    return item_id


def _seq(order: Ordered, item_id: str) -> int:
    return -order.by_id[item_id][1]


def _anthropic_json(batch: AnthropicBatch, order: Ordered) -> dict[str, Any]:
    return {
        "id": batch.id,
        "seq": _seq(order, batch.id),
        "created": batch.created,
        "cancel_at": batch.cancel_at,
        "cancel_delay": batch.cancel_delay,
        "table": batch.table.to_json(),
    }


def _openai_json(batch: OpenAIBatch, order: Ordered) -> dict[str, Any]:
    names = (
        "id",
        "created",
        "endpoint",
        "input_file_id",
        "completion_window",
        "metadata",
        "model",
        "validation_errors",
        "validate_delay",
        "finalize_delay",
        "cancel_delay",
        "cancel_at",
        "output_file_id",
        "error_file_id",
        "output_lifetime",
    )
    data = {name: getattr(batch, name) for name in names}
    data["seq"] = _seq(order, batch.id)
    data["table"] = batch.table.to_json()
    return data


def _file_json(record: FileRecord, order: Ordered) -> dict[str, Any]:
    return {
        "id": record.id,
        "seq": _seq(order, record.id),
        "created": record.created,
        "filename": record.filename,
        "purpose": record.purpose,
        "lifetime": record.lifetime,
        # The state file is one JSON document, so each file is read whole here, once, on save.
        "data_b64": base64.b64encode(record.path.read_bytes()).decode(),
    }


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


def _intern(model: Any) -> str:
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
        table.append(custom_id, compact_json(body), _intern(model), plan)
    if errors:
        return RequestTable(), model, errors
    return table, model, errors
