"""Reading and checking a JSONL requests file, one line at a time.

A requests file is either Anthropic's batch format (``{"custom_id", "params"}`` per line) or
OpenAI's (``{"custom_id", "method", "url", "body"}``); the first valid line decides which, and a
line of the other kind is a problem. :func:`scan_requests_file` reports *every* problem with its
line number and never holds more than one parsed line at a time, so a 100,000-line file costs a
dictionary of custom_ids (for duplicates) and little else. A file with problems is never
submitted.

OpenAI batches take one model each; a file naming several models is not a problem here: the
chunker gives every model its own batches (see :mod:`tui.core.submit.chunking`).

Besides problems, a scan gives *warnings*: what the provider would most likely refuse request by
request (max_tokens over the model's known output limit, a retired or unknown model), from
batchtui's own model table (:mod:`tui.core.known_models`). That table can lag the provider's
catalogue, so a warning never stops a submit. Warnings are grouped: one per model and kind, with
the first line and how many more lines share it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tui.core.errors import BatchtuiError
from tui.core.known_models import ModelTable, known_models
from tui.core.models import ProviderKind
from tui.core.submit.lines import numbered_lines

CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
"""What both APIs accept as a custom_id (matched with ``fullmatch``: ``$`` would let a trailing
newline through)."""

MB = 1_000_000
MAX_LINE_BYTES = {ProviderKind.ANTHROPIC: 32 * MB, ProviderKind.OPENAI: 200 * MB}
"""The largest single request line worth reading: an Anthropic request is a Messages request
(32 MB at most, reference A.7); an OpenAI line can be no larger than its 200 MB input file.
Until the first line says which format the file is in, the larger limit applies."""

OPENAI_ENDPOINTS = frozenset(
    {
        "/v1/responses",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/completions",
        "/v1/moderations",
        "/v1/images/generations",
        "/v1/images/edits",
        "/v1/videos",
    }
)
"""Endpoints the OpenAI Batch API accepts (``url`` of each line)."""

ANTHROPIC_REFUSED = {
    "speed": "fast mode (speed) is not available in batches",
}
"""Params the Message Batches API refuses whatever their value (besides ``stream: true``)."""

MAX_PROBLEMS = 1000
"""Stop collecting after this many: a wrong file would otherwise print 100,000 lines."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line of a requests file."""

    line: int
    """1-based line number in the file."""
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class RequestLine:
    """One valid request, as the provider will receive it."""

    line: int
    custom_id: str
    body: bytes
    """Compact JSON of Anthropic ``params`` or OpenAI ``body``: what ``create_batch`` takes."""
    model: str
    max_tokens: int | None
    url: str | None = None
    """The OpenAI endpoint of the line; ``None`` for Anthropic."""
    cap_name: str = "max_tokens"
    """The name the request gives its output cap (OpenAI: also ``max_completion_tokens``...)."""

    @property
    def wire_bytes(self) -> int:
        """About how many bytes this request adds to a create call or an input file."""
        return len(self.body) + len(self.custom_id) + len(self.url or "") + 64

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = orjson.loads(self.body)
        return params


CATALOGUE_CAVEAT = "the provider's catalogue may be newer than batchtui's model table"


@dataclass(slots=True)
class ScanWarning:
    """Lines the provider would likely refuse for one reason (sent anyway if the user wants)."""

    line: int
    """The first line with this warning."""
    message: str
    more_lines: int = 0
    """Further lines with the same warning."""

    def __str__(self) -> str:
        more = f" (and {self.more_lines:,} more line(s))" if self.more_lines else ""
        return f"line {self.line}: {self.message}{more}"


@dataclass
class FileScan:
    """What a full pass over a requests file found."""

    path: Path
    kind: ProviderKind | None = None
    count: int = 0
    """Valid requests (lines with problems are not counted)."""
    sha256: str = ""
    """Digest of the file's bytes: how the ledger recognises a file submitted before."""
    endpoint: str | None = None
    models: dict[str, int] = field(default_factory=dict)
    """Requests per model, in order of first appearance."""
    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False
    """More problems existed than :data:`MAX_PROBLEMS`."""
    warnings: list[ScanWarning] = field(default_factory=list)
    """What the provider would likely refuse (never stops a submit), one per model and kind."""
    _warning_index: dict[tuple[str, ...], ScanWarning] = field(default_factory=dict, repr=False)

    def warn(self, key: tuple[str, ...], line: int, message: str) -> None:
        """Record a warning, or count one more line for a warning already given."""
        found = self._warning_index.get(key)
        if found is not None:
            found.more_lines += 1
            return
        warning = self._warning_index[key] = ScanWarning(line, message)
        self.warnings.append(warning)

    @property
    def ok(self) -> bool:
        return not self.problems and self.count > 0

    def summary(self) -> str:
        models = ", ".join(f"{m} ×{n}" for m, n in self.models.items()) or "no model"
        kind = self.kind.value if self.kind else "unknown"
        return f"{self.count} {kind} requests ({models})"


