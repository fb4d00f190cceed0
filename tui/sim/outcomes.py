"""Deterministic synthetic outcomes: what each request "returns", derived from a seed.

Every number here comes from a hash of (seed, batch id, custom_id), so the same seed gives the
same batch, byte for byte, on every run. Requests are *planned* once, on create (tokens, outcome,
cache role), into compact per-request numbers; result lines are *rendered* from those numbers
only when someone downloads them, so a 100,000-request batch never holds its result bodies.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

OK, INVALID, SERVER_ERROR = 0, 1, 2
"""Per-request outcome codes (what the request would have got from the synchronous API)."""

END_TURN, MAX_TOKENS = 0, 1
"""Per-request stop reasons for successful requests."""

CACHE_NONE, CACHE_WRITE_5M, CACHE_WRITE_1H, CACHE_READ = 0, 1, 2, 3

_CORPUS = (
    "the batch finished its work quietly while the queue drained and every request found its "
    "answer in turn so the results arrived in good order with tokens counted and costs halved "
    "a short reply follows the prompt and mentions nothing beyond what was asked because the "
    "simulator only pretends to think yet it keeps its numbers honest and its lines well formed "
    "each answer is derived from a hash of the seed the batch and the custom id so that runs "
    "repeat exactly and tests can rely on every byte of the output staying the same over time "
)
_CORPUS = _CORPUS * 40  # long enough to slice any reply out of it


def digest(*parts: object) -> bytes:
    """32 pseudo-random bytes fixed by ``parts``."""
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=32).digest()


def unit(d: bytes, slot: int) -> float:
    """The ``slot``-th uniform number in [0, 1) drawn from a digest (8 slots per digest)."""
    return int.from_bytes(d[slot * 4 : slot * 4 + 4], "big") / 4294967296.0


def tokens_for(chars: int) -> int:
    """The simulator's tokenizer: about four characters a token, never zero."""
    return max(1, (chars + 3) // 4)


def reply_text(custom_id: str, tag: str, tokens: int) -> str:
    """A reply of about ``tokens`` tokens mentioning the request it answers."""
    head = f"Reply to {custom_id} [{tag}]: "
    want = max(0, tokens * 4 - len(head))
    start = int(tag[:4], 16) % 512
    return head + _CORPUS[start : start + want].strip()


def wanted_output_tokens(d: bytes) -> int:
    """How long the model would like to answer: mostly short, with a long tail."""
    return 12 + int(unit(d, 1) ** 4 * 700)


# --- Anthropic -------------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    """The text a block, message or list carries, for token counting."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_text_of(item) for item in value)
    if isinstance(value, dict):
        if "text" in value and isinstance(value["text"], str):
            return value["text"]
        if "content" in value:
            return _text_of(value["content"])
        return orjson.dumps(value).decode()
    return ""


def _prompt_blocks(params: dict[str, Any]) -> list[Any]:
    """Tools, system, then messages: the order prompt caching builds its prefix in."""
    blocks: list[Any] = list(params.get("tools") or [])
    system = params.get("system")
    if isinstance(system, str):
        blocks.append(system)
    elif isinstance(system, list):
        blocks.extend(system)
    for message in params.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            blocks.extend(content)
        else:
            blocks.append(content or "")
    return blocks


def anthropic_input(params: dict[str, Any]) -> tuple[int, str | None, int, bool]:
    """Input tokens, plus the cached prefix: (total, prefix key or None, prefix tokens, 1h ttl).

    The prefix runs up to the last block carrying ``cache_control``; top-level ``cache_control``
    (automatic caching) covers the whole prompt.
    """
    blocks = _prompt_blocks(params)
    texts = [_text_of(block) for block in blocks]
    total = tokens_for(sum(map(len, texts)))
    marker = params.get("cache_control")
    end = len(blocks) if isinstance(marker, dict) else 0
    for index, block in enumerate(blocks):
        if isinstance(block, dict) and isinstance(block.get("cache_control"), dict):
            marker, end = block["cache_control"], index + 1
    if not isinstance(marker, dict) or end == 0:
        return total, None, 0, False
    prefix = "\x1e".join(texts[:end])
    key = hashlib.blake2b(prefix.encode(), digest_size=12).hexdigest()
    return total, key, min(total, tokens_for(len(prefix))), marker.get("ttl") == "1h"


def count_tokens(body: dict[str, Any]) -> int:
    """``messages.count_tokens``: the same tokenizer the batch usage uses."""
    return anthropic_input(body)[0]


def anthropic_usage(inp: int, out: int, cache_role: int, cache_tokens: int) -> dict[str, Any]:
    write_5m = cache_tokens if cache_role == CACHE_WRITE_5M else 0
    write_1h = cache_tokens if cache_role == CACHE_WRITE_1H else 0
    read = cache_tokens if cache_role == CACHE_READ else 0
    return {
        "input_tokens": inp - write_5m - write_1h - read,
        "output_tokens": out,
        "cache_creation_input_tokens": write_5m + write_1h,
        "cache_read_input_tokens": read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": write_5m,
            "ephemeral_1h_input_tokens": write_1h,
        },
        "server_tool_use": None,
        "service_tier": "batch",
        "inference_geo": None,
    }


