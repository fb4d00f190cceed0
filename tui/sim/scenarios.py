"""Ready-made simulated worlds. ``demo``: a lived-in workspace of about 30 batches.

The demo batches are created directly in the state (not over HTTP), back-dated over the past
days, with chosen durations so that each tells a story: some still running (they progress as the
clock moves), most ended with a mix of outcomes, one canceled, one expired, one OpenAI batch
failed validation, and one large Anthropic batch of 20,000 requests. Some ended batches hold
requests the APIs refuse (no ``max_tokens``, ``max_tokens`` over the model's maximum, a retired
model), which come back errored or in the error file, as they would for real.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from tui.sim.batches import WINDOW

if TYPE_CHECKING:
    from tui.sim.server import Simulator

HOUR, MINUTE = 3600.0, 60.0

_TOPICS = (
    "a refund request for a damaged kettle",
    "a complaint about late delivery",
    "a question on invoice VAT numbers",
    "praise for the support team",
    "a bug report about the mobile login screen",
    "a request to close an account",
    "a shipping address change",
    "a warranty claim for headphones",
)
_SYSTEM = (
    "You are a support triage assistant for an online shop. Read the customer's message, "
    "classify it as one of: refund, delivery, billing, praise, bug, account, other; then write "
    "a one-sentence summary and a suggested next action. "
) * 20  # over 1,024 tokens: long enough for Sonnet 4.5 to cache it at all


def _ticket(index: int) -> str:
    topic = _TOPICS[index % len(_TOPICS)]
    return f"Ticket #{10_000 + index}: the customer writes about {topic}. " * (1 + index % 4)


def _anthropic_params(model: str, index: int, *, cached: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": 256 if index % 17 else 24,  # a few hit max_tokens
        "messages": [{"role": "user", "content": _ticket(index)}],
    }
    if cached is not None:
        control = {"type": "ephemeral"} if cached == "5m" else {"type": "ephemeral", "ttl": "1h"}
        params["system"] = [{"type": "text", "text": _SYSTEM, "cache_control": control}]
    return params


RETIRED_MODEL = "claude-3-5-sonnet-20241022"
"""Retired 2025-10-28: requests naming it come back ``not_found_error``."""


def _break(params: dict[str, Any], index: int) -> None:
    """Make a request the API refuses, in one of the ways users meet in production."""
    kind = index % 3
    if kind == 0:
        del params["max_tokens"]  # invalid_request_error "max_tokens: Field required"
    elif kind == 1:
        params["max_tokens"] = 100_000  # over every demo model's maximum output
    else:
        params["model"] = RETIRED_MODEL


def _anthropic(
    sim: Simulator,
    *,
    model: str,
    count: int,
    age: float,
    duration: float,
    error_rate: float = 0.02,
    invalid: int = 0,
    cached: str | None = None,
    cancel_after: float | None = None,
) -> None:
    requests: list[tuple[str, Any]] = []
    for index in range(count):
        params = _anthropic_params(model, index, cached=cached)
        if index < invalid:
            _break(params, index)
        requests.append((f"ticket-{index:05d}", params))
    created = sim.clock.time() - age
    batch = sim.state.create_anthropic(requests, created, error_rate, duration)
    if cancel_after is not None:
        batch.cancel_at = created + cancel_after


def _openai(
    sim: Simulator,
    *,
    model: str,
    count: int,
    age: float,
    duration: float,
    error_rate: float = 0.02,
    cached: bool = False,
    cancel_after: float | None = None,
    broken: bool = False,
    invalid: int = 0,
) -> None:
    lines = []
    for index in range(count):
        messages = [{"role": "user", "content": _ticket(index)}]
        if cached:
            messages.insert(0, {"role": "system", "content": _SYSTEM * 3})
        body = {"model": model, "messages": messages, "max_tokens": 256}
        if index < invalid:  # over the model's maximum output: a 400 in the error file
            body = {"model": model, "messages": messages, "max_completion_tokens": 100_000}
        line = {
            "custom_id": f"row-{index:04d}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        }
        lines.append(orjson.dumps(line))
    if broken:  # a line that is not JSON and one with a second model: validation fails
        lines[3] = b'{"custom_id": "row-0003", "method": "POST", "url": '
        lines[7] = lines[7].replace(model.encode(), b"gpt-4.1-nano")
    created = sim.clock.time() - age
    record = sim.state.add_file(
        f"demo-{len(sim.state.files):02d}.jsonl", "batch", b"\n".join(lines) + b"\n", created - 30
    )
    batch = sim.state.create_openai(
        input_file=record,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"project": "support-triage"},
        created=created,
        error_rate=error_rate,
        duration=duration,
    )
    if cancel_after is not None:
        batch.cancel_at = created + cancel_after


def seed_demo_workspace(sim: Simulator) -> None:
    """About 30 batches across both providers, created over the simulated past nine days."""
    day = 24 * HOUR
    # Anthropic: three running, one canceling, the rest ended with assorted outcomes.
    _anthropic(sim, model="claude-haiku-4-5", count=400, age=12 * MINUTE, duration=50 * MINUTE)
    _anthropic(
        sim, model="claude-sonnet-4-5", count=120, age=40 * MINUTE, duration=3 * HOUR, cached="5m"
    )
    _anthropic(sim, model="claude-opus-4-5", count=60, age=2 * HOUR, duration=6 * HOUR)
    _anthropic(
        sim,
        model="claude-haiku-4-5",
        count=300,
        age=5 * MINUTE,
        duration=2 * HOUR,
        cancel_after=4 * MINUTE,
    )
    _anthropic(
        sim,
        model="claude-haiku-4-5",
        count=20_000,
        age=7 * HOUR,
        duration=5 * HOUR,
        error_rate=0.01,
        invalid=25,
    )
    _anthropic(
        sim, model="claude-sonnet-4-5", count=250, age=26 * HOUR, duration=35 * MINUTE, cached="1h"
    )
    _anthropic(sim, model="claude-sonnet-4-5", count=80, age=30 * HOUR, duration=WINDOW * 1.2)
    _anthropic(
        sim,
        model="claude-opus-4-5",
        count=150,
        age=2 * day,
        duration=2 * HOUR,
        cancel_after=40 * MINUTE,
    )
    ages_and_models = (
        (3 * HOUR, "claude-haiku-4-5", 0.0, 0),
        (9 * HOUR, "claude-sonnet-4-5", 0.05, 3),
        (1.5 * day, "claude-haiku-4-5", 0.3, 0),
        (3 * day, "claude-opus-4-5", 0.02, 10),
        (4 * day, "claude-haiku-4-5", 0.0, 0),
        (5 * day, "claude-sonnet-4-5", 0.01, 0),
        (6.5 * day, "claude-haiku-4-5", 0.0, 40),
        (8 * day, "claude-sonnet-4-5", 0.1, 0),
    )
    for index, (age, model, error_rate, invalid) in enumerate(ages_and_models):
        _anthropic(
            sim,
            model=model,
            count=40 + 35 * index,
            age=age,
            duration=(10 + 7 * index) * MINUTE,
            error_rate=error_rate,
            invalid=invalid,
        )

    # OpenAI: two running, one failed validation, one expired, one cancelled, the rest done.
    _openai(sim, model="gpt-4o-mini", count=500, age=15 * MINUTE, duration=90 * MINUTE)
    _openai(sim, model="gpt-4.1", count=80, age=1 * HOUR, duration=4 * HOUR, cached=True)
    _openai(sim, model="gpt-4o-mini", count=30, age=5 * HOUR, duration=HOUR, broken=True)
    _openai(sim, model="gpt-4.1", count=60, age=28 * HOUR, duration=WINDOW * 1.1)
    _openai(sim, model="gpt-4o-mini", count=200, age=2 * day, duration=3 * HOUR, cancel_after=HOUR)
    for index, age in enumerate((4 * HOUR, 20 * HOUR, 2.5 * day, 4 * day, 6 * day, 9 * day)):
        _openai(
            sim,
            model=("gpt-4o-mini", "gpt-4.1")[index % 2],
            count=50 + 40 * index,
            age=age,
            duration=(15 + 12 * index) * MINUTE,
            error_rate=0.04 * (index % 3),
            cached=index == 2,
            invalid=6 if index == 3 else 0,
        )


EVAL_MODELS = ("claude-opus-4-5", "claude-sonnet-4-5")
"""The two models of the demo's comparison pair, batch A's first."""


def seed_model_comparison(sim: Simulator, *, count: int = 120, age: float = 10 * HOUR) -> list[str]:
    """Two ended batches that are worth comparing ("eval: opus vs sonnet"): the same ``count``
    questions (same custom_ids) sent to two models, plus four that only B got. B errs more
    often and has a smaller ``max_tokens`` on every fifth question, so every compare filter
    has rows. Returns the batch ids, A's first."""
    ids = []
    for side, model in enumerate(EVAL_MODELS):
        requests: list[tuple[str, Any]] = []
        for index in range(count + 4 * side):
            params = _anthropic_params(model, index)
            if side and index % 5 == 0:
                params["max_tokens"] = 40  # cut short: stop reasons differ
            requests.append((f"eval-{index:04d}", params))
        created = sim.clock.time() - age + side * MINUTE
        batch = sim.state.create_anthropic(
            requests, created, error_rate=0.02 + 0.05 * side, duration=40 * MINUTE
        )
        ids.append(batch.id)
    return ids
