"""The hostile batch through every screen: nothing crashes, no markup is interpreted, and no raw
control character is drawn.

Each step looks at what the terminal would show (the rendered strips), so a label parsed as
markup (its brackets gone, or a MarkupError) or an escape sequence passed through is caught
wherever it happens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from hostile_support import BATCH_ID, LABEL, NOTES, store_hostile_batch, unsafe_characters
from main_support import demo_services, running_app, settle
from textual.pilot import Pilot
from textual.widgets import Select

from tui.display.formatting import safe
from tui.ui.app import BatchApp
from tui.ui.screens.annotate import AnnotateScreen
from tui.ui.screens.request_detail import RequestDetailScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.screens.retry import RetryScreen

SIZE = (140, 44)


def drawn(app: BatchApp) -> str:
    """Every character the current screen draws (toasts included)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_safe(app: BatchApp) -> str:
    text = drawn(app)
    assert unsafe_characters(text) == [], text
    return text


@asynccontextmanager
async def app_with_the_hostile_batch(tmp_path: Path) -> AsyncIterator[tuple[BatchApp, Pilot]]:
    """The App on the demo workspace plus the hostile batch, its row under the cursor."""
    async with demo_services(tmp_path) as (_sim, services):
        await store_hostile_batch(services.store)
        async with running_app(services, size=SIZE) as (app, pilot):
            app.main.table.select(BATCH_ID)
            yield app, pilot


async def test_batch_list_detail_and_cost_pane(tmp_path: Path) -> None:
    async with app_with_the_hostile_batch(tmp_path) as (app, pilot):
        await settle(pilot)
        text = assert_safe(app)
        assert "nightly [/nope] [red]LBL[/]" in text  # list row and detail: literal
        assert "[link=https://evil.example]x[/link]" in text  # the notes
        assert "Failed   model_mismatch[/]: The model" in text  # why the provider failed it
        await pilot.press("dollar_sign")
        await settle(pilot)
        assert "gpt-4o-mini[/x]" in assert_safe(app)


async def test_requests_inspector_request_detail_and_filters(tmp_path: Path) -> None:
    async with app_with_the_hostile_batch(tmp_path) as (app, pilot):
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        text = assert_safe(app)
        assert "nightly [/nope] [red]LBL[/]" in text  # the title
        assert "req[/]0" in text
        assert "bad [/] [bold]request[/bold]" in text  # the error groups panel

        select = app.screen.query_one("#error-type", Select)
        select.focus()
        await pilot.press("enter")  # open its list of provider-given error types
        await settle(pilot)
        assert "invalid_request_error[/]" in assert_safe(app)
        await pilot.press("escape")
        await settle(pilot)

        stop_reasons = app.screen.query_one("#stop-reason", Select)
        stop_reasons.focus()
        await pilot.press("enter")  # the provider-given stop reasons
        await settle(pilot)
        assert "stop[/]" in assert_safe(app)
        await pilot.press("escape")
        await settle(pilot)

        app.screen.query_one("#requests-list").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen)
        text = assert_safe(app)
        assert "[/]" in text
        for tab in ("raw", "params", "usage"):
            app.screen.query_one("#detail-tabs").active = tab
            await settle(pilot)
            assert_safe(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)


async def test_retry_and_annotate_dialogs(tmp_path: Path) -> None:
    async with app_with_the_hostile_batch(tmp_path) as (app, pilot):
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, RetryScreen)
        assert "Retry the failed requests of nightly [/nope]" in assert_safe(app)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, AnnotateScreen)
        assert "nightly [/nope]" in assert_safe(app)
        await pilot.press("ctrl+s")  # saved untouched: the stored text stays as it was
        await settle(pilot)
        stored = await app.services.store.batches.get(BATCH_ID)
        assert (stored.label, stored.notes) == (LABEL, NOTES)

        await pilot.press("e")
        await settle(pilot)
        await pilot.press("end", "exclamation_mark", "enter")  # edited: stored as typed
        await settle(pilot)
        stored = await app.services.store.batches.get(BATCH_ID)
        assert stored.label == safe(LABEL) + "!"
        assert stored.notes == NOTES
        assert_safe(app)
        assert app.is_running
