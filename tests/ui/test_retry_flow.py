"""The retry modal over the simulator: plan shown, Cancel focused, confirm sends exactly the
failed requests as a new batch with its parent recorded; declining sends nothing.

The batch under test is created at a simulator where every batch runs past its 24-hour window
and 30 % of requests error, plus one request the provider rejects as invalid; the clock is moved
and the engine syncs, so the store holds real errored and expired results.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from builders import write_requests
from main_support import running_app, select_batch, settle
from submit_support import (
    BAD_ID,
    failed_batch,
    profile_for,
    sim_batch_count,
    sim_services,
    text_of,
)
from textual.pilot import Pilot
from textual.widgets import Button

from tui.core.models import Batch, ResultType
from tui.core.store.codec import error_key
from tui.core.submit import plan_file, submit_file
from tui.sim import Simulator
from tui.ui.app import BatchApp
from tui.ui.commands import BatchCommands
from tui.ui.screens.create_flow import session_of
from tui.ui.screens.requests import RequestsScreen
from tui.ui.screens.retry import RetryScreen
from tui.ui.services import Services

SIZE = (120, 40)
FAILED = (ResultType.ERRORED, ResultType.EXPIRED, ResultType.CANCELED)


async def failed_ids(services: Services, batch_id: str) -> dict[str, str | None]:
    """custom_id -> error type of every failed result of the batch."""
    return {
        r.custom_id: r.error_type
        async for r in services.store.results.iterate(batch_id)
        if r.type in FAILED
    }


def retryable(failed: dict[str, str | None]) -> list[str]:
    """What a plain retry sends: every failure but the invalid request, sorted."""
    return sorted(c for c, kind in failed.items() if kind != "invalid_request_error")


@asynccontextmanager
async def failed_batch_on(
    sim: Simulator, tmp_path: Path, *, count: int = 30, read_only: bool = False
) -> AsyncIterator[tuple[Services, Batch, dict[str, str | None]]]:
    """Services on ``sim`` holding :func:`failed_batch` of ``count`` requests: the services,
    the batch, and custom_id -> error type of its failures."""
    async with sim_services(sim, tmp_path, read_only=read_only) as services:
        batch_id = await failed_batch(sim, services, count)
        failed = await failed_ids(services, batch_id)
        yield services, await services.store.batches.get(batch_id), failed


async def open_retry(app: BatchApp, screen: RetryScreen, results: list, pilot) -> RetryScreen:
    await app.push_screen(screen, results.append)
    await settle(pilot)
    return screen


@asynccontextmanager
async def retry_modal(
    services: Services, batch: Batch
) -> AsyncIterator[tuple[BatchApp, Pilot, RetryScreen, list]]:
    """The app with the retry modal of ``batch`` open; what it dismisses with lands in the list."""
    async with running_app(services, size=SIZE) as (app, pilot):
        results: list = []
        screen = await open_retry(app, RetryScreen(services, batch), results, pilot)
        yield app, pilot, screen, results


async def test_retry_plan_confirm_creates_a_child_batch_with_exactly_the_failed_requests(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with failed_batch_on(sim, tmp_path) as (services, batch, failed):
        batch_id = batch.id
        assert failed[BAD_ID] == "invalid_request_error"
        expected = retryable(failed)
        assert len(expected) > 3

        async with retry_modal(services, batch) as (app, pilot, screen, results):
            plan = text_of(pilot, "#retry-plan")
            assert f"retry {len(expected)} request(s) of {batch_id}" in plan
            assert "left out 1 invalid_request_error" in plan
            assert "the switch below resends them" in plan
            assert "--include-invalid" not in plan  # a flag means nothing in the TUI
            assert app.focused is not None
            assert app.focused.id == "retry-cancel"
            confirm = screen.query_one("#retry-confirm", Button)
            assert str(confirm.label) == f"Retry {len(expected)} requests"
            before = sim_batch_count(sim)[0]

            await pilot.click("#retry-confirm")
            await settle(pilot)

            [new_id] = results
            assert new_id is not None
            assert sim_batch_count(sim)[0] == before + 1
            assert sorted(sim.state.anthropic[new_id].table.custom_ids) == expected
            child = await services.store.batches.get(new_id)
            assert child.parent_id == batch_id
            assert child.label == "nightly-retry"
            assert not isinstance(app.screen, RetryScreen)
            assert any(new_id in str(n.message) for n in app._notifications)


async def test_declining_sends_nothing(failing_sim: Simulator, tmp_path: Path) -> None:
    sim = failing_sim
    async with (
        failed_batch_on(sim, tmp_path) as (services, batch, _failed),
        retry_modal(services, batch) as (_app, pilot, _screen, results),
    ):
        before = sim_batch_count(sim)

        await pilot.press("enter")  # focus starts on Cancel
        await settle(pilot)

        assert results == [None]
        assert sim_batch_count(sim) == before
        assert [b.id for b in await services.store.batches.list()] == [batch.id]


async def test_escape_backs_out_too(failing_sim: Simulator, tmp_path: Path) -> None:
    sim = failing_sim
    async with (
        failed_batch_on(sim, tmp_path, count=8) as (services, batch, _failed),
        retry_modal(services, batch) as (_app, pilot, _screen, results),
    ):
        before = sim_batch_count(sim)
        await pilot.press("escape")
        await settle(pilot)
        assert results == [None]
        assert sim_batch_count(sim) == before


async def test_include_invalid_switch_puts_the_invalid_request_back(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with (
        failed_batch_on(sim, tmp_path) as (services, batch, failed),
        retry_modal(services, batch) as (_app, pilot, screen, results),
    ):
        assert screen.query_one("#retry-invalid-row").display
        await pilot.click("#retry-include-invalid")
        await settle(pilot)

        assert screen.plan is not None
        assert BAD_ID in screen.plan.custom_ids
        assert "left out" not in text_of(pilot, "#retry-plan")
        await pilot.click("#retry-confirm")
        await settle(pilot)

        [new_id] = results
        assert sorted(sim.state.anthropic[new_id].table.custom_ids) == sorted(failed)


async def test_marked_requests_and_groups_are_retried_together(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with sim_services(sim, tmp_path) as services:
        batch_id = await failed_batch(sim, services)
        results_by_id = {
            r.custom_id: r
            async for r in services.store.results.iterate(batch_id)
            if r.type in FAILED
        }
        expired = sorted(c for c, r in results_by_id.items() if r.type is ResultType.EXPIRED)
        errored = sorted(c for c, r in results_by_id.items() if r.type is ResultType.ERRORED)
        errored = [c for c in errored if c != BAD_ID]
        assert expired
        assert errored
        group = error_key(results_by_id[errored[0]])
        in_group = {c for c in errored if error_key(results_by_id[c]) == group}
        marked = {expired[0]}
        batch = await services.store.batches.get(batch_id)

        app = BatchApp(services)
        async with app.run_test(size=SIZE) as pilot:
            results: list = []
            screen = RetryScreen(services, batch, custom_ids=marked, error_keys={group})
            await open_retry(app, screen, results, pilot)
            assert "marked requests" in text_of(pilot, "#retry-title")
            assert not screen.query_one("#retry-invalid-row").display  # none invalid here
            assert screen.plan is not None
            assert set(screen.plan.custom_ids) == marked | in_group

            await pilot.click("#retry-confirm")
            await settle(pilot)
            [new_id] = results
            assert set(sim.state.anthropic[new_id].table.custom_ids) == marked | in_group


async def test_the_same_retry_twice_is_explained_and_can_be_forced(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with failed_batch_on(sim, tmp_path, count=10) as (services, batch, _failed):
        app = BatchApp(services)
        async with app.run_test(size=SIZE) as pilot:
            first: list = []
            await open_retry(app, RetryScreen(services, batch), first, pilot)
            await pilot.click("#retry-confirm")
            await settle(pilot)

            app.clear_notifications()  # the toast would sit on top of the button
            again: list = []
            screen = await open_retry(app, RetryScreen(services, batch), again, pilot)
            await pilot.click("#retry-confirm")
            await settle(pilot)
            assert again == []  # refused, still open
            assert "already submitted" in text_of(pilot, "#retry-progress")
            assert "--force" not in text_of(pilot, "#retry-progress")  # a flag means nothing here
            confirm = screen.query_one("#retry-confirm", Button)
            assert str(confirm.label).startswith("Retry anyway")

            # A button ignores clicks for 0.2 s (wall clock) after a press; a person is slower.
            confirm.remove_class("-active")
            await pilot.click("#retry-confirm")
            await settle(pilot)
            [second] = again
            assert second is not None
            assert second != first[0]


async def test_read_only_shows_the_plan_but_cannot_send(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with failed_batch_on(sim, tmp_path, count=8, read_only=True) as (services, batch, _):
        app = BatchApp(services)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_retry(app, RetryScreen(services, batch), [], pilot)
            assert "retry" in text_of(pilot, "#retry-plan")
            assert screen.query_one("#retry-confirm", Button).disabled


# --- from the batch list and the request inspector -----------------------------------------


async def test_r_on_the_batch_list_retries_the_selected_batch_and_lists_the_child(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with failed_batch_on(sim, tmp_path) as (services, batch, failed):
        batch_id = batch.id
        expected = retryable(failed)
        async with running_app(services, size=SIZE) as (app, pilot):
            await select_batch(pilot, batch_id)
            await pilot.press("R")
            await settle(pilot)
            assert isinstance(app.screen, RetryScreen)
            assert app.focused is not None
            assert app.focused.id == "retry-cancel"

            await pilot.click("#retry-confirm")
            await settle(pilot)

            assert app.screen is app.main
            [new_id] = [b for b in sim.state.anthropic if b != batch_id]
            assert sorted(sim.state.anthropic[new_id].table.custom_ids) == expected
            listed = app.main.table.batches[new_id]
            assert listed.parent_id == batch_id


async def test_r_is_refused_with_a_reason_when_nothing_failed(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "fine.jsonl", 5)
    async with sim_services(sim, tmp_path) as services:
        [batch] = await submit_file(await session_of(services), plan_file(path, profile_for(sim)))
        sim.clock.advance(hours=10)  # no errors, no expiry at this simulator
        await services.engine.poll_once()
        async with running_app(services, size=SIZE) as (app, pilot):
            await select_batch(pilot, batch.id)
            assert app.main.check_action("retry", ()) is None  # shown dimmed
            before = sim_batch_count(sim)
            await pilot.press("R")
            await settle(pilot)
            assert app.screen is app.main
            assert sim_batch_count(sim) == before
            messages = [str(n.message) for n in app._notifications]
            assert any("no errored, expired or canceled" in m for m in messages)


async def test_retry_requested_in_the_inspector_plans_the_marked_requests(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with failed_batch_on(sim, tmp_path) as (services, batch, failed):
        batch_id = batch.id
        marked = frozenset(retryable(failed)[:2])
        async with running_app(services, size=SIZE) as (app, pilot):
            await select_batch(pilot, batch_id)
            await app.main.run_action("open_requests")
            await settle(pilot)
            inspector = app.screen
            assert isinstance(inspector, RequestsScreen)

            inspector.post_message(RequestsScreen.RetryRequested(batch_id, marked, frozenset()))
            await settle(pilot)
            retry = app.screen
            assert isinstance(retry, RetryScreen)
            assert retry.plan is not None
            assert set(retry.plan.custom_ids) == marked
            await pilot.click("#retry-confirm")
            await settle(pilot)

            assert app.screen is inspector
            [new_id] = [b for b in sim.state.anthropic if b != batch_id]
            assert set(sim.state.anthropic[new_id].table.custom_ids) == marked


async def test_read_only_hides_submit_and_retry_everywhere(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    sim = failing_sim
    async with failed_batch_on(sim, tmp_path, count=8, read_only=True) as (services, batch, _):
        batch_id = batch.id
        async with running_app(services, size=SIZE) as (app, pilot):
            await select_batch(pilot, batch_id)
            assert app.main.check_action("retry", ()) is False
            assert app.main.check_action("submit", ()) is False
            before = sim_batch_count(sim)
            await pilot.press("R")
            await pilot.press("n")
            await settle(pilot)
            assert app.screen is app.main
            titles = [title for title, _, _ in BatchCommands(app.main)._available()]
            assert not any("Retry" in t or "Submit" in t for t in titles)
            app.main.open_retry(batch)
            await settle(pilot)
            assert app.screen is app.main
            assert sim_batch_count(sim) == before


async def test_the_retry_button_is_as_wide_as_its_new_label(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    """Textual's Button keeps its old width when its label changes: the plan's count must lay
    the dialog out again, or "Retry 29 requests" is cut to the 16 cells of "Retry"."""
    async with (
        failed_batch_on(failing_sim, tmp_path) as (services, batch, _failed),
        retry_modal(services, batch) as (_app, pilot, screen, _results),
    ):
        button = screen.query_one("#retry-confirm", Button)
        screen.force = True  # "Retry anyway 29 requests": wider than any label before it
        screen._update_buttons()
        await pilot.pause()
        label = str(button.label)
        assert label.startswith("Retry anyway ")
        assert button.content_size.width >= len(label)
