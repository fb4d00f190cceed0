"""The main screen over the simulator: list, live updates, filter and sort, actions, modes.

Polls are driven explicitly (``auto_poll=False``) and the simulated clock only moves when a test
moves it; nothing sleeps.
"""

from __future__ import annotations

import io
from pathlib import Path

from main_support import demo_app, demo_services, running_app, settle
from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import Button, Input

from tui.core.lineage import LineageTally, latest_outcomes
from tui.core.models import BatchStatus, ProviderKind
from tui.ui.app import BatchApp
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.screens.sort import SortScreen
from tui.ui.widgets.batch_table import BatchTable


def running_anthropic_ids(app: BatchApp) -> list[str]:
    table = app.main.table
    return [
        batch_id
        for batch_id in table.shown_ids
        if table.batches[batch_id].provider is ProviderKind.ANTHROPIC
        and table.batches[batch_id].status is BatchStatus.IN_PROGRESS
    ]


def select(app: BatchApp, batch_id: str) -> None:
    app.main.table.select(batch_id)


async def test_list_fills_from_the_store(tmp_path: Path, cache: Path) -> None:
    async with demo_services(tmp_path, cache=cache) as (_sim, services):
        cached = await services.store.batches.list()
        async with running_app(services, size=(160, 48)) as (app, _pilot):
            table = app.query_one(BatchTable)
            assert table.row_count == len(cached) > 20
            # Newest first by default, like the store.
            assert table.shown_ids == [b.id for b in cached]


