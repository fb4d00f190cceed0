"""Small builders shared by the simulator tests."""

from __future__ import annotations

from typing import Any

import orjson
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

from tui.sim import Simulator

KEY = "sk-test"


def anthropic_client(sim: Simulator, **kwargs: Any) -> AsyncAnthropic:
    return AsyncAnthropic(base_url=sim.anthropic_base_url, api_key=KEY, **kwargs)


def openai_client(sim: Simulator, **kwargs: Any) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=sim.openai_base_url, api_key=KEY, **kwargs)


def message_request(
    custom_id: str, text: str = "Hello there", max_tokens: int = 1024, **params: Any
) -> dict[str, Any]:
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": text}],
    }
    body.update(params)
    return {"custom_id": custom_id, "params": body}


def chat_line(
    custom_id: str,
    text: str = "Hello",
    model: str = "gpt-4o-mini",
    url: str = "/v1/chat/completions",
    **body: Any,
) -> dict[str, Any]:
    """One batch input line; extra keyword arguments go into the request body."""
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": url,
        "body": {"model": model, "messages": [{"role": "user", "content": text}], **body},
    }


def jsonl(lines: list[Any]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)
