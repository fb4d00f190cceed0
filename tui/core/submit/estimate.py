"""What a requests file will cost before it is sent: tokens in, tokens out, dollars.

Input tokens come from the provider's ``count_tokens`` where there is one (Anthropic): every
request for small files, an evenly spread sample of :data:`SAMPLE_LIMIT` for larger ones, scaled
up through the ratio between exact and local counts on the sample. Without it (offline, or
OpenAI, which has no such endpoint) a local count of about four characters a token stands in.

Output tokens are bounded: at least one per request, at most each request's ``max_tokens``; the
*expected* figure uses the average output of this model's past results when the cache has some,
and half the cap otherwise. Prompt-cache discounts are left out, so input cost errs high.

Prices are a function passed in (``price(model, usage) -> USD at batch rates``) so this module
does not depend on where the price table lives.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from tui.core.errors import ProviderError
from tui.core.models import Usage, utcnow
from tui.core.store import Store
from tui.core.submit.validate import RequestLine

PriceFn = Callable[[str, Usage, int], float | None]
"""Batch cost in USD of ``usage`` on a model (discount included), or None when unpriced. The
third argument is the average prompt of one request, for prices with long-prompt tiers."""

CountFn = Callable[[dict[str, Any]], Awaitable[int]]
"""Exact input tokens of one request's params (the provider's ``count_tokens``)."""

SAMPLE_LIMIT = 200
"""Files up to this many requests are counted exactly; larger ones through a sample this big."""

COUNT_CONCURRENCY = 8
"""count_tokens calls in flight at once (its own rate limit is generous; be polite anyway)."""

CHARS_PER_TOKEN = 4
"""The local fallback's tokenizer: about four characters a token for English text and JSON."""

YIELD_EVERY = 1000
"""Requests read between two yields to the event loop."""

OPENAI_DEFAULT_MAX_TOKENS = 4096
"""Assumed output cap of an OpenAI request that sets none (used for the maximum only)."""

MIN_CACHEABLE_TOKENS: tuple[tuple[str, int], ...] = (
    ("claude-opus-4-1", 1024),
    ("claude-opus-4-2025", 1024),  # the dated id of Opus 4
    ("claude-opus-4-0", 1024),
    ("claude-opus-4", 4096),  # Opus 4.5 and later; Opus 4 and 4.1 are matched above
    ("claude-opus-5", 4096),
    ("claude-sonnet", 1024),
    ("claude-3-7-sonnet", 1024),
    ("claude-haiku-4", 4096),
    ("claude-haiku-5", 4096),
    ("claude-haiku-3", 2048),
    ("claude-3-5-haiku", 2048),
    ("claude-3-haiku", 2048),
    ("claude-fable", 4096),
    ("claude-mythos", 4096),
)
"""Shortest prompt prefix (tokens) a ``cache_control`` breakpoint can cache, by model-id prefix;
the longest matching prefix wins. From Anthropic's prompt-caching guide: 1024 for Sonnet and
Opus 4/4.1, 2048 for Haiku 3 and 3.5, 4096 for Opus 4.5 and later and Haiku 4.5. Fable, Mythos
and the 5.x models are not listed there: we assume 4096, the strictest, so a warning may be
shown for a prefix that would in fact cache, never the other way round."""

DEFAULT_MIN_CACHEABLE = 1024
"""For Claude models missing from the table: the smallest documented minimum."""


def min_cacheable_tokens(model: str) -> int:
    """The cache minimum for ``model`` (see :data:`MIN_CACHEABLE_TOKENS`)."""
    for prefix, tokens in sorted(MIN_CACHEABLE_TOKENS, key=lambda p: -len(p[0])):
        if model.startswith(prefix):
            return tokens
    return DEFAULT_MIN_CACHEABLE


@dataclass(frozen=True)
class CacheWarning:
    """Requests whose cached prefix is too short to be cached at all."""

    model: str
    minimum: int
    requests: int
    example_custom_id: str
    prefix_tokens: int
    """The example's longest cached prefix, estimated locally."""

    def __str__(self) -> str:
        return (
            f"{self.requests} {self.model} request(s) mark a cache_control prefix shorter than "
            f"the {self.minimum}-token minimum (e.g. {self.example_custom_id}: about "
            f"{self.prefix_tokens} tokens); it will not be cached"
        )


