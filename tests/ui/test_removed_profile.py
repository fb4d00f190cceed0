"""Batches of a profile no longer in the config (issue 15): shown, read, never acted on blindly.

The cache keeps every batch it ever saw; when the profile that made some of them leaves the
config, there is nothing to reach the provider with. Cancel, delete, download and retry then
say so before anything is asked or started, the detail pane says the profile is gone, and a
bulk action leaves those batches out and says how many.
"""

from __future__ import annotations

from pathlib import Path

from main_support import copy_cache, offline_demo_config, running_app, settle

from tui.core.models import Batch
from tui.ui.app import BatchApp
from tui.ui.batch_marks import can_cancel
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.services import Services

GONE = "anthropic"
"""The demo profile taken out of the config; the openai one stays."""


def services_without_anthropic(cache: Path, directory: Path) -> Services:
    database = copy_cache(cache, directory)
    config = offline_demo_config(directory)
    del config.profiles[GONE]
    return Services(config, database, env={}, auto_poll=False)


def toasts(app: BatchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def screen_text(app: BatchApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def select(app: BatchApp, batch: Batch) -> None:
    table = app.main.table
    table.move_cursor(table.shown_ids.index(batch.id))


def first(app: BatchApp, *, running: bool, profile: str = GONE) -> Batch:
    return next(
        b
        for b in app.main.table.batches.values()
        if b.profile == profile
        and (can_cancel(b) if running else b.is_terminal and b.counts.failed)
        and not b.deleted_remotely
    )


async def test_actions_on_a_removed_profiles_batch_say_the_profile_is_gone(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        services_without_anthropic(cache, tmp_path) as services,
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        main = app.main
        cases = ((first(app, running=True), "c"), (first(app, running=False), "dDR"))
        for batch, keys in cases:
            select(app, batch)
            await pilot.pause()
            assert f"{GONE} · no longer in the config" in screen_text(app)
            for key in keys:
                app.clear_notifications()
                await pilot.press(key)
                await settle(pilot)
                assert app.screen is main, key  # no confirmation, no retry modal
                [said] = toasts(app)
                assert f"Profile '{GONE}' is no longer in the config" in said, (key, said)
                assert str(services.config.path) in said
        assert not any(w.group == "action" for w in app.workers)  # nothing was started

        # The batch of a profile still configured is untouched by this.
        select(app, first(app, running=True, profile="openai"))
        await pilot.pause()
        assert main.unavailable_reason("cancel_batch") is None
        assert "no longer in the config" not in screen_text(app)


async def test_retry_from_the_inspector_says_the_profile_is_gone(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        services_without_anthropic(cache, tmp_path) as services,
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        select(app, first(app, running=False))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)  # reading still works
        app.clear_notifications()
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)  # no retry modal
        [said] = toasts(app)
        assert f"Profile '{GONE}' is no longer in the config" in said


async def test_a_bulk_cancel_leaves_out_the_batches_of_a_removed_profile(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        services_without_anthropic(cache, tmp_path) as services,
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        kept = first(app, running=True, profile="openai")
        for batch in (first(app, running=True), kept):
            select(app, batch)
            await pilot.press("space")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        stakes = str(app.screen.query_one("#confirm-stakes").render())
        assert "Cancel 1 marked batch(es)" in stakes
        assert f"1 marked batch(es) skipped: profile '{GONE}' is not in the config" in stakes
