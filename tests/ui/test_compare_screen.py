"""Marking batches on the list (Space, U), bulk cancel and delete, and the compare screen (=):
filters, search, the pair pane and its word diff, on the simulator's opus vs sonnet pair."""

from __future__ import annotations

from pathlib import Path

from compare_support import compare_services
from main_support import running_app, settle
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from tui.core.compare import Only
from tui.core.models import BatchStatus, ResultType
from tui.ui.app import BatchApp
from tui.ui.screens.compare import CompareScreen
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.widgets.compare_view import CompareView
from tui.ui.widgets.pair_diff import PairDiff, word_diff


def select(app: BatchApp, batch_id: str) -> None:
    app.main.table.select(batch_id)


def rendered(app: BatchApp, renderable: object) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def open_compare(pilot: Pilot, app: BatchApp, a: str, b: str) -> CompareScreen:
    select(app, a)
    await pilot.press("space")
    select(app, b)
    await pilot.press("space")
    await pilot.press("equals_sign")
    await settle(pilot)
    assert isinstance(app.screen, CompareScreen)
    return app.screen


async def test_space_marks_in_order_and_equals_opens_the_compare(tmp_path: Path) -> None:
    async with (
        compare_services(tmp_path) as (_sim, services, a, b),
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        await pilot.press("equals_sign")  # nothing marked: says what to do
        await pilot.pause()
        assert any("Mark two batches" in n.message for n in app._notifications)
        assert app.main.check_action("compare", ()) is False  # not in the footer

        select(app, b)  # B first this time: the first marked is A
        await pilot.press("space")
        assert app.main.marks.ids == (b,)
        assert "◉" in app.main.table.render_line(app.main.table.cursor_row).text
        select(app, a)
        await pilot.press("space")
        assert app.main.check_action("compare", ()) is True
        await pilot.press("equals_sign")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert (screen.batch_a.id, screen.batch_b.id) == (b, a)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("U")
        assert app.main.marks.ids == ()
        select(app, a)
        await pilot.pause()
        assert "◉" not in app.main.table.render_line(app.main.table.cursor_row).text


async def test_the_compare_screen_filters_searches_and_diffs(tmp_path: Path) -> None:
    async with (
        compare_services(tmp_path) as (_sim, services, a, b),
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        screen = await open_compare(pilot, app, a, b)
        view = screen.query_one(CompareView)
        comparison = screen.comparison
        assert comparison is not None
        assert view.count == comparison.count(Only.ALL) == 124
        summary = rendered(app, screen.query_one("#compare-summary", Static).content)
        assert summary.startswith("A ✓")
        assert "$" in summary
        assert "124 custom_ids, 120 in both" in summary

        await pilot.press("3")  # only in B
        await settle(pilot)
        assert view.count == 4
        pair = view.cursor_pair
        assert pair is not None
        assert pair.custom_id == "eval-0120"
        assert pair.a is None
        pane = screen.query_one(PairDiff)
        assert pane.pair is pair
        assert "not in this batch" in rendered(app, pane.shown)

        await pilot.press("5")  # B failed where A succeeded
        await settle(pilot)
        assert view.count == comparison.count(Only.B_FAILED) > 0
        pair = view.cursor_pair
        assert pair is not None
        assert pair.a is not None
        assert pair.a.type is ResultType.SUCCEEDED
        assert pair.b is not None
        assert pair.b.type is not ResultType.SUCCEEDED

        await pilot.press("6", "down", "d")  # texts differ, second row, as a word diff
        await settle(pilot)
        assert pane.diff
        assert pane.pair is view.cursor_pair
        assert view.cursor_row == 1
        body = rendered(app, pane.shown)
        assert "→" in body

        await pilot.press("1", "slash")
        await pilot.press(*"eval-0007")
        await pilot.press("enter")
        await settle(pilot)
        assert view.count == 1
        assert view.cursor_pair is not None
        assert view.cursor_pair.custom_id == "eval-0007"
        await pilot.press("x")
        await settle(pilot)
        assert view.count == 124
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


def test_the_word_diff_strikes_a_and_underlines_b_without_markup() -> None:
    text = word_diff("the [bold]cat sat", "the [bold]dog sat down")
    assert text.plain == "the [bold]cat[bold]dog sat down"  # brackets stay literal text
    struck = [text.plain[s.start : s.end] for s in text.spans if "strike" in str(s.style)]
    added = [text.plain[s.start : s.end] for s in text.spans if "underline" in str(s.style)]
    assert struck == ["[bold]cat"]
    assert added == ["[bold]dog", " down"]


async def test_marked_batches_are_canceled_together_after_one_confirm(tmp_path: Path) -> None:
    async with (
        compare_services(tmp_path, demo=True) as (sim, services, _a, _b),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        batches = app.main.table.batches.values()
        running = [
            b.id
            for b in batches
            if b.status is BatchStatus.IN_PROGRESS and b.provider.value == "anthropic"
        ][:2]
        ended = next(b.id for b in batches if b.status is BatchStatus.ENDED)
        for batch_id in (*running, ended):
            select(app, batch_id)
            await pilot.press("space")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        stakes = app.screen.stakes.plain
        assert "Cancel 2 marked batch(es)" in stakes
        assert "1 marked batch(es) skipped" in stakes
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert sim.counters["anthropic.cancel"] == 2
        for batch_id in running:
            assert app.main.table.batches[batch_id].status is BatchStatus.CANCELING

        await pilot.press("d")  # delete: only the ended one applies
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Delete 1 marked batch(es)" in app.screen.stakes.plain
        await pilot.press("enter")  # focus starts on Cancel: nothing is deleted
        await settle(pilot)
        assert sim.counters["anthropic.delete"] == 0


HOSTILE = "[bold red]not markup[/] \x1b]52;c;cGF5bG9hZA==\x07\x1b[2J\u202eevil"


async def test_hostile_texts_and_custom_ids_are_shown_inert(tmp_path: Path) -> None:
    from requests_support import inspected_batch

    from tui.core.models import RequestResult
    from tui.core.store import Store

    class Host(App):
        CSS_PATH = BatchApp.CSS_PATH

    async with await Store.open(tmp_path / "cache.db") as store:
        batches = [
            inspected_batch(1, batch_id=batch_id) for batch_id in ("msgbatch_A", "msgbatch_B")
        ]
        await store.batches.upsert(batches)
        for batch in batches:
            custom_id = "id-[b]x[/b]\x1b[31m"
            ok = RequestResult(batch.id, custom_id, ResultType.SUCCEEDED, text=HOSTILE + batch.id)
            await store.results.write([ok])
        app = Host()
        async with app.run_test(size=(120, 36)) as pilot:
            app.push_screen(CompareScreen(store, *batches))
            await settle(pilot)
            view = app.screen.query_one(CompareView)
            line = view.render_line(1).text
            assert "id-[b]x[/b]" in line  # brackets shown as typed
            assert "\x1b" not in line
            assert "[bold red]not markup[/]" in line
            pane = app.screen.query_one(PairDiff)
            shown = rendered(app, pane.shown)
            assert "[bold red]not markup[/]" in shown
            assert "\x1b" not in shown
            assert "\u202e" not in shown
            await pilot.press("d")
            diff = rendered(app, pane.shown)
            assert "\x1b" not in diff
            assert "evilmsgbatch_A" in diff  # A's last word, struck through
            assert "evilmsgbatch_B" in diff  # B's, underlined