class ValidationFailed(BatchtuiError):
    """The requests file has problems; nothing was submitted."""

    exit_code = 2

    def __init__(self, scan: FileScan):
        self.scan = scan
        lines = [str(p) for p in scan.problems[:20]]
        more = len(scan.problems) - len(lines)
        if more > 0 or scan.truncated:
            lines.append(f"... and {'more than ' if scan.truncated else ''}{more} more")
        if not scan.problems:
            lines.append("the file holds no requests")
        super().__init__(f"{scan.path}: not submitted:\n  " + "\n  ".join(lines))


class _LineError(Exception):
    """A problem with the line being parsed (internal: becomes a :class:`Problem`)."""


def detect_kind(obj: dict[str, Any]) -> ProviderKind | None:
    """Which provider's format a line is in, from its keys."""
    if "params" in obj:
        return ProviderKind.ANTHROPIC
    if "body" in obj or "url" in obj or "method" in obj:
        return ProviderKind.OPENAI
    return None


def scan_requests_file(path: Path, models: ModelTable | None = None) -> FileScan:
    """Check every line of ``path``; the result lists every problem with its line number, and
    warnings from ``models`` (default: the shipped table of known models)."""
    scan = FileScan(path=Path(path))
    models = models or known_models()
    first_line: dict[str, int] = {}
    kind_line = endpoint_line = 0
    digest = hashlib.sha256()

    def limit() -> int:
        return MAX_LINE_BYTES.get(scan.kind, max(MAX_LINE_BYTES.values()))  # type: ignore[arg-type]

    for number, raw, size in numbered_lines(scan.path, digest, limit):
        try:
            if raw is None:
                raise _LineError(
                    f"line is {size:,} bytes, over the {limit():,}-byte limit of one request"
                )
            obj = _parse_object(raw)
            kind = detect_kind(obj)
            if kind is None:
                raise _LineError('neither "params" (Anthropic) nor "body" (OpenAI) is present')
            if scan.kind is None:
                scan.kind, kind_line = kind, number
            elif kind != scan.kind:
                raise _LineError(
                    f"an {kind.value} request, but line {kind_line} is {scan.kind.value}; "
                    "one file holds one provider's format"
                )
            custom_id = _check_custom_id(obj, number, first_line, scan)
            request = _parse_request(kind, obj, number, custom_id)
            if request.url is not None:
                if scan.endpoint is None:
                    scan.endpoint, endpoint_line = request.url, number
                elif request.url != scan.endpoint:
                    raise _LineError(
                        f"url {request.url} differs from {scan.endpoint} (line {endpoint_line});"
                        " a batch has one endpoint"
                    )
        except _LineError as error:
            if not _add_problem(scan, Problem(number, str(error))):
                break
            continue
        scan.count += 1
        scan.models[request.model] = scan.models.get(request.model, 0) + 1
        _warn_about_model(scan, request, models)
    scan.sha256 = digest.hexdigest()
    return scan


def _warn_about_model(scan: FileScan, request: RequestLine, models: ModelTable) -> None:
    """What the provider would refuse in this request, as far as batchtui's table knows."""
    model = request.model
    known = models.find(model)
    if known is None:
        if not models.is_known(model):
            scan.warn(
                ("unknown", model),
                request.line,
                f"unknown model {model!r}: the provider refuses a model it does not serve "
                f"(not_found_error / model_not_found), but {CATALOGUE_CAVEAT}",
            )
        return
    if known.retired is not None:
        scan.warn(
            ("retired", model),
            request.line,
            f"model {model!r} was retired on {known.retired.isoformat()}: the provider answers "
            f"not_found_error ({CATALOGUE_CAVEAT})",
        )
    cap = request.max_tokens
    if known.max_output is not None and isinstance(cap, int) and cap > known.max_output:
        scan.warn(
            ("max_output", known.name, request.cap_name),
            request.line,
            f"{request.cap_name} {cap:,} is over the {known.max_output:,} output tokens "
            f"{known.name} allows: the provider would refuse the request ({CATALOGUE_CAVEAT})",
        )