def anthropic_message(
    custom_id: str, model: str, d: bytes, usage: dict[str, Any], stop: int
) -> dict[str, Any]:
    tag = d[8:12].hex()
    return {
        "id": "msg_01" + d[12:24].hex(),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [
            {
                "type": "text",
                "text": reply_text(custom_id, tag, usage["output_tokens"]),
                "citations": None,
            }
        ],
        "stop_reason": "max_tokens" if stop == MAX_TOKENS else "end_turn",
        "stop_sequence": None,
        "stop_details": None,
        "usage": usage,
        "container": None,
    }


def anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": None}


# --- OpenAI ----------------------------------------------------------------------------------


def openai_prompt(body: dict[str, Any]) -> tuple[int, str | None, int]:
    """Prompt tokens and the automatic-cache prefix: (total, prefix key or None, prefix tokens).

    OpenAI caches prefixes of 1,024 tokens or more by itself; the simulator treats everything
    but the last message as the prefix and caches it in steps of 128 tokens.
    """
    messages = body.get("messages")
    if not isinstance(messages, list):
        source = body.get("input", body.get("prompt", ""))
        return tokens_for(len(_text_of(source))), None, 0
    texts = [_text_of(m.get("content") if isinstance(m, dict) else m) for m in messages]
    total = tokens_for(sum(map(len, texts)))
    prefix = "\x1e".join(texts[:-1])
    prefix_tokens = tokens_for(len(prefix)) if prefix else 0
    if prefix_tokens < 1024:
        return total, None, 0
    key = hashlib.blake2b(prefix.encode(), digest_size=12).hexdigest()
    return total, key, prefix_tokens // 128 * 128


def openai_body(
    endpoint: str,
    custom_id: str,
    model: str,
    d: bytes,
    created: int,
    prompt: int,
    cached: int,
    completion: int,
    stop: int,
) -> dict[str, Any]:
    """The response body a successful request to ``endpoint`` would have returned."""
    tag = d[8:12].hex()
    text = reply_text(custom_id, tag, completion)
    finish_reason = "length" if stop == MAX_TOKENS else "stop"
    token_counts = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }  # the usage of both completion endpoints (chat adds its details)
    if endpoint == "/v1/embeddings":
        vector = [round(unit(d, i % 8) - 0.5, 6) for i in range(8)]
        return {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": vector}],
            "model": model,
            "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
        }
    if endpoint == "/v1/moderations":
        return {
            "id": "modr-" + d[12:24].hex(),
            "model": model,
            "results": [{"flagged": False, "categories": {}, "category_scores": {}}],
        }
    if endpoint == "/v1/completions":
        return {
            "id": "cmpl-" + d[12:24].hex(),
            "object": "text_completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "text": text,
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": token_counts,
        }
    if endpoint == "/v1/responses":
        return {
            "id": "resp_" + d[12:28].hex(),
            "object": "response",
            "created_at": created,
            "status": "incomplete" if stop == MAX_TOKENS else "completed",
            "model": model,
            "output": [
                {
                    "type": "message",
                    "id": "msg_" + d[12:24].hex(),
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ],
            "usage": {
                "input_tokens": prompt,
                "input_tokens_details": {"cached_tokens": cached},
                "output_tokens": completion,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": prompt + completion,
            },
        }
    return {
        "id": "chatcmpl-" + d[12:24].hex(),
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            **token_counts,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
        "system_fingerprint": "fp_sim" + d[24:28].hex(),
    }
