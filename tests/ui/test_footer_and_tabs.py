"""The one-widget footer and view tabs of the main screen: what they show and what clicks do."""

from __future__ import annotations

from pathlib import Path

from main_support import demo_app, demo_services, running_app, settle

from tui.core.models import BatchStatus
from tui.ui.batch_view import View, in_view
from tui.ui.screens.help import HelpScreen
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.tab_strip import TabStrip


def column_of(footer: KeyFooter, action: str) -> int:
    """The first column where the footer draws the key of ``action``."""
    return next(
        x for x in range(footer.size.width) if (k := footer.key_at(x)) and k.action == action
    )


def footer_text(footer: KeyFooter) -> str:
    return footer.render_line(0).text


async def test_the_footer_shows_the_screens_keys_and_follows_them(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        footer = app.main.query_one(KeyFooter)
        actions = [key.action for key in footer.keys]
        assert {"cancel_batch", "filter", "quit", "help"} <= set(actions)
        assert actions[-1] == "command_palette"
        text = footer_text(footer)
        assert "c Cancel" in text or "c Cancel batch" in text
        assert text.rstrip().endswith("^p palette")  # at the right end
        await pilot.press("slash")  # the filter box has keys of its own
        await settle(pilot)
        assert [key.action for key in footer.keys] != actions


async def test_a_disabled_key_is_dim_and_a_click_on_it_does_nothing_but_ring(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        running = next(
            i for i in app.main.table.shown_ids
            if app.main.table.batches[i].status is BatchStatus.IN_PROGRESS
        )  # fmt: skip
        app.main.table.select(running)
        await settle(pilot)
        footer = app.main.query_one(KeyFooter)
        delete = next(key for key in footer.keys if key.action == "delete_batch")
        assert not delete.enabled  # a running batch cannot be deleted
        x = column_of(footer, "delete_batch")
        segment = next(s for s in footer.render_line(0) if s.text.strip() == "d")
        assert segment.style is not None
        assert segment.style.dim
        rung: list[bool] = []
        app.bell = lambda: rung.append(True)  # type: ignore[method-assign]
        await pilot.click(KeyFooter, offset=(x, 0))
        await settle(pilot)
        assert rung == [True]
        assert app.screen is app.main
        assert not [name for name, n in sim.counters.items() if name.endswith("delete") and n]


async def test_clicking_a_footer_key_presses_it_and_hovering_shows_its_tooltip(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        footer = app.main.query_one(KeyFooter)
        palette_x = column_of(footer, "command_palette")
        await pilot.hover(KeyFooter, offset=(palette_x, 0))
        await pilot.pause()
        assert footer.tooltip
        await pilot.click(KeyFooter, offset=(column_of(footer, "help"), 0))
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_the_view_tabs_count_batches_and_switch_by_click_and_by_key(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        tabs = app.main.query_one("#views", TabStrip)
        batches = list(app.main.table.batches.values())
        for view in View:
            shown = sum(1 for b in batches if in_view(b, view))
            assert tabs.label(view.value) == f"{view.label} {shown}"
            assert f" {view.label} {shown} " in tabs.render_line(0).text
        assert tabs.active == View.ALL.value
        ended_x = next(x for x in range(tabs.size.width) if tabs.tab_at(x) == "ended")
        await pilot.click(TabStrip, offset=(ended_x + 1, 0))
        await settle(pilot)
        assert tabs.active == "ended"
        table = app.main.table
        assert table.shown_ids
        assert all(table.batches[i].is_terminal for i in table.shown_ids)
        underline = list(tabs.render_line(1))
        lit = [s for s in underline if s.style and s.style.color != underline[0].style.color]
        assert len("".join(s.text for s in lit)) == len(f" {tabs.label('ended')} ")
        await pilot.press("1")
        await settle(pilot)
        assert tabs.active == "active"
        assert all(not table.batches[i].is_terminal for i in table.shown_ids)
