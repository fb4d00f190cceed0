"""Fault injection: make chosen routes fail, slow down or drop their connection.

A fault matches a route name (``anthropic.results``) or ``"*"`` and fires ``count`` times
(``None``: for ever). Error faults carry a ``retry-after`` in whole seconds, as the real APIs
send, plus a tiny ``retry-after-ms`` (read first by both SDKs) because the Anthropic SDK obeys
any value and the OpenAI SDK skips retrying above 120 s; ``retry_after_ms=None`` leaves it out.
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("429", "500", "503", "529", "latency", "drop")

ROUTES = (
    "anthropic.create",
    "anthropic.retrieve",
    "anthropic.list",
    "anthropic.cancel",
    "anthropic.delete",
    "anthropic.results",
    "anthropic.count_tokens",
    "openai.files.create",
    "openai.files.retrieve",
    "openai.files.list",
    "openai.files.delete",
    "openai.files.content",
    "openai.batches.create",
    "openai.batches.retrieve",
    "openai.batches.list",
    "openai.batches.cancel",
)


@dataclass(kw_only=True)
class Fault:
    route: str
    kind: str
    count: int | None = 1
    seconds: float = 0.0
    """``latency``: how long to stall before answering."""
    after_bytes: int = 0
    """``drop``: how much of a streamed body to send before closing the connection."""
    retry_after_ms: int | None = 10
    """Sent as ``retry-after-ms`` (which both SDKs read first) so that tests stay quick; None
    leaves it out, and clients then wait ``retry_after`` seconds."""
    retry_after: int = 1
    """Sent as ``retry-after`` in whole seconds, as the real APIs do."""

    def matches(self, route: str) -> bool:
        return fnmatch.fnmatchcase(route, self.route)


class Faults:
    """The active faults, consulted once per request attempt."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def inject(
        self,
        route: str = "*",
        kind: str = "500",
        count: int | None = 1,
        *,
        seconds: float = 0.0,
        after_bytes: int = 0,
        retry_after_ms: int | None = 10,
        retry_after: int = 1,
    ) -> Fault:
        kind = str(kind)
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if route != "*" and not any(fnmatch.fnmatchcase(name, route) for name in ROUTES):
            raise ValueError(f"unknown route {route!r}")
        fault = Fault(
            route=route,
            kind=kind,
            count=count,
            seconds=seconds,
            after_bytes=after_bytes,
            retry_after_ms=retry_after_ms,
            retry_after=retry_after,
        )
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def take(self, route: str) -> Fault | None:
        """The first fault that fires for this attempt, its count used up by one."""
        for fault in self._faults:
            if fault.matches(route):
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    def to_json(self) -> list[dict[str, Any]]:
        return [asdict(fault) for fault in self._faults]

    def __len__(self) -> int:
        return len(self._faults)