@dataclass
class ModelEstimate:
    """One model's share of the file."""

    model: str
    requests: int = 0
    local_input: int = 0
    input_tokens: int = 0
    output_min: int = 0
    output_expected: int = 0
    output_max: int = 0
    cost_min: float | None = None
    cost_expected: float | None = None
    cost_max: float | None = None


@dataclass
class Estimate:
    """The forecast shown before submitting, and what ``--max-cost`` compares against."""

    requests: int = 0
    input_method: str = "local"
    """``exact`` (every request counted), ``sampled`` (extrapolated) or ``local`` (chars/4)."""
    sampled: int = 0
    models: dict[str, ModelEstimate] = field(default_factory=dict)
    cache_warnings: list[CacheWarning] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def input_tokens(self) -> int:
        return sum(m.input_tokens for m in self.models.values())

    @property
    def output_min(self) -> int:
        return sum(m.output_min for m in self.models.values())

    @property
    def output_expected(self) -> int:
        return sum(m.output_expected for m in self.models.values())

    @property
    def output_max(self) -> int:
        return sum(m.output_max for m in self.models.values())

    @property
    def unpriced_models(self) -> list[str]:
        return [m.model for m in self.models.values() if m.cost_max is None]

    def cost(self, which: str) -> float | None:
        """Total ``min``/``expected``/``max`` cost, or None if any model is unpriced."""
        values = [getattr(m, f"cost_{which}") for m in self.models.values()]
        return None if any(v is None for v in values) else sum(values)


async def estimate_requests(
    requests: Iterable[RequestLine],
    *,
    total: int,
    count_tokens: CountFn | None = None,
    price: PriceFn | None = None,
    expected_output: Mapping[str, float] | None = None,
    sample_limit: int = SAMPLE_LIMIT,
) -> Estimate:
    """Forecast tokens and cost of ``requests`` (``total`` of them, known from the scan)."""
    estimate = Estimate(requests=total)
    stride = 1 if total <= sample_limit else math.ceil(total / sample_limit)
    sample: list[tuple[str, int, dict[str, Any]]] = []
    caches = _CacheCheck()
    for index, request in enumerate(requests):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # a 100,000-line file must not freeze the TUI's event loop
        params = request.params()
        local = local_input_tokens(params)
        _add_request(estimate, request, local, expected_output or {})
        caches.check(request, params)
        if count_tokens is not None and index % stride == 0:
            sample.append((request.model, local, params))
    await _apply_counts(estimate, sample, count_tokens, exact=stride == 1)
    estimate.cache_warnings = caches.warnings()
    if price is not None:
        for model in estimate.models.values():
            _price(model, price)
    return estimate


def price_table_fn(overrides: Mapping[str, Mapping[str, float]] | None = None) -> PriceFn:
    """A :data:`PriceFn` over the shipped price table plus the config's overrides."""
    from tui.core.costs import price_usage, usd
    from tui.core.prices import load_price_table

    table = load_price_table(overrides)
    today = utcnow().date()

    def price(model: str, usage: Usage, typical_prompt: int) -> float | None:
        quote = table.quote(model, today, typical_prompt)
        if quote is None:
            return None
        return usd(price_usage(usage, quote.rates, table.batch_discount).paid)

    return price


