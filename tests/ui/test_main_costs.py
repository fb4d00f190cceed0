"""The cost pane on the main screen: `$` shows the tally of the batches in view."""

from __future__ import annotations

from pathlib import Path

from main_support import (
    PolledBatchApp,
    after_first_poll,
    copy_cache,
    demo_app,
    demo_sim_in_thread,
    settle,
)

from tui.core.cost_report import build_report
from tui.ui.widgets.batch_detail import BatchDetail
from tui.ui.widgets.cost_pane import CostPane


async def test_dollar_shows_costs_of_the_batches_in_view(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        assert not app.query(CostPane)  # built on the first $, not at start-up
        await pilot.press("dollar_sign")
        await settle(pilot)
        pane = app.query_one(CostPane)
        assert pane.display
        assert not app.query_one(BatchDetail).display
        shown = app.main.table.shown_ids
        expected = await build_report(
            app.services.store, app.main.prices, group_by="model", batch_ids=shown
        )
        assert pane.report is not None
        assert pane.report.totals.paid == expected.totals.paid > 0

        # The pane follows the filter: only the OpenAI batches are tallied now.
        await pilot.press("slash", *"provider:openai", "enter")
        await settle(pilot)
        openai_ids = app.main.table.shown_ids
        assert 0 < len(openai_ids) < len(shown)
        narrowed = await build_report(
            app.services.store, app.main.prices, group_by="model", batch_ids=openai_ids
        )
        assert pane.report.totals.paid == narrowed.totals.paid
        assert {t.key for t in pane.report.by_model} <= {
            m for b in openai_ids for m in app.main.table.batches[b].models
        }

        await pilot.press("dollar_sign")
        await settle(pilot)
        assert app.query_one(BatchDetail).display


def test_cost_pane_snapshot(snap_compare, cache: Path, tmp_path: Path) -> None:
    """As a user sees it: after the first poll (see test_main_snapshots)."""
    with demo_sim_in_thread() as sim:
        app = PolledBatchApp(copy_cache(cache, tmp_path), sim)
        assert snap_compare(app, terminal_size=(160, 48), run_before=show_costs)


async def show_costs(pilot) -> None:
    await after_first_poll(pilot)
    await pilot.press("dollar_sign")
    await settle(pilot)

