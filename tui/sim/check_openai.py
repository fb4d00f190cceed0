"""The checks the OpenAI endpoints apply to each batch line's ``body``, at processing time.

A refused line goes to the error file with the status the synchronous call would have had: 404
``model_not_found`` for an unknown or retired model, 400 ``invalid_request_error`` with the
offending ``param`` otherwise (``max_tokens is too large: ...`` names whichever of
``max_tokens`` / ``max_completion_tokens`` / ``max_output_tokens`` the request used).
"""

from __future__ import annotations

from typing import Any

from tui.sim.catalogue import Catalogue, catalogue
from tui.sim.checks import RequestError, is_int, is_number

OPENAI = "openai"

OUTPUT_CAPS = ("max_completion_tokens", "max_tokens", "max_output_tokens")
CHAT_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
CHAT_PARAMS = frozenset(
    {
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "n", "stop", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
        "top_logprobs", "user", "seed", "tools", "tool_choice", "parallel_tool_calls",
        "functions", "function_call", "response_format", "stream", "stream_options",
        "metadata", "store", "reasoning_effort", "service_tier", "modalities", "audio",
        "prediction", "web_search_options", "verbosity", "prompt_cache_key",
        "prompt_cache_retention", "safety_identifier",
    }
)  # fmt: skip
"""``CompletionCreateParams`` (``openai/types/chat/completion_create_params.py``)."""

SAMPLING_MAX = {"temperature": 2, "top_p": 1}


def check_body(
    endpoint: str, body: dict[str, Any], models: Catalogue | None = None
) -> RequestError | None:
    """Why the endpoint would refuse ``body``, or None when it would run it."""
    models = models or catalogue()
    error = _model(body, models) or _unknown_args(endpoint, body)
    error = error or _output_cap(body, models) or _sampling(body)
    if error is None and endpoint == "/v1/chat/completions":
        error = _messages(body)
    return error


def _model(body: dict[str, Any], models: Catalogue) -> RequestError | None:
    model = models.find(OPENAI, body.get("model"))
    if model is None or model.retired is not None or not model.batch:
        return RequestError(
            f"The model `{body.get('model')}` does not exist or you do not have access to it.",
            status=404,
            code="model_not_found",
        )
    return None


def _unknown_args(endpoint: str, body: dict[str, Any]) -> RequestError | None:
    if endpoint != "/v1/chat/completions":
        return None  # the other endpoints' parameter lists are not checked
    extra = sorted(set(body) - CHAT_PARAMS)
    if extra:
        return RequestError(f"Unrecognized request argument supplied: {extra[0]}")
    return None


def _output_cap(body: dict[str, Any], models: Catalogue) -> RequestError | None:
    name = next((n for n in OUTPUT_CAPS if n in body), None)
    if name is None:
        return None
    value = body[name]
    if not is_int(value):
        return _wrong_type(name, value, "an integer")
    if value < 1:
        return _out_of_range(name, value, "integer", 1, above=False)
    model = models.find(OPENAI, body["model"])
    assert model is not None  # _model ran first
    if model.max_output and value > model.max_output:
        return RequestError(
            f"{name} is too large: {value}. This model supports at most {model.max_output} "
            f"completion tokens, whereas you provided {value}.",
            param=name,
            code="invalid_value",
        )
    return None


def _sampling(body: dict[str, Any]) -> RequestError | None:
    for name, high in SAMPLING_MAX.items():
        if name not in body or body[name] is None:
            continue
        value = body[name]
        if not is_number(value):
            return _wrong_type(name, value, "a decimal")
        if value < 0:
            return _out_of_range(name, value, "decimal", 0, above=False)
        if value > high:
            return _out_of_range(name, value, "decimal", high, above=True)
    return None


def _wrong_type(name: str, value: object, expected: str) -> RequestError:
    """OpenAI's 400 for a parameter of the wrong JSON type."""
    return RequestError(
        f"Invalid type for '{name}': expected {expected}, but got {type(value).__name__}.",
        param=name,
        code="invalid_type",
    )


def _out_of_range(
    name: str, value: object, kind: str, bound: float, *, above: bool
) -> RequestError:
    """OpenAI's 400 for a number past its bound (``kind``: "integer" or "decimal")."""
    side, limit, sign = ("above", "max", "<=") if above else ("below", "min", ">=")
    return RequestError(
        f"Invalid '{name}': {kind} {side} {limit}imum value. Expected a value {sign} {bound}, "
        f"but got {value} instead.",
        param=name,
        code=f"{kind}_{side}_{limit}_value",
    )


def _messages(body: dict[str, Any]) -> RequestError | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return RequestError("Missing required parameter: 'messages'.", param="messages")
    if not messages:
        return RequestError("[] is too short - 'messages'", param="messages")
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in CHAT_ROLES:
            supported = ", ".join(f"'{r}'" for r in CHAT_ROLES[:-1])
            return RequestError(
                f"Invalid value: '{role}'. Supported values are: {supported}, and "
                f"'{CHAT_ROLES[-1]}'.",
                param=f"messages[{index}].role",
                code="invalid_value",
            )
    return None
