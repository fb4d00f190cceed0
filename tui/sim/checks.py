"""What a request that the provider refuses comes back as, and helpers both APIs' checks share.

A refused request in a batch is not a failed create: Anthropic answers it as an ``errored`` result,
OpenAI as an error-file line with the HTTP status the synchronous call would have had.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RequestError:
    """Why one request was refused, in the words of the API that refused it."""

    message: str
    kind: str = "invalid_request_error"
    """Anthropic ``error.type`` / OpenAI ``error.type``."""
    status: int = 400
    param: str | None = None
    code: str | None = None

    def to_json(self) -> list[Any]:
        return [self.message, self.kind, self.status, self.param, self.code]

    @classmethod
    def from_json(cls, data: Any) -> RequestError:
        if isinstance(data, str):  # state files written before errors carried their kind
            return cls(data)
        message, kind, status, param, code = data
        return cls(message, kind, status, param, code)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