async def test_first_poll_imports_and_polls_update_rows_in_place(tmp_path: Path) -> None:
    async with (
        demo_services(tmp_path) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        assert app.main.table.row_count == 0
        await app.sync_batches().wait()
        await settle(pilot)
        table = app.main.table
        assert table.row_count > 20
        target = running_anthropic_ids(app)[1]
        select(app, target)
        await pilot.pause()
        row_before = table.cursor_row
        progress_before = table.cell(target, "progress").plain
        scroll_before = table.scroll_offset

        sim.clock.advance(hours=7)  # the 3-hour sonnet batch ends meanwhile
        await app.sync_batches().wait()
        await settle(pilot)

        assert table.cursor_row == row_before
        assert table.selected is not None
        assert table.selected.id == target
        assert table.scroll_offset == scroll_before
        assert table.cell(target, "progress").plain != progress_before


async def test_filter_and_sort(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        table = app.main.table
        everything = table.row_count

        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"status:running", "enter")
        await pilot.pause()
        shown = [table.batches[i] for i in table.shown_ids]
        assert shown
        assert all(b.status is BatchStatus.IN_PROGRESS for b in shown)
        assert app.focused is table

        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == everything

        await pilot.press("slash", *"model:gpt-4.1 !status:ended", "enter")
        await pilot.pause()
        shown = [table.batches[i] for i in table.shown_ids]
        assert shown
        assert all("gpt-4.1" in b.models for b in shown)
        assert all(b.status is not BatchStatus.ENDED for b in shown)
        await pilot.press("escape")

        await pilot.press("s")  # the column picker
        await pilot.pause()
        assert isinstance(app.screen, SortScreen)
        await pilot.press("s")  # status, by its letter
        await pilot.pause()
        assert table.sort_column.key == "status"
        statuses = [table.batches[i].status for i in table.shown_ids]
        order = list(BatchStatus)
        ranks = [order.index(s) for s in statuses]
        assert ranks == sorted(ranks)
        await pilot.press("S")
        await pilot.pause()
        ranks = [order.index(table.batches[i].status) for i in table.shown_ids]
        assert ranks == sorted(ranks, reverse=True)


async def test_quick_views(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        table = app.main.table
        await pilot.press("1")
        await pilot.pause()
        assert table.row_count
        assert all(not table.batches[i].is_terminal for i in table.shown_ids)
        await pilot.press("3")
        await pilot.pause()
        assert all(table.batches[i].is_terminal for i in table.shown_ids)
        await pilot.press("2")
        await pilot.pause()
        attention = [table.batches[i] for i in table.shown_ids]
        assert any(b.status is BatchStatus.EXPIRED for b in attention)


async def test_cancel_confirmed_cancels_at_the_provider(tmp_path: Path, cache: Path) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        target = running_anthropic_ids(app)[0]
        select(app, target)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert isinstance(app.focused, Button)
        assert app.focused.id == "cancel"
        stakes = app.screen.stakes.plain
        assert "still processing" in stakes

        await pilot.press("tab", "enter")  # move to "Cancel batch", press it
        await settle(pilot)
        assert sim.counters["anthropic.cancel"] == 1
        assert app.main.table.batches[target].status is BatchStatus.CANCELING
        assert (await services.store.batches.get(target)).status is BatchStatus.CANCELING


async def test_cancel_declined_sends_nothing(tmp_path: Path, cache: Path) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        select(app, running_anthropic_ids(app)[0])
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter")  # focus starts on Cancel
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("c", "escape")
        await settle(pilot)
        assert sim.counters["anthropic.cancel"] == 0


async def test_delete_is_refused_on_a_running_batch(tmp_path: Path, cache: Path) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        select(app, running_anthropic_ids(app)[0])
        await pilot.pause()
        assert app.main.check_action("delete_batch", ()) is None  # shown dimmed
        await pilot.press("d")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sim.counters["anthropic.delete"] == 0
        assert any("Only ended batches" in n.message for n in app._notifications)


async def test_delete_of_an_ended_batch_after_confirming(tmp_path: Path, cache: Path) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        table = app.main.table
        ended = next(
            i
            for i in table.shown_ids
            if table.batches[i].status is BatchStatus.ENDED
            and table.batches[i].provider is ProviderKind.ANTHROPIC
        )
        select(app, ended)
        await pilot.press("d")
        await pilot.pause()
        assert app.focused is not None
        assert app.focused.id == "cancel"
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert sim.counters["anthropic.delete"] == 1
        assert ended in table.batches  # the local copy stays


async def test_read_only_hides_every_provider_action(tmp_path: Path, cache: Path) -> None:
    async with (
        demo_services(tmp_path, read_only=True, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        select(app, running_anthropic_ids(app)[0])
        await pilot.pause()
        for action in ("cancel_batch", "delete_batch", "download"):
            assert app.main.check_action(action, ()) is False
        shown = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "cancel_batch" not in {a for a in shown if app.main.check_action(a, ())}
        await pilot.press("c", "d")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sim.counters["anthropic.cancel"] == sim.counters["anthropic.delete"] == 0
        assert "read-only" in str(app.main.status_bar.render())


async def test_help_lists_every_binding(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(120, 40)) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, file=io.StringIO(), record=True)
        console.print(app.screen.help_table())
        text = console.export_text()
        for binding in [*app.main.BINDINGS, *app.BINDINGS]:
            assert binding.description in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_runs_actions_by_name(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(120, 40)) as (app, pilot):
        selected = app.main.table.selected
        assert selected is not None
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"copy the batch id")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.clipboard == selected.id


async def test_copy_id_with_y(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(120, 40)) as (app, pilot):
        await pilot.press("down", "down", "y")
        await pilot.pause()
        assert app.clipboard == app.main.table.selected.id


async def test_a_batch_ending_is_announced_with_a_toast_and_the_bell(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_services(tmp_path, cache=cache) as (sim, services):
        app = BatchApp(services)
        bells: list[int] = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            sim.clock.advance(hours=1)  # the 50-minute haiku batch ends
            await app.sync_batches().wait()
            await settle(pilot)
            ended = [n for n in app._notifications if n.title == "Batch ended"]
            assert ended
            assert bells


async def test_no_bell_when_the_setting_is_off(tmp_path: Path, cache: Path) -> None:
    from dataclasses import replace

    async with demo_services(tmp_path, cache=cache) as (sim, services):
        config = replace(services.config, settings=replace(services.config.settings, bell=False))
        services.config = config
        app = BatchApp(services)
        bells: list[int] = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            sim.clock.advance(hours=1)
            await app.sync_batches().wait()
            await settle(pilot)
            assert any(n.title == "Batch ended" for n in app._notifications)
            assert not bells


async def test_label_and_notes_are_saved_and_never_markup(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        target = app.main.table.selected.id
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"[red]nightly[/red]", "enter")
        await settle(pilot)
        assert (await app.services.store.batches.get(target)).label == "[red]nightly[/red]"
        cell = app.main.table.cell(target, "label")
        assert cell.plain == "[red]nightly[/red]"


async def test_fits_80_by_24_and_200_by_60(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(80, 24)) as (app, pilot):
        keys = app.main.table.column_keys
        assert keys[:2] == ["status", "id"]
        assert "progress" in keys
        assert "left" in keys
        assert "profile" not in keys
        header = app.main.table.render_line(0)
        assert header.text.rstrip().endswith("Left")  # every kept title is on screen
        assert header.cell_length == app.main.table.size.width <= 80
        await pilot.resize_terminal(200, 60)
        await settle(pilot)
        keys = app.main.table.column_keys
        assert {"profile", "models", "cost", "created"} <= set(keys)


async def test_a_refused_key_and_a_rate_limit_show_in_the_status_bar(
    tmp_path: Path, cache: Path
) -> None:
    from tui.cli.demo import DEMO_KEYS

    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        sim.revoke_key(DEMO_KEYS["anthropic"])
        sim.faults.inject("openai.batches.*", "429", count=None)
        await app.sync_batches().wait()
        await settle(pilot)
        line = str(app.main.status_bar.render())
        assert "anthropic unauthorised" in line
        assert "openai rate-limited" in line
        assert app.main.table.row_count > 20  # the cached list stays


async def test_r_polls_now_and_auto_poll_rearms_after_each_poll(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_services(tmp_path, cache=cache) as (sim, services):
        services.auto_poll = True
        app = BatchApp(services)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)  # the first poll ran on mount, then re-armed
            assert app._poll_timer is not None
            before = sim.counters["anthropic.list"]
            await pilot.press("r")
            await settle(pilot)
            assert sim.counters["anthropic.list"] > before  # r reads the newest batches
            assert app._poll_timer is not None  # armed again, once
            assert "next poll" in str(app.main.status_bar.render())


async def test_a_failed_cancel_is_shown_not_swallowed(tmp_path: Path, cache: Path) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        sim.faults.inject("anthropic.cancel", "500", count=None)
        select(app, running_anthropic_ids(app)[0])
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors
        assert "Cancelling the batch failed" in errors[-1].message


async def test_enter_opens_the_requests_of_the_selected_batch(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)


async def test_help_in_the_inspector_lists_the_inspectors_keys(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(120, 40)) as (app, pilot):
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, file=io.StringIO(), record=True)
        console.print(app.screen.help_table())
        text = console.export_text()
        assert RequestsScreen.HELP_TITLE in text
        for words in ("Mark", "Retry", "Export", "Errored tab", "Go to id", "Back", "j k"):
            assert words in text
        assert "Quit" not in text  # q goes back here; it quits from the batch list only
        assert "Cancel batch" not in text  # the batch list's keys are not active here


async def test_lineage_in_the_detail_pane(tmp_path: Path, cache: Path) -> None:
    async with demo_services(tmp_path, cache=cache) as (_sim, services):
        batches = await services.store.batches.list()
        parent, child = batches[-1], batches[0]
        await services.store.batches.annotate(child.id, parent_id=parent.id)
        async with running_app(services, size=(160, 48)) as (app, pilot):
            select(app, child.id)
            await settle(pilot)
            console = Console(width=60, file=io.StringIO(), record=True)
            detail = app.main.detail
            console.print(detail._facts(detail.shown_batch, services.clock()))
            text = console.export_text()
            assert "Retry of" in text
            # The newest outcome of every request across both batches, counted.
            lineage = await latest_outcomes(services.store, child.id)
            missing = sum(1 for _ in lineage.missing())
            assert missing  # the demo's batches have failures
            assert detail.tally == LineageTally(2, len(lineage.outcomes), missing)
            assert f"{missing:,} of {len(lineage.outcomes):,} still without a success" in text
            select(app, parent.id)
            await settle(pilot)
            console.print(detail._facts(detail.shown_batch, services.clock()))
            assert "Retried by" in console.export_text()
            assert detail.tally == LineageTally(2, len(lineage.outcomes), missing)
            # Back and forth: the lineage read once is shown again, not read again...
            first = detail.tally
            select(app, child.id)
            await settle(pilot)
            select(app, parent.id)
            await settle(pilot)
            assert detail.tally is first
            # ...until something changes.
            app.main.apply_events([])
            select(app, child.id)
            await settle(pilot)
            select(app, parent.id)
            await settle(pilot)
            assert detail.tally == first
            assert detail.tally is not first


async def test_markup_in_a_label_reaches_a_toast_as_text(tmp_path: Path, cache: Path) -> None:
    async with demo_services(tmp_path, cache=cache) as (sim, services):
        batches = await services.store.batches.list()
        haiku = next(b for b in batches if b.counts.total == 400)  # ends within the hour
        await services.store.batches.annotate(haiku.id, label="[bold red]oops[/] [link=x")
        async with running_app(services, size=(120, 40)) as (app, pilot):
            sim.clock.advance(hours=1)
            await app.sync_batches().wait()
            await settle(pilot)
            ended = [n for n in app._notifications if n.title == "Batch ended"]
            assert any("[bold red]oops[/] [link=x" in n.message for n in ended)
            assert all(not n.markup for n in ended)


async def test_the_inspector_follows_a_download_started_by_a_poll(tmp_path: Path) -> None:
    async with demo_services(tmp_path) as (_sim, services):
        await services.engine.import_all()  # batches known, no results downloaded yet
        async with running_app(services, size=(160, 48)) as (app, pilot):
            table = app.main.table
            ended = next(
                batch_id
                for batch_id in table.shown_ids
                if table.batches[batch_id].status is BatchStatus.ENDED
            )
            select(app, ended)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RequestsScreen)
            assert screen.query_one("#requests-progress").display

            app.sync_batches()  # the poll downloads the ended batches' results
            await settle(pilot)
            assert app.screen is screen
            assert not screen.query_one("#requests-progress").display
            assert screen.shown_batch.results_state.value == "complete"
