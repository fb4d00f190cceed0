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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
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
    prices: PriceTable

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


def parse_model_table(data: Mapping[str, Any], prices: PriceTable) -> ModelTable:
    """A table from a document in ``known_models.toml``'s format."""
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
    return ModelTable(models=models, ids=ids, prices=prices)


@cache
def known_models() -> ModelTable:
    """The shipped table (read once), with the shipped price table for names it lacks."""
    text = resources.files("tui.core").joinpath("known_models.toml").read_text(encoding="utf-8")
    return parse_model_table(tomllib.loads(text), load_price_table())


@lru_cache(maxsize=4096)  # a list of thousands of batches names a few dozen ids
def canonical_model(model_id: str) -> str:
    """The name a model id is shown and grouped under (``claude-haiku-4-5-20251001`` →
    ``claude-haiku-4-5``); an id nothing knows is its own name."""
    return known_models().canonical(model_id)


def canonical_models(model_ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Distinct canonical names of some ids, in order of first appearance."""
    return tuple(dict.fromkeys(canonical_model(m) for m in model_ids))
