"""The product's table of known models: naming dated snapshot ids, output limits, sources."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from tui.core.known_models import canonical_model, canonical_models, known_models, parse_model_table
from tui.core.prices import load_price_table


@pytest.mark.parametrize(
    ("model_id", "name"),
    [
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("claude-haiku-4-5", "claude-haiku-4-5"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4-0"),
        ("claude-sonnet-4", "claude-sonnet-4-0"),
        # billed like claude-opus-5 in the price table, but a different model
        ("claude-opus-4-5-20251101", "claude-opus-4-5"),
        # not in the known table: the price table knows the undated id
        ("gpt-5-2025-08-07", "gpt-5"),
        # nobody knows it: its own name, date and all
        ("acme-model-20250101", "acme-model-20250101"),
        ("claude-mythos-preview", "claude-mythos-preview"),
    ],
)
def test_canonical_names(model_id: str, name: str) -> None:
    assert canonical_model(model_id) == name


def test_canonical_models_are_distinct_in_first_seen_order() -> None:
    ids = ("gpt-4o-mini", "gpt-4.1-2025-04-14", "gpt-4o-mini-2024-07-18", "gpt-4.1")
    assert canonical_models(ids) == ("gpt-4o-mini", "gpt-4.1")


def test_every_row_has_a_source_and_every_id_is_priced_or_unpriced_on_purpose() -> None:
    table = known_models()
    prices = load_price_table()
    for model in table.models.values():
        assert model.source, model.name
        assert model.provider in ("anthropic", "openai")
        assert model.max_output is None or model.max_output > 0
        for snapshot in model.snapshots:
            assert table.find(snapshot) is model
    # the ids the simulator answers with are priced (issue #14)
    for dated in ("claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929", "gpt-4.1-2025-04-14"):
        assert prices.find(dated) is not None, dated


def test_a_table_from_text() -> None:
    text = (
        '[models."m-1"]\nprovider = "openai"\nsnapshots = ["m-1-2026-01-02"]\n'
        'max_output = 10\nretired = 2026-06-01\nsource = "test"\n'
    )
    table = parse_model_table(tomllib.loads(text), load_price_table())
    found = table.find("m-1-2026-01-02")
    assert found is not None
    assert found.max_output == 10
    assert str(found.retired) == "2026-06-01"
    assert table.canonical("m-1-2026-01-02") == "m-1"
    assert table.is_known("m-1")
    assert not table.is_known("m-2")


def test_the_shipped_file_is_package_data() -> None:
    assert resources.files("tui.core").joinpath("known_models.toml").is_file()
