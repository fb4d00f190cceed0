"""Snapshots of the main screen at 80x24 and 160x48 (regenerate with ``--snapshot-update``).

They show what a user sees: the App on a cache it synced earlier, after its first real poll of
the demo simulator has ended (profiles synced, running batches moved, their ETAs in the list).
Deterministic by construction: the demo workspace from a fixed seed, the simulated clock
frozen at a fixed instant that the App also uses as "now", the poll countdown on a frozen clock,
the poll's toasts cleared, and no blinking cursor on the table (see ``PolledBatchApp``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from main_support import (
    PolledBatchApp,
    after_first_poll,
    copy_cache,
    demo_sim_in_thread,
    settle,
)

from tui.sim import Simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """The demo simulator, ten minutes on (the polls only read it: one serves every test)."""
    with demo_sim_in_thread() as simulator:
        yield simulator


def test_main_screen_80x24(snap_compare, cache: Path, sim: Simulator, tmp_path: Path) -> None:
    app = PolledBatchApp(copy_cache(cache, tmp_path), sim)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after_first_poll)


def test_main_screen_160x48(snap_compare, cache: Path, sim: Simulator, tmp_path: Path) -> None:
    app = PolledBatchApp(copy_cache(cache, tmp_path), sim)
    assert snap_compare(app, terminal_size=(160, 48), run_before=after_first_poll)


def test_main_screen_read_only_filtered(
    snap_compare, cache: Path, sim: Simulator, tmp_path: Path
) -> None:
    app = PolledBatchApp(copy_cache(cache, tmp_path), sim, read_only=True)

    async def filter_attention(pilot) -> None:
        await after_first_poll(pilot)
        await pilot.press("2", "slash", *"haiku", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 32), run_before=filter_attention)
