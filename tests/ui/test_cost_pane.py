"""The cost pane in a tiny host app: empty state, a real report, untrusted model ids, snapshot.

The report comes from the real core (a store filled with fixed results, priced by the shipped
table), and the host app uses the pane's own section of ``tui/ui/app.tcss``, so the snapshot shows
what the main screen will show.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from pathlib import Path

from builders import T0, ended_batch, make_batch, make_result
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Sparkline, Static

from tui.core.cost_report import CostReport, build_report
from tui.core.costs import Tally
from tui.core.models import (
    RequestCounts,
    RequestResult,
    ResultsState,
    ResultType,
    Usage,
)
from tui.core.prices import load_price_table
from tui.core.store import Store
from tui.display.presentation import money
from tui.ui.widgets.cost_pane import CostPane, notes_text

APP_CSS = Path(__file__).resolve().parents[2] / "tui" / "ui" / "app.tcss"
HOSTILE_MODEL = "[bold red]evil[/] \x1b]52;c;cHduZWQ=\x07model"


def cost_pane_css() -> str:
    """The pane's section of the app stylesheet, between its start and end markers."""
    text = APP_CSS.read_text(encoding="utf-8")
    match = re.search(r"/\* --- cost pane --- \*/.*?/\* --- end cost pane --- \*/", text, re.S)
    assert match, "the cost pane section is missing from tui/ui/app.tcss"
    return match[0]


class Host(App):
    """Just the pane, fed a report the way the main screen will feed it."""

    CSS = cost_pane_css()

    def __init__(self, report: CostReport | None = None):
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        yield CostPane(id="cost")

    def on_mount(self) -> None:
        self.query_one(CostPane).show(self.report)


def succeeded(batch_id: str, custom_id: str, model: str, *tokens: int) -> RequestResult:
    """A succeeded request whose usage is given in :class:`Usage`'s field order."""
    return make_result(custom_id, batch_id=batch_id, model=model, usage=Usage(*tokens))


async def sample_report(database: Path, *, hostile: bool = False) -> CostReport:
    """Three ended batches on three days (two models, caching, one unpriced model) and a
    running one with stored params."""
    days = [("b_a", 0, "claude-haiku-4-5"), ("b_b", 2, "claude-sonnet-4-5"), ("b_c", 5, None)]
    async with await Store.open(database) as store:
        for batch_id, day, _ in days:
            created = T0 + timedelta(days=day)
            await store.batches.insert_local(ended_batch(batch_id, created_at=created))
            await store.batches.set_results_state(batch_id, ResultsState.COMPLETE)
        await store.batches.insert_local(
            make_batch(
                "b_run", created_at=T0 + timedelta(days=5), counts=RequestCounts(processing=1)
            )
        )
        await store.requests.put(
            "b_run", [("x", b'{"model": "claude-haiku-4-5", "max_tokens": 4000, "messages": []}')]
        )
        odd = HOSTILE_MODEL if hostile else "claude-mythos-preview"
        await store.results.write(
            [
                # usage: input, 5m write, 1h write, cache read, output
                succeeded("b_a", "1", "claude-haiku-4-5", 40_000, 20_000, 0, 0, 9_000),
                succeeded("b_a", "2", "claude-haiku-4-5", 40_000, 0, 0, 20_000, 8_000),
                succeeded("b_b", "1", "claude-sonnet-4-5", 5_000, 0, 30_000, 0, 4_000),
                succeeded("b_b", "2", "claude-sonnet-4-5", 5_000, 0, 0, 30_000, 4_000),
                succeeded("b_c", "1", odd, 1_000, 0, 0, 0, 100),
                make_result("2", ResultType.ERRORED, batch_id="b_c", model="claude-opus-4-5"),
            ]
        )
        return await build_report(store, load_price_table(), group_by="model")


def plain_text(static: Static) -> str:
    """What a Static shows, as plain text (tables rendered at 100 columns)."""
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(static.content)
    return console.export_text()


async def test_empty_pane_says_there_is_nothing_yet() -> None:
    async with Host().run_test(size=(100, 30)) as pilot:
        pane = pilot.app.query_one(CostPane)
        assert pane.has_class("-empty")
        assert "No cost yet" in plain_text(pane.query_one("#cost-totals", Static))
        assert not pane.query_one("#cost-chart", Sparkline).display


async def test_pane_shows_totals_breakdowns_chart_and_notes(tmp_path: Path) -> None:
    report = await sample_report(tmp_path / "c.db")
    async with Host().run_test(size=(100, 30)) as pilot:
        pane = pilot.app.query_one(CostPane)
        pane.report = report  # attributes down
        await pilot.pause()
        assert not pane.has_class("-empty")
        totals = plain_text(pane.query_one("#cost-totals", Static))
        assert money(report.totals.paid) in totals
        classes = plain_text(pane.query_one("#cost-classes", Static))
        assert "cache write 1h" in classes
        assert "30,000" in classes
        models = plain_text(pane.query_one("#cost-models", Static))
        assert "claude-sonnet-4-5" in models
        assert "unpriced" in models
        chart = pane.query_one("#cost-chart", Sparkline)
        assert len(list(chart.data or [])) == 6  # 2026-11-01 .. 2026-11-06
        notes = plain_text(pane.query_one("#cost-notes", Static))
        assert "Running: up to ~$0.010 more" in notes  # 4000 output x 5 / 2
        assert "1 request unpriced: claude-mythos-preview" in notes
        assert pane.border_subtitle == "4 batches"
        pane.show(None)
        await pilot.pause()
        assert pane.has_class("-empty")


async def test_model_ids_are_never_markup(tmp_path: Path) -> None:
    report = await sample_report(tmp_path / "c.db", hostile=True)
    async with Host(report).run_test(size=(100, 30)) as pilot:
        pane = pilot.app.query_one(CostPane)
        notes = plain_text(pane.query_one("#cost-notes", Static))
        assert "[bold red]evil[/]" in notes
        assert "\x1b" not in notes
        assert "\x07" not in notes


def test_notes_call_out_batches_submitted_elsewhere() -> None:
    report = CostReport(
        group_by="batch",
        totals=Tally(key="total"),
        rows=[],
        by_model=[],
        by_day=[],
        unestimated_batches=["b1", "b2"],
    )
    assert notes_text(report).plain == (
        "2 running batches submitted elsewhere: cost unknown until they end"
    )


def test_snapshot(snap_compare, tmp_path: Path) -> None:
    report = asyncio.run(sample_report(tmp_path / "c.db"))
    assert snap_compare(Host(report), terminal_size=(100, 30))
