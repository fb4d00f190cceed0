"""Cost arithmetic: what requests cost, and what the batch discount and caching saved.

Per request (A.12 and B.10 of the shared reference)::

    standard = Σ tokens[class] x rate[class] / 1e6       # synchronous-API price
    paid     = standard x (1 - batch_discount)            # batch: half price on every class
    cache saving = (cache tokens at the input rate - what they were billed) x (1 - discount)
    hit rate = cache_read / prompt tokens

Only succeeded requests are billed; errored, canceled and expired ones cost nothing. The cache
saving is at batch prices (what caching saved on what was really paid) and is negative when
cache writes were never read back. Money is :class:`~decimal.Decimal` USD, exact until it is
rounded for display.

:class:`Tally` accumulates these sums for any group of requests; :mod:`tui.core.cost_report`
builds the roll-ups the CLI and the TUI show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tui.core.models import RequestResult, ResultType, Usage
from tui.core.prices import TOKEN_CLASSES, PriceTable, Quote, Rates

MILLION = Decimal(1_000_000)
ZERO = Decimal(0)
USD_PLACES = Decimal("0.000001")
"""Money in JSON and tests is rounded to micro-dollars (half-even)."""

UNKNOWN_MODEL = "(unknown model)"

GROUPINGS = ("batch", "model", "label", "profile", "day", "month")
"""What ``batchtui cost --by`` and the TUI can group by."""


def tokens_by_class(usage: Usage) -> dict[str, int]:
    """Usage keyed like the price table's token classes."""
    return {
        "input": usage.input_tokens,
        "cache_write_5m": usage.cache_write_5m_tokens,
        "cache_write_1h": usage.cache_write_1h_tokens,
        "cache_read": usage.cache_read_tokens,
        "output": usage.output_tokens,
    }


@dataclass(frozen=True)
class Cost:
    """The price of some tokens at one set of rates."""

    standard_by_class: dict[str, Decimal]
    """USD at standard (non-batch) prices, per token class."""
    paid_share: Decimal
    """The fraction of standard prices a batch pays (1 - discount)."""
    cache_saving: Decimal
    """USD caching saved at batch prices (negative if writes outweighed reads)."""

    @property
    def standard(self) -> Decimal:
        return sum(self.standard_by_class.values(), ZERO)

    @property
    def paid_by_class(self) -> dict[str, Decimal]:
        return {name: value * self.paid_share for name, value in self.standard_by_class.items()}

    @property
    def paid(self) -> Decimal:
        return self.standard * self.paid_share

    @property
    def batch_saving(self) -> Decimal:
        return self.standard - self.paid


def price_usage(usage: Usage, rates: Rates, batch_discount: Decimal) -> Cost:
    """What ``usage`` costs at ``rates``, as a batch with this discount."""
    tokens = tokens_by_class(usage)
    per_million = rates.as_dict()
    standard = {name: tokens[name] * per_million[name] / MILLION for name in TOKEN_CLASSES}
    cached = tokens["cache_write_5m"] + tokens["cache_write_1h"] + tokens["cache_read"]
    cache_billed = standard["cache_write_5m"] + standard["cache_write_1h"] + standard["cache_read"]
    uncached = cached * rates.input / MILLION
    share = 1 - batch_discount
    return Cost(standard, share, (uncached - cache_billed) * share)


def request_cost(result: RequestResult, created_on: date | None, prices: PriceTable) -> Cost | None:
    """The cost of one result (for a detail view); ``None`` when its model is unpriced.

    Results that did not succeed cost nothing, whatever their model.
    """
    if result.type is not ResultType.SUCCEEDED:
        return price_usage(Usage(), _ZERO_RATES, prices.batch_discount)
    quote = prices.quote(result.model, created_on, result.usage.prompt_tokens)
    if quote is None:
        return None
    return price_usage(result.usage, quote.rates, prices.batch_discount)


_ZERO_RATES = Rates(ZERO, ZERO, ZERO, ZERO, ZERO)


def hit_rate(usage: Usage) -> float | None:
    """Share of prompt tokens read from the cache, or ``None`` with no prompt tokens."""
    prompt = usage.prompt_tokens
    return usage.cache_read_tokens / prompt if prompt else None


