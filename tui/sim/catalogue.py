"""The models the simulated providers serve, read from ``catalogue.toml`` (each with a source).

The simulator is the provider's truth, so this never consults ``tui.core``: the product keeps its
own (possibly lagging) table. A model is found by its alias, its dated snapshot id or any other
id listed for it; anything else is unknown, and the APIs answer it as not found.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Model:
    """One served model, as its provider documents it."""

    name: str
    provider: str
    snapshot: str
    max_output: int
    context: int
    min_cache: int
    batch: bool
    retired: date | None
    source: str


class Catalogue:
    """Every model of both providers, looked up by any id that names it."""

    def __init__(self, models: list[Model], ids: dict[str, Model]) -> None:
        self.models = models
        self._ids = ids

    def find(self, provider: str, model_id: object) -> Model | None:
        """The model ``model_id`` names at ``provider``, or None (unknown there)."""
        if not isinstance(model_id, str):
            return None
        model = self._ids.get(model_id)
        return model if model is not None and model.provider == provider else None

    def snapshot(self, provider: str, model_id: str) -> str:
        """The id the API answers with: the dated snapshot, or the id itself if unknown."""
        model = self.find(provider, model_id)
        return model.snapshot if model is not None else model_id


def _parse(data: dict[str, object]) -> Catalogue:
    models: list[Model] = []
    ids: dict[str, Model] = {}
    rows = data["models"]
    assert isinstance(rows, dict)
    for name, row in rows.items():
        retired = row.get("retired")
        model = Model(
            name=name,
            provider=row["provider"],
            snapshot=row["snapshot"],
            max_output=int(row["max_output"]),
            context=int(row["context"]),
            min_cache=int(row["min_cache"]),
            batch=bool(row["batch"]),
            retired=date.fromisoformat(retired) if retired else None,
            source=row["source"],
        )
        models.append(model)
        for model_id in (name, model.snapshot, *row.get("aliases", ())):
            ids[model_id] = model
    return Catalogue(models, ids)


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue (read once)."""
    path = Path(__file__).with_name("catalogue.toml")
    return _parse(tomllib.loads(path.read_text(encoding="utf-8")))
