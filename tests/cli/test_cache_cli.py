"""``batchtui cache`` and ``batchtui cache prune --older-than N`` on a cache synced from the
simulator (through ``main``, each command in a thread as in test_batches_cli.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cli_support import PARAMS, write_sim_config

from tui.cli.cache_cmd import describe_prune
from tui.cli.main import main
from tui.core.store import ResultFilter, Store
from tui.core.store.housekeeping import PruneReport
from tui.sim import SimOptions, Simulator

DAY = 86_400.0


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A frozen simulator whose requests fail now and then, so there are error groups."""
    simulator = Simulator(SimOptions(seed=7, speed=0.0, expire_rate=0.0, error_rate=0.3))
    await simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
def cli(sim: Simulator, tmp_path: Path, batchtui):
    write_sim_config(tmp_path / "config.toml", sim, anthropic="work")
    return batchtui


def ended_batch(sim: Simulator, count: int, days_ago: float) -> str:
    """A batch that ended ``days_ago`` days ago (half an hour after it was created)."""
    pairs = [(f"r{i:03d}", PARAMS) for i in range(count)]
    return sim.state.create_anthropic(
        pairs, sim.clock.time() - days_ago * DAY - 1800, duration=1800
    ).id


async def test_cache_shows_the_size_per_profile_and_per_batch(sim: Simulator, cli) -> None:
    big, small = ended_batch(sim, 40, days_ago=1), ended_batch(sim, 4, days_ago=1)
    assert (await cli("sync"))[0] == 0

    code, out, err = await cli("cache")
    assert code == 0, err
    assert "on disk" in out
    assert re.search(r"^work\s+2\s+44\s+\d", out, re.MULTILINE), out
    rows = [line for line in out.splitlines() if line.startswith("msgbatch_")]
    assert [row.split()[0] for row in rows] == [big, small]  # largest first
    assert rows[0].split()[2] == "40"


async def test_prune_drops_old_raw_json_and_keeps_rows_costs_and_error_groups(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    old, recent = ended_batch(sim, 60, days_ago=10), ended_batch(sim, 30, days_ago=1)
    assert (await cli("sync"))[0] == 0
    database = next((tmp_path / "data").glob("*.db"))
    async with await Store.open(database) as store:
        await store.results.build_search_index(old)  # `sync` leaves it to the TUI
        groups = await store.results.error_groups(old)
        by_type = await store.results.counts_by_type(old)
        texts = [r.text async for r in store.results.iterate(old)]
        word = re.findall(r"[A-Za-z]{4,}", next(t for t in texts if t))[0]
        found = await store.results.count(old, ResultFilter(search=word))
    assert groups  # the batch has failures to group
    assert found
    cost_before = (await cli("cost", "--by", "batch"))[1]

    code, out, err = await cli("cache", "prune", "--older-than", "7")
    assert code == 0, err
    assert "dropped the raw JSON of 60 results in 1 batches" in out

    async with await Store.open(database) as store:
        assert await store.results.error_groups(old) == groups
        assert await store.results.counts_by_type(old) == by_type
        pruned = [r async for r in store.results.iterate(old)]
        assert [r.text for r in pruned] == texts
        assert all(r.raw == b"" for r in pruned)
        assert all(r.raw for r in [r async for r in store.results.iterate(recent)])
        assert await store.results.count(old, ResultFilter(search=word)) == found
    assert (await cli("cost", "--by", "batch"))[1] == cost_before

    listing = (await cli("cache"))[1]
    old_row = next(line for line in listing.splitlines() if line.startswith(old))
    assert "pruned" in old_row
    again = await cli("cache", "prune", "--older-than", "7")
    assert "nothing to prune" in again[1]


def test_prune_refuses_a_negative_age(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["cache", "prune", "--older-than", "-1"])
    assert exit_.value.code == 2
    assert "N must be a number of days" in capsys.readouterr().err


def test_a_prune_that_could_not_compact_says_the_raw_json_is_gone_all_the_same() -> None:
    report = PruneReport(2, 900, 1_500_000, 9_000_000, 9_000_000, compacted=False)
    text = describe_prune(report, 30)
    assert text.startswith("dropped the raw JSON of 900 results in 2 batches (1.5 MB)")
    assert "could not be compacted now" in text
