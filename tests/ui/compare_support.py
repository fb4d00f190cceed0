"""The compare screen's tests, snapshot and screenshot: the demo's "eval: opus vs sonnet" pair.

The simulator makes the two batches (same custom_ids, two models) and the real sync engine
imports them and downloads their results, as the first poll would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from main_support import demo_services_for, import_everything, make_sim, settle
from textual.pilot import Pilot

from tui.cli.demo import COMPARISON_LABELS
from tui.sim import Simulator
from tui.sim.scenarios import seed_model_comparison
from tui.ui.app import BatchApp
from tui.ui.services import Services

LABELS = COMPARISON_LABELS


@contextlib.asynccontextmanager
async def compare_services(
    tmp_path: Path, *, demo: bool = False
) -> AsyncIterator[tuple[Simulator, Services, str, str]]:
    """Open services on a simulator holding the pair (and the demo workspace if ``demo``),
    everything imported and downloaded; yields (sim, services, A's id, B's id)."""
    sim = make_sim()
    await sim.start(host="127.0.0.1", port=0)
    try:
        if demo:
            sim.seed_demo_workspace()
        a, b = seed_model_comparison(sim)
        async with demo_services_for(sim, tmp_path) as services:
            await import_everything(services)
            for batch_id, label in zip((a, b), LABELS, strict=True):
                await services.store.batches.annotate(batch_id, label=label)
            yield sim, services, a, b
    finally:
        await sim.stop()


def prepare_compare_cache(directory: Path) -> tuple[Path, str, str]:
    """A cache file holding the pair, results downloaded (for snapshots and screenshots)."""
    directory.mkdir(parents=True, exist_ok=True)

    async def build() -> tuple[str, str]:
        async with compare_services(directory) as (_sim, _services, a, b):
            return a, b

    a, b = asyncio.run(build())
    return directory / "batchtui.db", a, b


async def open_compare_of_the_pair(pilot: Pilot) -> None:
    """On the batch list: mark the pair (by label, A first), press =, move to the third row."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, BatchApp)
    table = app.main.table
    for label in LABELS:
        table.select(next(b.id for b in table.batches.values() if b.label == label))
        await pilot.press("space")
    await pilot.press("equals_sign")
    await settle(pilot)
    await pilot.press("down", "down")
    await settle(pilot)