def usd(value: Decimal) -> float:
    """Money as a JSON number, rounded to micro-dollars."""
    return float(value.quantize(USD_PLACES))


@dataclass
class Tally:
    """Sums of cost and tokens over a group of requests (a batch, a model, a day...)."""

    key: str
    """What the group is: a batch id, model id, label, profile, day (``2026-11-22``) or month."""
    title: str = ""
    """A friendlier name, when there is one (a batch's label)."""
    estimate: bool = False
    """True when the numbers are a forecast from stored params (a batch still running)."""
    requests: int = 0
    """Succeeded (billed) requests, priced or not."""
    unpriced_requests: int = 0
    unpriced_models: set[str] = field(default_factory=set)
    unofficial_models: set[str] = field(default_factory=set)
    """Models priced with third-party-only rates."""
    usage: Usage = field(default_factory=Usage)
    """Every billed token, priced or not (the hit rate counts them all)."""
    priced_usage: Usage = field(default_factory=Usage)
    standard_by_class: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(TOKEN_CLASSES, ZERO)
    )
    paid_by_class: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(TOKEN_CLASSES, ZERO)
    )
    cache_saving: Decimal = ZERO

    @property
    def standard(self) -> Decimal:
        return sum(self.standard_by_class.values(), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum(self.paid_by_class.values(), ZERO)

    @property
    def batch_saving(self) -> Decimal:
        return self.standard - self.paid

    @property
    def known_paid(self) -> Decimal | None:
        """``paid`` when every billed request was priced; ``None`` (show "unknown", never $0)
        when some were not, since ``paid`` is then only a lower bound."""
        return None if self.unpriced_requests else self.paid

    @property
    def hit_rate(self) -> float | None:
        return hit_rate(self.usage)

    @property
    def fully_priced(self) -> bool:
        return self.unpriced_requests == 0

    def add(
        self,
        requests: int,
        usage: Usage,
        model: str | None,
        quote: Quote | None,
        batch_discount: Decimal,
    ) -> None:
        """Count ``requests`` alike requests that used ``usage`` in total."""
        self.requests += requests
        self.usage += usage
        if quote is None:
            self.unpriced_requests += requests
            self.unpriced_models.add(model or UNKNOWN_MODEL)
            return
        if quote.unofficial:
            self.unofficial_models.add(quote.model)
        cost = price_usage(usage, quote.rates, batch_discount)
        self.priced_usage += usage
        self._add_money(cost.standard_by_class, cost.paid_by_class, cost.cache_saving)

    def merge(self, other: Tally) -> None:
        """Add another tally's sums into this one."""
        self.requests += other.requests
        self.unpriced_requests += other.unpriced_requests
        self.unpriced_models |= other.unpriced_models
        self.unofficial_models |= other.unofficial_models
        self.usage += other.usage
        self.priced_usage += other.priced_usage
        self.estimate = self.estimate or other.estimate
        self._add_money(other.standard_by_class, other.paid_by_class, other.cache_saving)

    def _add_money(
        self, standard: dict[str, Decimal], paid: dict[str, Decimal], cache_saving: Decimal
    ) -> None:
        for name in TOKEN_CLASSES:
            self.standard_by_class[name] += standard[name]
            self.paid_by_class[name] += paid[name]
        self.cache_saving += cache_saving

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``batchtui cost --json`` (the format is documented in the CLI module)."""
        rate = self.hit_rate
        return {
            "key": self.key,
            "title": self.title or None,
            "estimate": self.estimate,
            "requests": self.requests,
            "unpriced_requests": self.unpriced_requests,
            "unpriced_models": sorted(self.unpriced_models),
            "unofficial_models": sorted(self.unofficial_models),
            "tokens": tokens_by_class(self.usage),
            "paid_usd": usd(self.paid),
            "standard_usd": usd(self.standard),
            "batch_saving_usd": usd(self.batch_saving),
            "cache_saving_usd": usd(self.cache_saving),
            "paid_by_class_usd": {name: usd(v) for name, v in self.paid_by_class.items()},
            "cache_hit_rate": None if rate is None else round(rate, 4),
        }
