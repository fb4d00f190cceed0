"""A call log with a fixed story in it, for the ``@`` screen's snapshot and screenshot.

The calls go through the log's own recording API (``started``/``finished``, as the SDK hooks
call it) with a fixed clock and latency, so the picture is the same on every run. The live
recording of real SDK calls is tested in tests/core/test_calllog.py and the Pilot tests.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from main_support import T0, CachedBatchApp

from tui.core.calllog import CallLog

_ANTHROPIC = "/v1/messages/batches"
_ID = "msgbatch_01HkcTjaV5uDC8jWR4ZsDbkF"
_OAI = "/v1/batches/batch_6741a2"

# (seconds after T0, profile, method, route, attempt, status, ms, headers, sent, received)
_STORY: list[tuple[float, str, str, str, int, int | None, int, dict[str, str], int | None]] = [
    (0.0, "anthropic", "GET", _ANTHROPIC, 0, 200, 212, {"content-length": "48213"}, None),
    (0.1, "openai", "GET", "/v1/batches", 0, 200, 187, {"content-length": "30120"}, None),
    (15.0, "anthropic", "GET", f"{_ANTHROPIC}/{_ID}", 0, 429, 41, {"retry-after": "2"}, None),
    (17.1, "anthropic", "GET", f"{_ANTHROPIC}/{_ID}", 1, 429, 38, {"retry-after": "4"}, None),
    (21.2, "anthropic", "GET", f"{_ANTHROPIC}/{_ID}", 2, 200, 164, {"content-length": "812"}, None),
    (21.5, "anthropic", "GET", f"{_ANTHROPIC}/{_ID}/results", 0, 200, 402, {}, None),
    (30.0, "openai", "GET", _OAI, 0, 503, 1204, {"retry-after": "1"}, None),
    (
        31.4,
        "openai",
        "GET",
        "/v1/batches/batch_6741a2",
        1,
        200,
        233,
        {"content-length": "1210"},
        None,
    ),
    (45.0, "anthropic", "POST", _ANTHROPIC, 0, 200, 690, {"content-length": "790"}, 148_220),
]


def sample_call_log() -> CallLog:
    now = [T0]
    elapsed = [0.0]
    log = CallLog(clock=lambda: now[0], timer=lambda: elapsed[0])
    for number, (at, profile, method, route, attempt, status, ms, headers, sent) in enumerate(
        _STORY
    ):
        now[0] = T0 + timedelta(seconds=at)
        elapsed[0] = at
        log.started(profile, method, route, attempt=attempt, bytes_sent=sent, key=number)
        elapsed[0] = at + ms / 1000
        request_id = ("req_" if profile == "anthropic" else "req_oa") + f"{number:04d}c9f2e1"
        log.finished(number, status or 0, {**headers, "request-id": request_id})
    now[0] = T0 + timedelta(seconds=50)
    elapsed[0] = 50.0
    log.started("openai", "GET", "/v1/batches/batch_6741a2", key="waiting")  # still in flight
    return log


class CallLogApp(CachedBatchApp):
    """The App on a prepared cache, with :func:`sample_call_log` as this session's calls."""

    def __init__(self, database: Path) -> None:
        super().__init__(database)
        self.services.call_log = sample_call_log()
