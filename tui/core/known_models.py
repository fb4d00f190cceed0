"""The models batchtui knows by name: their dated snapshot ids and output limits.

The APIs answer with a dated snapshot id (``claude-haiku-4-5-20251001``, ``gpt-4o-mini-2024-07-18``)
where the request named an alias, so one model reaches the cache under two ids.
:func:`canonical_model` names both the same way, for every display and grouping by model (the
batch list, batch details, cost tallies). Pricing does not need it: the price table resolves
dated ids itself.

The shipped table ``known_models.toml`` (each row with its source) also gives each model's
maximum output tokens and retirement date, for the warnings ``batchtui submit`` gives before
sending what the provider would refuse. The table can lag the providers' catalogues, so what it
says is only ever a warning.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from tui.core.prices import PriceTable, load_price_table, undated


@dataclass(frozen=True, slots=True)
class KnownModel:
    """One model as batchtui's table knows it."""

    name: str
    provider: str
    snapshots: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    max_output: int | None = None
    """Maximum output tokens; ``None`` when no source states it (not checked)."""
    retired: date | None = None
    source: str = ""


@dataclass(frozen=True)
class ModelTable:
    """Known models, looked up by name, snapshot id or alias; the price table fills in names."""

    models: dict[str, KnownModel]
    ids: dict[str, KnownModel]
    price_source: Callable[[], PriceTable]
    """Gives the price table, read on first need: only a dated id this table does not know
    needs it to be named, and the batch list's first paint rarely shows one."""

    @cached_property
    def prices(self) -> PriceTable:
        return self.price_source()

    def find(self, model_id: str | None) -> KnownModel | None:
        """The model ``model_id`` names (its name, a snapshot id, an alias, or a dated form of
        any of these), or ``None``."""
        if not model_id:
            return None
        found = self.ids.get(model_id)
        if found is None and undated(model_id) != model_id:
            found = self.ids.get(undated(model_id))
        return found

    def canonical(self, model_id: str) -> str:
        """The name to show and group ``model_id`` under: a known model's name; for another
        dated id, the id without its date when the price table knows that id; else the id."""
        known = self.find(model_id)
        if known is not None:
            return known.name
        base = undated(model_id)
        if base != model_id and self.prices.find(base) is not None:
            return base
        return model_id

    def is_known(self, model_id: str) -> bool:
        """True when this table or the price table knows ``model_id``."""
        return self.find(model_id) is not None or self.prices.find(model_id) is not None


def parse_model_table(
    data: Mapping[str, Any], prices: PriceTable | Callable[[], PriceTable]
) -> ModelTable:
    """A table from a document in ``known_models.toml``'s format; ``prices`` is the price
    table or what reads it when first needed."""
    models: dict[str, KnownModel] = {}
    ids: dict[str, KnownModel] = {}
    for name, row in data.get("models", {}).items():
        model = KnownModel(
            name=name,
            provider=row["provider"],
            snapshots=tuple(row.get("snapshots", ())),
            aliases=tuple(row.get("aliases", ())),
            max_output=row.get("max_output"),
            retired=row.get("retired"),
            source=row.get("source", ""),
        )
        models[name] = model
        for model_id in (name, *model.snapshots, *model.aliases):
            ids[model_id] = model
    price_source = prices if callable(prices) else lambda: prices
    return ModelTable(models=models, ids=ids, price_source=price_source)


_SHIPPED = Path(__file__).with_name("known_models.toml")


@cache
def known_models() -> ModelTable:
    """The shipped table (read once), with the shipped price table for names it lacks.

    Read at start-up (the batch list names its models), so read as a plain file next to this
    module: ``importlib.resources`` would first import its zip-file readers (~5 ms)."""
    text = _SHIPPED.read_text(encoding="utf-8")
    return parse_model_table(tomllib.loads(text), load_price_table)


@lru_cache(maxsize=4096)  # a list of thousands of batches names a few dozen ids
def canonical_model(model_id: str) -> str:
    """The name a model id is shown and grouped under (``claude-haiku-4-5-20251001`` →
    ``claude-haiku-4-5``); an id nothing knows is its own name."""
    return known_models().canonical(model_id)


def canonical_models(model_ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Distinct canonical names of some ids, in order of first appearance."""
    return tuple(dict.fromkeys(canonical_model(m) for m in model_ids))