def local_input_tokens(params: dict[str, Any]) -> int:
    """Input tokens by the local rule: the prompt's JSON at ~4 characters a token."""
    prompt = {k: params[k] for k in _PROMPT_KEYS if k in params}
    return max(1, len(orjson.dumps(prompt)) // CHARS_PER_TOKEN)


_PROMPT_KEYS = ("system", "tools", "messages", "input", "prompt", "instructions")


def _add_request(
    estimate: Estimate, request: RequestLine, local: int, expected: Mapping[str, float]
) -> None:
    model = estimate.models.get(request.model)
    if model is None:
        model = estimate.models[request.model] = ModelEstimate(request.model)
    cap = request.max_tokens or OPENAI_DEFAULT_MAX_TOKENS
    model.requests += 1
    model.local_input += local
    model.input_tokens += local
    model.output_min += 1
    model.output_max += cap
    typical = expected.get(request.model)
    model.output_expected += round(min(cap, typical) if typical else cap / 2)


async def _apply_counts(
    estimate: Estimate,
    sample: list[tuple[str, int, dict[str, Any]]],
    count_tokens: CountFn | None,
    *,
    exact: bool,
) -> None:
    """Replace local input counts with exact ones, or scale them by the sample's ratio."""
    if count_tokens is None or not sample:
        return
    try:
        counted = await _count_all(count_tokens, [params for _, _, params in sample])
    except ProviderError as exc:
        estimate.notes.append(f"count_tokens unavailable ({exc}); input estimated locally")
        return
    estimate.sampled = len(sample)
    estimate.input_method = "exact" if exact else "sampled"
    ratio_parts: dict[str, list[int]] = {}
    for (model_name, local, _), tokens in zip(sample, counted, strict=True):
        parts = ratio_parts.setdefault(model_name, [0, 0])
        parts[0] += tokens
        parts[1] += local
    overall = sum(p[0] for p in ratio_parts.values()) / max(
        1, sum(p[1] for p in ratio_parts.values())
    )
    for name, model in estimate.models.items():
        exact_sum, local_sum = ratio_parts.get(name, (0, 0))
        if exact:
            model.input_tokens = exact_sum
        else:
            ratio = exact_sum / local_sum if local_sum else overall
            model.input_tokens = round(model.local_input * ratio)


async def _count_all(count_tokens: CountFn, params: list[dict[str, Any]]) -> list[int]:
    limit = asyncio.Semaphore(COUNT_CONCURRENCY)

    async def one(p: dict[str, Any]) -> int:
        async with limit:
            return await count_tokens(_count_params(p))

    return list(await asyncio.gather(*(one(p) for p in params)))


_COUNT_KEYS = {"model", "messages", "system", "tools", "tool_choice", "thinking", "cache_control"}


def _count_params(params: dict[str, Any]) -> dict[str, Any]:
    """count_tokens takes the prompt fields only (no max_tokens, metadata, temperature...)."""
    return {k: v for k, v in params.items() if k in _COUNT_KEYS}


def _price(model: ModelEstimate, price: PriceFn) -> None:
    for which, output in (
        ("min", model.output_min),
        ("expected", model.output_expected),
        ("max", model.output_max),
    ):
        usage = Usage(input_tokens=model.input_tokens, output_tokens=output)
        typical_prompt = model.input_tokens // max(1, model.requests)
        setattr(model, f"cost_{which}", price(model.model, usage, typical_prompt))


class _CacheCheck:
    """Collects requests whose cache breakpoints mark a prefix below the model's minimum."""

    def __init__(self) -> None:
        self._found: dict[str, CacheWarning] = {}

    def check(self, request: RequestLine, params: dict[str, Any]) -> None:
        prefix = cached_prefix_tokens(params)
        if prefix is None:
            return
        minimum = min_cacheable_tokens(request.model)
        if prefix >= minimum:
            return
        seen = self._found.get(request.model)
        count = seen.requests + 1 if seen else 1
        example = seen or CacheWarning(request.model, minimum, 0, request.custom_id, prefix)
        self._found[request.model] = CacheWarning(
            example.model, minimum, count, example.example_custom_id, example.prefix_tokens
        )

    def warnings(self) -> list[CacheWarning]:
        return list(self._found.values())


def cached_prefix_tokens(params: dict[str, Any]) -> int | None:
    """Local tokens of the longest prefix a ``cache_control`` marks, or None if none does.

    The prefix is built in caching order (tools, system, messages); a top-level
    ``cache_control`` (automatic caching) covers the whole prompt.
    """
    chars = 0
    longest = None
    for block in _prompt_blocks(params):
        chars += len(orjson.dumps(block))
        if isinstance(block, dict) and "cache_control" in block:
            longest = chars
    if "cache_control" in params:
        longest = chars
    return None if longest is None else longest // CHARS_PER_TOKEN


def _prompt_blocks(params: dict[str, Any]) -> list[Any]:
    blocks: list[Any] = list(params.get("tools") or [])
    system = params.get("system")
    blocks.extend(system if isinstance(system, list) else [system] if system else [])
    for message in params.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else message
        blocks.extend(content if isinstance(content, list) else [content])
    return blocks


async def output_history(store: Store) -> dict[str, float]:
    """Average output tokens of past succeeded requests per model (for the expected figure)."""
    sums: dict[str, list[int]] = {}
    for group in await store.results.usage_groups():
        if group.model:
            total = sums.setdefault(group.model, [0, 0])
            total[0] += group.usage.output_tokens
            total[1] += group.requests
    return {model: tokens / count for model, (tokens, count) in sums.items() if count}
