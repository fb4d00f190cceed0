"""The price table: what each model charges per token class, on a given day, for a given prompt.

Prices are data, not multipliers (newer models break the 0.1x cache-read rule), so the shipped
table ``prices.toml`` lists every rate of every model with its source and date. On top of it:

- **dated changes** apply to batches created on or after their date (the day is the batch's
  ``created_at`` in UTC), so an old batch keeps the price it was billed at;
- **long-prompt tiers** re-price every token of a request whose prompt (input + cache writes +
  cache reads) exceeds a threshold;
- **aliases** map dated snapshot ids (``claude-haiku-4-5-20251001``) onto their base id, and an
  id ending in a date that no row names falls back to the id without it;
- **user overrides** (``[prices."model"]`` in the config file) replace rates or add models.

A model the table does not know is *unpriced*: the caller shows it as unknown, never as $0.
All rates are :class:`~decimal.Decimal` USD per million tokens, so pinned sums do not drift.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from tui.core.config import PRICE_FIELDS

TOKEN_CLASSES = PRICE_FIELDS
"""The five token classes, in display order: input, cache_write_5m, cache_write_1h,
cache_read, output."""

_DATED_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")
# Defaults for a user-added model that names only input and output: Anthropic's standard cache
# multipliers (5-minute write 1.25x, 1-hour write 2x, read 0.1x of input).
_CACHE_MULTIPLIERS = {
    "cache_write_5m": Decimal("1.25"),
    "cache_write_1h": Decimal("2"),
    "cache_read": Decimal("0.1"),
}


def undated(model: str) -> str:
    """``model`` without a trailing snapshot date (``-20251001`` or ``-2024-07-18``)."""
    return _DATED_SUFFIX.sub("", model)


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """A rate as an exact decimal: ``0.1`` from TOML stays 0.1, not 0.1000000000000000055."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Rates:
    """USD per million tokens for each token class, at standard (non-batch) prices."""

    input: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    output: Decimal

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Rates:
        return cls(**{name: to_decimal(values[name]) for name in TOKEN_CLASSES})

    def updated(self, values: Mapping[str, Any]) -> Rates:
        """These rates with some classes replaced."""
        return replace(self, **{k: to_decimal(v) for k, v in values.items() if k in TOKEN_CLASSES})

    def as_dict(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in TOKEN_CLASSES}


@dataclass(frozen=True)
class PriceChange:
    """New rates for some token classes, from a date on."""

    starts: date
    rates: dict[str, Decimal]
    source: str = ""
    unofficial: bool = False


@dataclass(frozen=True)
class Tier:
    """Rates for requests whose prompt exceeds ``above`` tokens (every token re-priced)."""

    above: int
    rates: Rates
    source: str = ""


@dataclass(frozen=True)
class Quote:
    """The rates that apply to one request (or a group of alike requests)."""

    model: str
    """The table row used (after resolving aliases)."""
    rates: Rates
    tier_above: int | None
    """The long-prompt threshold the prompt exceeded, or ``None`` for base rates."""
    unofficial: bool
    """True if any rate used comes from third-party sources only."""


@dataclass(frozen=True)
class ModelPrice:
    """One row of the table."""

    model: str
    rates: Rates
    provider: str = ""
    source: str = ""
    as_of: date | None = None
    unofficial: bool = False
    aliases: tuple[str, ...] = ()
    changes: tuple[PriceChange, ...] = ()
    """Sorted by start date; each applies on top of the previous ones."""
    tiers: tuple[Tier, ...] = ()
    """Sorted by threshold."""
    overridden: bool = False
    """True if the user's config changed or added this row."""

    def quote(self, day: date | None, prompt_tokens: int) -> Quote:
        """The rates for a request made on ``day`` (``None``: today's rates) with this prompt."""
        rates, unofficial = self.rates, self.unofficial
        for change in self.changes:
            if day is None or change.starts <= day:
                rates = rates.updated(change.rates)
                unofficial = unofficial or change.unofficial
        tier = next((t for t in reversed(self.tiers) if prompt_tokens > t.above), None)
        if tier is not None:
            rates = tier.rates
        return Quote(self.model, rates, tier.above if tier else None, unofficial)


