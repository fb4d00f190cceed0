"""The retry story as a user meets it (issue 15): demo batches can be retried, a plan that
sends nothing says why with Retry disabled, ``R`` in the inspector retries the failures in view
(or the marked ones) and never announces a retry before it is confirmed, and the truncated
answers can be resent with a larger max_tokens."""

from __future__ import annotations

from pathlib import Path

import orjson
from builders import params
from main_support import demo_services, import_everything, running_app, select_batch, settle
from submit_support import PROFILE, failed_batch, sim_services, text_of
from textual.widgets import Button, Input, Switch

from tui.cli.demo import store_demo_requests
from tui.core.models import ResultType
from tui.sim import Simulator
from tui.ui.app import BatchApp
from tui.ui.screens.requests import RequestsScreen
from tui.ui.screens.retry import RetryScreen

SIZE = (120, 40)


def toasts(app: BatchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_r_on_a_demo_batch_plans_a_retry_it_can_send(tmp_path: Path) -> None:
    async with demo_services(tmp_path) as (sim, services):
        await import_everything(services)
        assert await store_demo_requests(sim, services.store) > 20_000
        batches = await services.store.batches.list()
        failing = [b for b in batches if b.is_terminal and b.counts.errored]
        assert failing
        async with running_app(services, size=SIZE) as (app, pilot):
            await select_batch(pilot, failing[0].id)
            await pilot.press("R")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RetryScreen)
            assert screen.plan is not None
            assert screen.plan.count > 0
            assert not screen.plan.missing_params
            assert not screen.query_one("#retry-confirm", Button).disabled


async def test_a_plan_with_nothing_to_send_disables_retry_and_says_why(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    async with sim_services(failing_sim, tmp_path) as services:
        batch_id = await failed_batch(failing_sim, services)
        async with services.store.db.transaction() as conn:  # as for a batch made elsewhere
            await conn.execute("DELETE FROM requests WHERE batch_id = ?", (batch_id,))
        async with running_app(services, size=SIZE) as (app, pilot):
            await select_batch(pilot, batch_id)
            await pilot.press("R")
            await settle(pilot)
            assert isinstance(app.screen, RetryScreen)
            button = app.screen.query_one("#retry-confirm", Button)
            assert button.disabled
            assert str(button.label) == "Nothing to retry"
            plan = text_of(pilot, "#retry-plan")
            assert "Nothing to retry: the " in plan
            assert f"batchtui attach {batch_id} FILE" in plan


async def open_inspector(app: BatchApp, pilot, batch_id: str) -> RequestsScreen:
    await select_batch(pilot, batch_id)
    await app.main.run_action("open_requests")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, RequestsScreen)
    return screen


async def test_r_in_the_inspector_retries_the_failures_in_view_without_an_early_toast(
    failing_sim: Simulator, tmp_path: Path
) -> None:
    async with sim_services(failing_sim, tmp_path) as services:
        batch_id = await failed_batch(failing_sim, services)
        errored = {
            r.custom_id
            async for r in services.store.results.iterate(batch_id)
            if r.type is ResultType.ERRORED and r.error_type != "invalid_request_error"
        }
        app = BatchApp(services)
        async with app.run_test(size=SIZE) as pilot:
            inspector = await open_inspector(app, pilot, batch_id)
            assert inspector.check_action("retry", ()) is True  # never a dead key

            # The Canceled tab holds no failure here: a clear message, no modal.
            inspector.show_outcome(ResultType.CANCELED)
            await settle(pilot)
            await pilot.press("R")
            await settle(pilot)
            assert app.screen is inspector
            assert any("No failed request in view" in t for t in toasts(app))

            # The Errored tab: R plans exactly the errored requests, nothing announced yet.
            inspector.show_outcome(ResultType.ERRORED)
            await settle(pilot)
            await pilot.press("R")
            await settle(pilot)
            retry = app.screen
            assert isinstance(retry, RetryScreen)
            assert retry.plan is not None
            assert set(retry.plan.custom_ids) == errored
            assert "in view" in text_of(pilot, "#retry-title")
            assert not any("requested" in t for t in toasts(app))
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is inspector


async def test_truncated_answers_are_resent_with_the_max_tokens_typed(
    sim: Simulator, tmp_path: Path
) -> None:
    async with sim_services(sim, tmp_path) as services:
        pairs = [(f"t-{i:03d}", orjson.dumps(params(i, max_tokens=2))) for i in range(8)]
        provider = (await services.providers())[PROFILE]
        batch = await provider.create_batch(pairs)
        await services.store.batches.insert_local(batch)
        await services.store.requests.put(batch.id, pairs)
        sim.clock.advance(hours=30)
        await services.engine.poll_once()
        truncated = {
            r.custom_id
            async for r in services.store.results.iterate(batch.id)
            if r.stop_reason == "max_tokens"
        }
        assert truncated
        async with running_app(services, size=SIZE) as (app, pilot):
            # On the list, R says nothing failed and where the truncated retry is.
            await select_batch(pilot, batch.id)
            await pilot.press("R")
            await settle(pilot)
            assert app.screen is app.main
            assert any("max_tokens: Enter, then R" in t for t in toasts(app))
            # In the inspector, on the Succeeded tab, R offers to resend the cut-off answers.
            inspector = await open_inspector(app, pilot, batch.id)
            inspector.show_outcome(ResultType.SUCCEEDED)
            await settle(pilot)
            await pilot.press("R")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RetryScreen)
            assert screen.query_one("#retry-truncated", Switch).value
            assert "cut off at max_tokens" in text_of(pilot, "#retry-title")
            assert screen.plan is not None
            assert screen.plan.truncated
            max_tokens = screen.query_one("#retry-max-tokens", Input)
            assert max_tokens.value == "4"  # twice what they were sent with: a starting point
            max_tokens.value = "700"
            await settle(pilot)
            assert screen.plan.max_tokens == 700
            assert set(screen.plan.custom_ids) == truncated
            await pilot.click("#retry-confirm")
            await settle(pilot)
            [new_id] = [b for b in sim.state.anthropic if b != batch.id]
            table = sim.state.anthropic[new_id].table
            assert set(table.custom_ids) == truncated
            assert {orjson.loads(p)["max_tokens"] for p in table.params} == {700}