def iter_requests(path: Path, kind: ProviderKind) -> Iterator[RequestLine]:
    """The requests of a file that :func:`scan_requests_file` passed, one at a time."""
    for number, raw, _size in numbered_lines(Path(path), None, lambda: MAX_LINE_BYTES[kind]):
        try:
            if raw is None:
                raise _LineError("line over the size limit")
            obj = _parse_object(raw)
            yield _parse_request(kind, obj, number, obj["custom_id"])
        except (_LineError, KeyError) as error:
            # The file changed since it was scanned: never submit something unchecked.
            raise BatchtuiError(f"{path}:{number}: changed since it was checked: {error}") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _parse_object(raw: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # The decoder counts lines within this one line: "line 1" would contradict ours.
        raise _LineError(f"invalid JSON at column {exc.colno}: {exc.msg}") from None
    if not isinstance(obj, dict):
        raise _LineError("each line must be a JSON object")
    return obj


def _check_custom_id(
    obj: dict[str, Any], number: int, first_line: dict[str, int], scan: FileScan
) -> str:
    custom_id = obj.get("custom_id")
    if custom_id is None:
        raise _LineError("missing custom_id")
    if not isinstance(custom_id, str) or not CUSTOM_ID.fullmatch(custom_id):
        raise _LineError(f"custom_id {custom_id!r} must be 1-64 letters, digits, '_' or '-'")
    first = first_line.setdefault(custom_id, number)
    if first != number:
        raise _LineError(f"duplicate custom_id {custom_id!r} (first on line {first})")
    return custom_id


def _parse_request(
    kind: ProviderKind, obj: dict[str, Any], number: int, custom_id: str
) -> RequestLine:
    if kind is ProviderKind.ANTHROPIC:
        return _anthropic_request(obj, number, custom_id)
    return _openai_request(obj, number, custom_id)


def _anthropic_request(obj: dict[str, Any], number: int, custom_id: str) -> RequestLine:
    extra = sorted(set(obj) - {"custom_id", "params"})
    if extra:
        raise _LineError(f"unexpected field(s) {', '.join(extra)}: a line has custom_id and params")
    params = obj["params"]
    if not isinstance(params, dict):
        raise _LineError("params must be an object")
    problems = []
    model = params.get("model")
    if not isinstance(model, str) or not model:
        problems.append("params.model is missing")
    max_tokens = params.get("max_tokens")
    if not _positive_int(max_tokens):
        problems.append("params.max_tokens must be an integer ≥ 1")
    messages = params.get("messages")
    if not isinstance(messages, list) or not messages:
        problems.append("params.messages must be a non-empty list")
    if params.get("stream"):
        problems.append("params.stream: true is not allowed in a batch")
    problems.extend(f"params.{k}: {why}" for k, why in ANTHROPIC_REFUSED.items() if k in params)
    if problems:
        raise _LineError("; ".join(problems))
    assert isinstance(model, str)  # a missing model is one of the problems above
    return RequestLine(number, custom_id, orjson.dumps(params), model, max_tokens)


def _openai_request(obj: dict[str, Any], number: int, custom_id: str) -> RequestLine:
    problems = []
    if obj.get("method") != "POST":
        problems.append('method must be "POST"')
    url = obj.get("url")
    if url not in OPENAI_ENDPOINTS:
        known = ", ".join(sorted(OPENAI_ENDPOINTS))
        problems.append(f"url {url!r} is not a batch endpoint ({known})")
    body = obj.get("body")
    if not isinstance(body, dict):
        problems.append("body must be an object")
        body = {}
    model = body.get("model")
    if not isinstance(model, str) or not model:
        problems.append("body.model is missing")
    if body.get("stream"):
        problems.append("body.stream: true is not allowed in a batch")
    cap_name, max_tokens = _openai_max_tokens(body)
    if max_tokens is not None and not _positive_int(max_tokens):
        problems.append(f"body.{cap_name} must be an integer ≥ 1")
    if problems:
        raise _LineError("; ".join(problems))
    assert isinstance(model, str)  # a missing model is one of the problems above
    return RequestLine(
        number, custom_id, orjson.dumps(body), model, max_tokens, url, cap_name=cap_name
    )


def _openai_max_tokens(body: dict[str, Any]) -> tuple[str, Any]:
    """The output cap and its name, whichever name the endpoint uses (None if unset)."""
    for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        if name in body:
            return name, body[name]
    return "max_tokens", None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _add_problem(scan: FileScan, problem: Problem) -> bool:
    """Record a problem; False once there are too many to be worth listing."""
    if len(scan.problems) >= MAX_PROBLEMS:
        scan.truncated = True
        return False
    scan.problems.append(problem)
    return True
