"""``batchtui cost``: table and JSON output, filters, overrides (``test_cost_e2e`` runs it
against the simulator)."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from builders import T0, ended_batch, make_result

from tui.cli.cost import parse_since, render_table
from tui.cli.main import main
from tui.core.cost_report import build_report
from tui.core.models import (
    ResultsState,
    Usage,
)
from tui.core.prices import load_price_table
from tui.core.store import Store

KEY = "sk-test"


def write_config(path: Path, extra: str = "") -> Path:
    """A profile whose base_url leads nowhere: ``cost`` must never touch the network."""
    path.write_text(
        f'[profiles.simulated]\nprovider = "anthropic"\napi_key = "{KEY}"\n'
        f'base_url = "http://127.0.0.1:9/anthropic"\n{extra}'
    )
    os.chmod(path, 0o600)  # a file holding api_key must be private
    return path


async def fill_store(database: Path, profile: str = "simulated") -> None:
    """Two ended batches of one profile, one with an unpriced model."""
    async with await Store.open(database) as store:
        for batch_id, day, label in (("b_one", 0, "nightly"), ("b_two", 3, None)):
            created = T0 + timedelta(days=day)
            await store.batches.insert_local(
                ended_batch(batch_id, profile=profile, created_at=created, label=label)
            )
            await store.batches.set_results_state(batch_id, ResultsState.COMPLETE)
        await store.results.write(
            [
                # 1000 x 1 + 500 x 5 = 3500 µ$ standard, 1750 µ$ paid
                make_result(
                    "a", batch_id="b_one", model="claude-haiku-4-5", usage=Usage(1000, 0, 0, 0, 500)
                ),
                make_result("a", batch_id="b_two", model="claude-mythos-preview", usage=Usage(10)),
            ]
        )


def run_cost(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> str:
    config = tmp_path / "config.toml"
    if not config.exists():
        write_config(config)
    code = main(["--config", str(config), "--data-dir", str(tmp_path / "data"), "cost", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


async def test_table_shows_totals_unpriced_and_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await fill_store(tmp_path / "data" / "batchtui.db")
    out = await asyncio.to_thread(run_cost, capsys, tmp_path, "--by", "label")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["label", "requests", "paid"]
    assert "hit rate" in lines[0]
    nightly = next(line for line in lines if line.startswith("nightly"))
    # paid 0.00175 shows as $0.0018 (4 places, half-even), standard 0.0035
    assert nightly.split()[1:4] == ["1", "$0.0018", "$0.0035"]
    total = next(line for line in lines if line.startswith("TOTAL"))
    assert "1 req" in total  # one unpriced request
    assert "unpriced: 1 requests of claude-mythos-preview" in out


async def test_json_filters_and_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(
        tmp_path / "config.toml",
        '\n[prices."claude-mythos-preview"]\ninput = 7.0\noutput = 7.0\n',
    )
    await fill_store(tmp_path / "data" / "batchtui.db")
    document = json.loads(await asyncio.to_thread(run_cost, capsys, tmp_path, "--json"))
    # mythos now priced by the override: 10 x 7 = 70 µ$ standard, 35 paid; plus 1750 µ$
    assert document["totals"]["paid_usd"] == 0.001785
    assert document["totals"]["unpriced_requests"] == 0
    assert [row["key"] for row in document["rows"]] == ["b_two", "b_one"]
    since = json.loads(
        await asyncio.to_thread(
            run_cost, capsys, tmp_path, "--json", "--since", "2026-11-03", "--by", "day"
        )
    )
    assert [row["key"] for row in since["rows"]] == ["2026-11-04"]
    assert since["filters"]["since"] == "2026-11-03"


async def test_profile_only_in_the_cache_still_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A profile removed from the config keeps its cached batches and their cost."""
    await fill_store(tmp_path / "data" / "batchtui.db", profile="retired")
    out = await asyncio.to_thread(run_cost, capsys, tmp_path, "--json", "--profile", "retired")
    assert json.loads(out)["totals"]["paid_usd"] == 0.00175


def test_unknown_profile_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "config.toml")
    code = main(["--config", str(config), "--data-dir", str(tmp_path), "cost", "--profile", "x"])
    assert code != 0
    assert "no profile named 'x'" in capsys.readouterr().err


def test_since_accepts_dates_months_and_days_ago() -> None:
    today = T0.date()
    assert parse_since("2026-10-05") == date(2026, 10, 5)
    assert parse_since("2026-10") == date(2026, 10, 1)
    assert parse_since("7d", today) == today - timedelta(days=7)


async def test_empty_cache_says_so(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "c.db") as store:
        report = await build_report(store, load_price_table())
    assert "run `batchtui sync`" in render_table(report)


async def test_by_model_json_counts_dated_ids_under_their_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The APIs answer with dated snapshot ids; ``--by model`` shows one row per model."""
    database = tmp_path / "data" / "batchtui.db"
    await fill_store(database)
    async with await Store.open(database) as store:
        dated = make_result(
            "b",
            batch_id="b_one",
            model="claude-haiku-4-5-20251001",
            usage=Usage(1000, 0, 0, 0, 500),
        )
        await store.results.write([dated])
    document = json.loads(
        await asyncio.to_thread(run_cost, capsys, tmp_path, "--json", "--by", "model")
    )
    rows = {row["key"]: row for row in document["rows"]}
    assert set(rows) == {"claude-haiku-4-5", "claude-mythos-preview"}
    # two haiku requests at 1750 µ$ paid each
    assert rows["claude-haiku-4-5"]["requests"] == 2
    assert rows["claude-haiku-4-5"]["paid_usd"] == 0.0035
    assert [row["key"] for row in document["by_model"]] == [
        "claude-haiku-4-5",
        "claude-mythos-preview",
    ]
