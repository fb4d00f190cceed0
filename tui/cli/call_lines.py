"""``--log-calls``: every API call of ``sync`` and ``watch`` as one line, for debugging a pipeline.

Without it, ``sync`` and ``watch`` say nothing about calls except a provider-asked wait of a
second or more (:func:`~tui.cli.common.announcing_call_log`). With it, each HTTP call the SDKs
make is written once it is over, appended to ``FILE``, or with ``--log-calls -`` printed on
stderr (stdout keeps the command's own output, which a pipeline may parse). Each is one line of
``key=value`` fields that grep or a log tool reads (cut in two here)::

    call at=2026-11-20T12:00:01.250Z profile=work method=GET path=/v1/messages/batches
    status=429 ms=38 retry_after_s=2 attempt=1 request_id=req_011CX

A call that got no response says ``status=none error="..."``. The line is built from the call
log's record (:class:`~tui.core.calllog.CallRecord`), which keeps no header wholesale: no key,
no ``authorization`` or ``x-api-key`` reaches it, so none reaches the line. Values are made one
line without control characters; one with a space or a quote is written as a JSON string.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui.cli.common import announcing_call_log
from tui.core.errors import ConfigError
from tui.core.text import one_line

if TYPE_CHECKING:
    from tui.core.calllog import CallLog, CallRecord

STDERR = "-"


def add_log_calls_argument(parser: argparse.ArgumentParser) -> None:
    # FILE is required ("-" for stderr, as many Unix tools take it): an optional value would
    # swallow the ID that follows in `watch --log-calls ID`.
    parser.add_argument(
        "--log-calls",
        metavar="FILE",
        help="append every API call (time, profile, method, path, status, duration, "
        "retry-after, request id; never a key) to FILE, one line each; '-' prints them on stderr",
    )


def call_line(call: CallRecord) -> str:
    """One call as ``key=value`` fields (see the module docstring)."""
    fields: list[tuple[str, object]] = [
        ("at", call.started_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
        ("profile", call.profile),
        ("method", call.method),
        ("path", call.route),
        ("status", call.status if call.status is not None else "none"),
    ]
    if call.latency is not None:
        fields.append(("ms", round(call.latency * 1000)))
    if call.retry_after is not None:
        fields.append(("retry_after_s", f"{call.retry_after:g}"))
    if call.attempt:
        fields.append(("attempt", call.attempt))
    if call.request_id:
        fields.append(("request_id", call.request_id))
    if call.error:
        fields.append(("error", call.error))
    return "call " + " ".join(f"{name}={_value(value)}" for name, value in fields)


def _value(value: object) -> str:
    text = one_line(str(value), limit=2000)
    if not text or any(c in text for c in ' "=\\'):
        return json.dumps(text, ensure_ascii=False)
    return text


@contextlib.contextmanager
def call_log_for(args: argparse.Namespace) -> Iterator[CallLog]:
    """The command's call log: waits said as before, and with ``--log-calls`` every call."""
    target = getattr(args, "log_calls", None)
    if target is None:
        yield announcing_call_log()
        return
    with _output(target) as out:

        def write(call: CallRecord) -> None:
            out.write(call_line(call) + "\n")
            out.flush()  # a line per call as it happens: tail -f, or a job killed midway

        yield announcing_call_log(also=write)


@contextlib.contextmanager
def _output(target: str) -> Iterator[TextIO]:
    if target == STDERR:
        yield sys.stderr
        return
    try:  # only opening is guarded: an OSError of the command itself is not about FILE
        stream = Path(target).open("a", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise ConfigError(f"--log-calls: cannot write {target}: {exc.strerror}") from exc
    with stream:
        yield stream