@dataclass(frozen=True)
class PriceTable:
    """Every known model's prices, with aliases and the batch discount."""

    models: dict[str, ModelPrice]
    aliases: dict[str, str] = field(default_factory=dict)
    batch_discount: Decimal = Decimal("0.5")
    """Fraction taken off every token class for batch requests (0.5 = half price)."""
    warnings: tuple[str, ...] = ()
    """Overrides that could not be used, in words a person can act on."""

    def find(self, model: str | None) -> ModelPrice | None:
        """The row for ``model``: exact id, alias, or the id without a trailing date."""
        if not model:
            return None
        if model in self.models:
            return self.models[model]
        if model in self.aliases:
            return self.models[self.aliases[model]]
        base = undated(model)
        if base != model:
            return self.find(base)
        return None

    def quote(self, model: str | None, day: date | None, prompt_tokens: int = 0) -> Quote | None:
        """Rates for one request, or ``None`` when the model is unpriced."""
        price = self.find(model)
        return None if price is None else price.quote(day, prompt_tokens)

    @cached_property
    def tier_thresholds(self) -> tuple[int, ...]:
        """Every long-prompt threshold of any model, ascending (for ``usage_groups``)."""
        return tuple(sorted({t.above for p in self.models.values() for t in p.tiers}))

    def quote_tier(self, model: str | None, day: date | None, tier: int) -> Quote | None:
        """Rates for a ``UsageGroup`` whose prompts fell in band ``tier`` of
        :attr:`tier_thresholds` (0: at most the lowest threshold; k: above the k-th)."""
        thresholds = self.tier_thresholds
        prompt = 0 if tier <= 0 else thresholds[min(tier, len(thresholds)) - 1] + 1
        return self.quote(model, day, prompt)

    def band_of(self, prompt_tokens: int) -> int:
        """The tier band a prompt of this size falls in (the inverse of :meth:`quote_tier`)."""
        # bisect_right counts thresholds <= prompt; the band needs those strictly below it.
        return bisect_right(self.tier_thresholds, prompt_tokens - 1)


def load_price_table(
    overrides: Mapping[str, Mapping[str, float]] | None = None, text: str | None = None
) -> PriceTable:
    """The shipped table (or ``text``, a TOML document in its format) with user overrides."""
    table = _parse_table(tomllib.loads(text)) if text is not None else _shipped_table()
    return apply_overrides(table, overrides or {})


_SHIPPED = Path(__file__).with_name("prices.toml")
"""Read as a plain file next to this module, like ``known_models.toml``: importing
``importlib.resources`` (tempfile, shutil, random...) would cost the TUI's start ~6 ms."""


@cache
def _shipped_table() -> PriceTable:
    source = _SHIPPED.read_text(encoding="utf-8")
    return _parse_table(tomllib.loads(source))


def _parse_table(data: Mapping[str, Any]) -> PriceTable:
    models, aliases = {}, {}
    for model, row in data.get("models", {}).items():
        price = _parse_row(model, row)
        models[model] = price
        aliases.update(dict.fromkeys(price.aliases, model))
    return PriceTable(
        models=models,
        aliases=aliases,
        batch_discount=to_decimal(data.get("batch_discount", 0.5)),
    )


def _parse_row(model: str, row: Mapping[str, Any]) -> ModelPrice:
    changes = sorted(
        (
            PriceChange(
                starts=change["from"],
                rates={k: to_decimal(v) for k, v in change.items() if k in TOKEN_CLASSES},
                source=change.get("source", ""),
                unofficial=change.get("unofficial", False),
            )
            for change in row.get("changes", [])
        ),
        key=lambda c: c.starts,
    )
    tiers = sorted(
        (
            Tier(above=int(t["above"]), rates=Rates.from_mapping(t), source=t.get("source", ""))
            for t in row.get("tiers", [])
        ),
        key=lambda t: t.above,
    )
    return ModelPrice(
        model=model,
        rates=Rates.from_mapping(row),
        provider=row.get("provider", ""),
        source=row.get("source", ""),
        as_of=row.get("as_of"),
        unofficial=row.get("unofficial", False),
        aliases=tuple(row.get("aliases", ())),
        changes=tuple(changes),
        tiers=tuple(tiers),
    )


def apply_overrides(table: PriceTable, overrides: Mapping[str, Mapping[str, float]]) -> PriceTable:
    """The table with ``[prices."model"]`` rows from the config applied.

    For a model the table knows (directly or by alias), the named rates replace the shipped ones
    on every date (dated changes of those classes no longer apply); long-prompt tiers stay. A new
    model needs ``input`` and ``output``; missing cache rates default to 1.25x, 2x and 0.1x of
    input.
    """
    models, warnings = dict(table.models), list(table.warnings)
    for model, values in overrides.items():
        base = table.find(model)
        if base is not None:
            models[model] = _override_known(base, model, values)
        elif "input" in values and "output" in values:
            models[model] = _new_model(model, values)
        else:
            warnings.append(
                f"[prices.{model!r}] ignored: a model not in the shipped table needs at least "
                "input and output"
            )
    return replace(table, models=models, warnings=tuple(warnings))


def _override_known(base: ModelPrice, model: str, values: Mapping[str, float]) -> ModelPrice:
    changes = tuple(
        replace(c, rates={k: v for k, v in c.rates.items() if k not in values})
        for c in base.changes
    )
    return replace(
        base,
        model=model,
        rates=base.rates.updated(values),
        changes=changes,
        aliases=(),
        source="config override",
        overridden=True,
    )


def _new_model(model: str, values: Mapping[str, float]) -> ModelPrice:
    rates = {name: to_decimal(v) for name, v in values.items()}
    for name, multiplier in _CACHE_MULTIPLIERS.items():
        rates.setdefault(name, rates["input"] * multiplier)
    return ModelPrice(
        model=model, rates=Rates.from_mapping(rates), source="config", overridden=True
    )
