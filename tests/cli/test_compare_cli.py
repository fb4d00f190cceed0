"""``batchtui compare A B``: the simulator runs the demo's opus vs sonnet pair, ``batchtui
sync`` caches it, and compare reads the cache (text, ``--only``, ``--json``, bad ids)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import write_sim_config

from tui.core.store import Store
from tui.sim import Simulator
from tui.sim.scenarios import seed_model_comparison


@pytest.fixture
def cli(sim: Simulator, tmp_path: Path, batchtui):
    """Run ``batchtui ARGS`` with profile ``a``: (code, stdout, stderr)."""
    write_sim_config(tmp_path / "config.toml", sim)
    return batchtui


@pytest.fixture
async def pair(sim: Simulator, cli) -> tuple[str, str]:
    a, b = seed_model_comparison(sim, count=60)
    code, _out, err = await cli("sync")
    assert code == 0, err
    return a, b


async def test_the_summary_puts_both_sides_side_by_side(cli, pair) -> None:
    a, b = pair
    code, out, err = await cli("compare", a, b)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"A  {a}")
    assert "claude-opus-4-5" in lines[0]
    assert lines[1].startswith(f"B  {b}")
    assert "claude-sonnet-4-5" in lines[1]
    results = next(line for line in lines if line.startswith("results"))
    assert results.split()[1:] == ["60", "64"]
    assert any(line.startswith("stop: max_tokens") for line in lines)
    assert any(line.startswith("paid ") and line.count("$") == 2 for line in lines)
    assert "64 custom_id(s): 60 in both, 0 only in A, 4 only in B" in out


async def test_json_is_the_documented_document_and_only_lists_the_pairs(cli, pair) -> None:
    a, b = pair
    code, out, err = await cli("compare", a[:18], b, "--json")  # a unique prefix will do
    assert code == 0, err
    document = json.loads(out)
    assert document["schema"] == 1
    assert document["a"]["id"] == a
    assert document["b"]["models"] == ["claude-sonnet-4-5"]
    assert document["pairs"] == {"total": 64, "in_both": 60, "only_a": 0, "only_b": 4}
    assert document["rows"] is None
    assert document["only"] is None
    assert document["b"]["outcomes"]["succeeded"] + document["b"]["outcomes"]["errored"] == 64

    code, out, err = await cli("compare", a, b, "--only", "only-b", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [row["custom_id"] for row in rows] == [f"eval-{n:04d}" for n in range(60, 64)]
    assert all(row["a"] is None and row["b"]["outcome"] for row in rows)

    code, out, err = await cli("compare", a, b, "--only", "b-failed", "--json")
    document = json.loads(out)
    assert len(document["rows"]) == document["filters"]["b-failed"] > 0
    for row in document["rows"]:
        assert row["a"]["outcome"] == "succeeded"
        assert row["b"]["outcome"] != "succeeded"
        assert row["b"]["error_message"]


async def test_only_differs_lists_one_line_per_request(cli, pair, tmp_path: Path) -> None:
    a, b = pair
    code, out, err = await cli("compare", a, b, "--only", "differs")
    assert code == 0, err
    head, _, listing = out.partition("\nTexts differ: ")
    count = int(listing.split()[0].replace(",", ""))
    assert f"Texts differ: {count}" in head  # the summary's tally says the same
    rows = listing.splitlines()[1:]
    assert len(rows) == count > 50
    assert all(row.startswith("  eval-") and " A: " in row and " B: " in row for row in rows)


async def test_labels_with_escapes_are_printed_inert(cli, pair, tmp_path: Path) -> None:
    a, b = pair
    async with await Store.open(tmp_path / "data" / "batchtui.db") as store:
        await store.batches.annotate(a, label="opus \x1b]52;c;cGF5bG9hZA==\x07\x1b[31mred")
    code, out, err = await cli("compare", a, b)
    assert code == 0, err
    assert "\x1b" not in out
    assert "opus" in out.splitlines()[0]
    code, out, err = await cli("compare", a, b, "--json")
    assert "\x1b" not in out
    assert json.loads(out)["a"]["label"].startswith("opus \x1b]52")  # the data is kept


async def test_unknown_ambiguous_or_identical_ids_say_so(cli, pair) -> None:
    a, b = pair
    code, out, err = await cli("compare", a, "msgbatch_nope")
    assert code == 4
    assert "no batch 'msgbatch_nope'" in err
    code, out, err = await cli("compare", "msgbatch_", b)
    assert code == 4
    assert "several batches" in err
    code, out, err = await cli("compare", a, a[:20])
    assert code == 2
    assert "same batch" in err
    assert out == ""
