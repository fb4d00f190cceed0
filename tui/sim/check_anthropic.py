"""The checks the Messages API applies to each batch item's ``params``, at processing time.

Messages follow the real API's wording where a public record of it exists (see the README's
Simulator section and ``catalogue.toml``): pydantic-style ``field: ...`` messages for schema
problems, ``not_found_error`` ``model: <id>`` for an unknown or retired model, and
``max_tokens: N > M, which is the maximum allowed number of output tokens for <snapshot>``.
"""

from __future__ import annotations

from typing import Any

from tui.sim.catalogue import Catalogue, catalogue
from tui.sim.checks import RequestError, is_int, is_number

ANTHROPIC = "anthropic"

KNOWN_PARAMS = frozenset(
    {
        "model", "max_tokens", "messages", "system", "tools", "tool_choice", "thinking",
        "metadata", "stop_sequences", "cache_control", "container", "output_config",
        "service_tier", "inference_geo", "diagnostics", "user_profile_id", "workspace_id",
        "speed", "stream", "temperature", "top_p", "top_k", "mcp_servers",
        "context_management", "store", "previous_thread_event_id", "cache_hint",
        "context_hint", "research_preview_2026_02",
    }
)  # fmt: skip
"""``MessageCreateParams`` (reference A.2 and ``anthropic/types/message_create_params.py``)."""

ROLES = ("user", "assistant")
SYSTEM_ROLE = (
    'messages: Unexpected role "system". The Messages API accepts a top-level `system` '
    'parameter, not "system" as an input message role.'
)


def check_params(params: Any, models: Catalogue | None = None) -> RequestError | None:
    """Why the API would refuse ``params``, or None when it would run them."""
    models = models or catalogue()
    for check in (_shape, _model, _refused, _max_tokens, _sampling, _messages):
        error = check(params, models)
        if error is not None:
            return error
    return None


def check_messages(body: dict[str, Any]) -> RequestError | None:
    """The checks of ``messages`` alone (``count_tokens`` takes no ``max_tokens``)."""
    return _messages(body, catalogue())


def _shape(params: Any, models: Catalogue) -> RequestError | None:
    if not isinstance(params, dict):
        return RequestError("params: Input should be a valid dictionary")
    for name in ("model", "max_tokens", "messages"):
        if name not in params:
            return RequestError(f"{name}: Field required")
    extra = sorted(set(params) - KNOWN_PARAMS)
    if extra:
        return RequestError(f"{extra[0]}: Extra inputs are not permitted")
    return None


def _model(params: dict[str, Any], models: Catalogue) -> RequestError | None:
    model_id = params["model"]
    if not isinstance(model_id, str) or not model_id:
        return RequestError("model: Input should be a valid string")
    model = models.find(ANTHROPIC, model_id)
    if model is None or model.retired is not None:
        return RequestError(f"model: {model_id}", kind="not_found_error", status=404)
    if not model.batch:
        return RequestError(f"model: {model_id} is not supported in the Message Batches API")
    return None


def _refused(params: dict[str, Any], models: Catalogue) -> RequestError | None:
    if params.get("stream"):
        return RequestError("stream: streaming is not supported in the Message Batches API")
    if "speed" in params:
        return RequestError("speed: fast mode is not supported in the Message Batches API")
    return None


def _max_tokens(params: dict[str, Any], models: Catalogue) -> RequestError | None:
    value = params["max_tokens"]
    if not is_int(value):
        return RequestError("max_tokens: Input should be a valid integer")
    if value < 1:
        return RequestError("max_tokens: Input should be greater than or equal to 1")
    model = models.find(ANTHROPIC, params["model"])
    assert model is not None  # _model ran first
    if value > model.max_output:
        return RequestError(
            f"max_tokens: {value} > {model.max_output}, which is the maximum allowed number "
            f"of output tokens for {model.snapshot}"
        )
    return None


def _sampling(params: dict[str, Any], models: Catalogue) -> RequestError | None:
    for name in ("temperature", "top_p"):
        if name not in params:
            continue
        value = params[name]
        if not is_number(value):
            return RequestError(f"{name}: Input should be a valid number")
        if value < 0:
            return RequestError(f"{name}: Input should be greater than or equal to 0")
        if value > 1:
            return RequestError(f"{name}: Input should be less than or equal to 1")
    return None


def _messages(params: dict[str, Any], models: Catalogue) -> RequestError | None:
    messages = params["messages"]
    if not isinstance(messages, list):
        return RequestError("messages: Input should be a valid list")
    if not messages:
        return RequestError("messages: List should have at least 1 item after validation, not 0")
    last = len(messages) - 1
    for index, message in enumerate(messages):
        where = f"messages.{index}"
        if not isinstance(message, dict):
            return RequestError(f"{where}: Input should be a valid dictionary")
        role = message.get("role")
        if role == "system":
            return RequestError(SYSTEM_ROLE)
        if role not in ROLES:
            return RequestError(f"{where}.role: Input should be 'user' or 'assistant'")
        if "content" not in message:
            return RequestError(f"{where}.content: Field required")
        final_assistant = index == last and role == "assistant"
        if _empty(message["content"]) and not final_assistant:
            return RequestError(
                f"{where}: all messages must have non-empty content except for the optional "
                "final assistant message"
            )
    return None


def _empty(content: Any) -> bool:
    if isinstance(content, str):
        return not content.strip()
    if isinstance(content, list):
        return not content
    return content is None
