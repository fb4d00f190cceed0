"""Keys and focus (issue 15): panes that scroll, q and Esc, j/k, the footer under modals, the
palette on every screen, the time filter, the sort picker and the theme that is kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from main_support import demo_app, demo_services, running_app, settle
from textual.command import CommandPalette
from textual.widgets import OptionList, Select

from tui.core.cost_report import build_report
from tui.core.models import Batch, ResultType
from tui.ui.app import BatchApp
from tui.ui.batch_view import parse_query
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.request_detail import RequestDetailScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.widgets.batch_detail import BatchDetail
from tui.ui.widgets.cost_pane import CostPane
from tui.ui.widgets.error_groups import ErrorGroupsPanel
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.results_view import ResultsView


def most_failed(app: BatchApp) -> Batch:
    return max(app.main.table.batches.values(), key=lambda b: b.counts.errored)


async def open_the_most_failed(app: BatchApp, pilot) -> None:
    """Select the batch with the most errors and open its requests (enter)."""
    await select(app, pilot, most_failed(app))
    await pilot.press("enter")
    await settle(pilot)


async def select(app: BatchApp, pilot, batch: Batch) -> None:
    table = app.main.table
    table.move_cursor(table.shown_ids.index(batch.id))
    await settle(pilot)


def footer_words(app: BatchApp) -> list[str]:
    return [key.description for key in app.screen.query_one(KeyFooter).keys]


async def test_the_detail_and_cost_panes_take_the_focus_and_scroll_at_80x24(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(80, 24)) as (app, pilot):
        await select(app, pilot, most_failed(app))
        detail = app.query_one(BatchDetail)
        assert detail.max_scroll_y > 0  # its lower part is below the fold
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is detail
        await pilot.press("j", "j", "down")
        await settle(pilot)
        assert detail.scroll_y > 0

        await pilot.press("dollar_sign")
        await settle(pilot)
        pane = app.query_one(CostPane)
        assert pane.report is not None
        if app.focused is not pane:
            await pilot.press("tab")
            await settle(pilot)
        assert app.focused is pane
        assert pane.max_scroll_y > 0
        await pilot.press("end")
        await settle(pilot)
        assert pane.scroll_y == pane.max_scroll_y


async def test_q_goes_back_from_sub_screens_and_quits_from_the_list_only(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(120, 36)) as (app, pilot):
        await open_the_most_failed(app, pilot)
        assert isinstance(app.screen, RequestsScreen)
        await pilot.press("enter")  # a request
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("q")  # closes the help
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        await pilot.press("q")
        await settle(pilot)
        assert app.screen is app.main
        await pilot.press("d")  # a confirm modal (delete this ended batch): q is "no"
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("q")
        await settle(pilot)
        assert app.screen is app.main
        assert app.is_running
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running


async def test_q_asks_first_while_work_is_in_flight(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(120, 36)) as (app, pilot):
        release = asyncio.Event()
        # A user's download that has not finished (the group and name run_download uses).
        app.main.run_worker(
            release.wait(), group="action", name="download", description="Downloading results"
        )
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Downloading results" in str(app.screen.stakes)
        assert "Back" in footer_words(app)  # the modal's keys, not the batch list's
        assert "Delete" not in footer_words(app)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert app.screen is app.main
        assert app.is_running
        release.set()
        await settle(pilot)
        await pilot.press("q")  # nothing in flight now: quits at once
        await settle(pilot)
        assert not app.is_running


async def test_j_k_in_the_error_groups_and_a_dropdown_hands_the_focus_back(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(120, 36)) as (app, pilot):
        await open_the_most_failed(app, pilot)
        groups = app.screen.query_one(ErrorGroupsPanel)
        assert len(groups.groups) > 1
        groups.focus()
        await settle(pilot)
        assert groups.highlighted == 0
        await pilot.press("j")
        assert groups.highlighted == 1
        await pilot.press("k")
        assert groups.highlighted == 0

        select_box = app.screen.query_one("#error-type", Select)
        select_box.focus()
        await settle(pilot)
        await pilot.press("enter", "down", "enter")  # open, pick the first type
        await settle(pilot)
        assert select_box.value is not Select.BLANK
        assert isinstance(app.focused, ResultsView)


async def test_next_previous_and_next_failure_from_the_request_detail(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(120, 36)) as (app, pilot):
        batch = most_failed(app)
        await select(app, pilot, batch)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("1")  # the All tab
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RequestDetailScreen)
        first = screen.custom_id
        await pilot.press("n")
        await settle(pilot)
        second = screen.custom_id
        assert second > first
        assert screen.result is not None
        assert screen.result.custom_id == second
        await pilot.press("p")
        await settle(pilot)
        assert screen.custom_id == first
        await pilot.press("f")
        await settle(pilot)
        assert screen.result is not None
        assert screen.result.type is not ResultType.SUCCEEDED
        failed = screen.custom_id
        await pilot.press("escape")
        await settle(pilot)
        view = app.screen.query_one(ResultsView)
        assert view.cursor_result is not None
        assert view.cursor_result.custom_id == failed  # the list followed


async def test_the_palette_lists_the_actions_of_the_current_screen(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(120, 36)) as (app, pilot):

        async def found(query: str) -> list[str]:
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*query)
            await settle(pilot)
            options = app.screen.query_one(OptionList)
            prompts = [
                str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
            ]
            await pilot.press("escape")
            await settle(pilot)
            return prompts

        assert any("cost pane" in p for p in await found("cost"))
        assert any("Retry" in p for p in await found("retry"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        assert any("Retry" in p for p in await found("retry"))
        assert any("Export" in p for p in await found("export"))


def test_time_tokens_in_the_filter(tmp_path: Path) -> None:
    from main_support import T0

    now = T0
    query = parse_query("created:7d", now)
    assert query
    assert not query.unknown
    (field, start, end, negated) = query.times[0]
    assert (field, start, end, negated) == ("created", now - timedelta(days=7), None, False)
    day = parse_query("since:2026-11-01", now).times[0]
    assert day[1].date().isoformat() == "2026-11-01"
    assert day[2] is None
    ended = parse_query("ended:today", now).times[0]
    assert ended[0] == "ended"
    assert ended[1] == now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert parse_query("created:2026-11-20", now).times[0][2] == ended[1] + timedelta(days=1)
    assert parse_query("created:soon", now).unknown == ("created:soon",)


async def test_a_time_filter_narrows_the_list_and_the_cost_pane_follows(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        table = app.main.table
        now = app.services.clock()
        everything = list(table.batches.values())
        await pilot.press("dollar_sign", "slash", *"ended:2d", "enter")
        await settle(pilot)
        expected = {
            b.id for b in everything if b.ended_at and b.ended_at >= now - timedelta(days=2)
        }
        assert 0 < len(expected) < len(everything)
        assert set(table.shown_ids) == expected
        report = await build_report(
            app.services.store, app.main.prices, group_by="model", batch_ids=table.shown_ids
        )
        pane = app.query_one(CostPane)
        assert pane.report is not None
        assert pane.report.batch_count == report.batch_count
        assert pane.report.totals.paid == report.totals.paid


async def test_picking_the_sorted_column_again_reverses_it(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(120, 36)) as (app, pilot):
        table = app.main.table
        await pilot.press("s", "p")  # progress
        await settle(pilot)
        assert (table.sort_column.key, table.sort_reverse) == ("progress", False)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("j", "k", "enter")  # the picker starts on the column in use
        await settle(pilot)
        assert (table.sort_column.key, table.sort_reverse) == ("progress", True)
        await pilot.press("s", "escape")
        await settle(pilot)
        assert app.screen is app.main
        assert (table.sort_column.key, table.sort_reverse) == ("progress", True)


async def test_the_theme_chosen_is_saved_to_the_config(tmp_path: Path, cache: Path) -> None:
    from tui.core.config import load_config, write_starter_config

    async with demo_services(tmp_path, cache=cache) as (_sim, services):
        write_starter_config(services.config.path)  # the demo's config, as a file now
        async with running_app(services, size=(120, 36)) as (app, pilot):
            app.theme = "nord"  # what picking it in the palette does
            await settle(pilot)
        assert load_config(services.config.path, {}).settings.theme == "nord"


async def test_a_narrow_status_bar_drops_details_whole_and_keeps_its_end() -> None:
    from textual.app import App, ComposeResult

    from tui.core.events import ProfileHealth, ProfileStatus
    from tui.ui.widgets.status_bar import StatusBar

    class BarApp(App[None]):
        def compose(self) -> ComposeResult:
            yield StatusBar(id="status")

    app = BarApp()
    async with app.run_test(size=(60, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.profiles = {
            "work": ProfileStatus("work", ProfileHealth.RATE_LIMITED, retry_after=30),
            "oa": ProfileStatus("oa", ProfileHealth.MISCONFIGURED, "no key: OPENAI_API_KEY unset"),
        }
        bar.counts = (6, 17)
        bar.auto_poll = False
        bar.read_only = True
        bar.show()
        await pilot.pause()
        line = bar.render_line(0).text.rstrip()
        assert line.endswith("read-only")  # the end survives; the profiles' words gave way
        assert "▲ work" in line
        assert "✗ oa" in line
        await pilot.resize_terminal(160, 3)
        await pilot.pause()
        assert "no key: OPENAI_API_KEY unset" in bar.render_line(0).text
