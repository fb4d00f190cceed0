"""The live status and what polls, deletes and downloads show, over the simulator.

Polls are driven explicitly and the simulated clock only moves when a test moves it; the status
bar's every-second redraw is called directly (it is the interval's callback), nothing sleeps.
"""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta
from pathlib import Path

import orjson
from main_support import demo_app, demo_services, running_app, select_batch, settle
from rich.console import Console
from textual.widgets import Static

from tui.core.events import ProfileHealth, ProfileStatus
from tui.core.models import Batch, BatchStatus, ProviderKind
from tui.core.session import Session
from tui.ui.app import BatchApp
from tui.ui.screens.confirm import ConfirmScreen


def bar_text(app: BatchApp) -> str:
    return str(app.main.status_bar.render())


def detail_text(app: BatchApp) -> str:
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(app.main.detail.query_one("#batch-detail-body", Static).content)
    return console.export_text()


def ended_batch(app: BatchApp, provider: ProviderKind) -> Batch:
    return next(
        b
        for b in app.main.table.batches.values()
        if b.provider is provider and b.status is BatchStatus.ENDED
    )


async def test_synced_ages_each_second_and_only_a_good_poll_resets_it(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        await app.sync_batches().wait()
        await settle(pilot)
        assert "synced 0s ago" in bar_text(app)

        sim.clock.advance(20)
        app.main.status_bar._tick()  # the every-second redraw
        assert "synced 20s ago" in bar_text(app)

        # The API goes down: the poll worker still ends "successfully", but no profile
        # synced, so the age keeps growing and the dots say why.
        sim.faults.inject("*", "429", count=None, retry_after_ms=10)
        await app.sync_batches().wait()
        await settle(pilot)
        line = bar_text(app)
        assert "synced 20s ago" in line
        assert "anthropic rate-limited" in line
        assert "openai rate-limited" in line

        sim.faults.clear()
        sim.clock.advance(5)
        await pilot.press("r")  # poll now: past the retry-after, both profiles answer
        await settle(pilot)
        assert "synced 0s ago" in bar_text(app)


async def test_next_poll_and_rate_limit_waits_are_shown_to_the_second(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, _pilot),
    ):
        bar = app.main.status_bar
        bar.auto_poll = True
        bar.next_poll_at = time.monotonic() + 95.2
        bar.profiles["openai"] = ProfileStatus(
            "openai",
            ProfileHealth.RATE_LIMITED,
            resume_at=sim.clock.now() + timedelta(seconds=30),
        )
        bar._tick()
        line = bar_text(app)
        assert "next poll 1m 35s" in line  # not "1m"
        assert "openai rate-limited, waiting 30s" in line
        sim.clock.advance(12)
        bar._tick()
        assert "openai rate-limited, waiting 18s" in bar_text(app)


async def test_a_poll_and_r_discover_a_batch_created_elsewhere(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        await app.sync_batches().wait()  # the first poll imports
        await settle(pilot)
        provider = (await app.services.providers())["anthropic"]
        params = orjson.dumps(
            {
                "model": "claude-haiku-4-5",
                "max_tokens": 5,
                "messages": [{"role": "user", "content": "hi"}],
            }
        )
        made = await provider.create_batch([("one", params)])  # a pipeline's batch
        await pilot.press("r")
        await settle(pilot)
        assert made.id in app.main.table.batches


async def test_delete_shows_the_batch_as_deleted(tmp_path: Path, cache: Path) -> None:
    async with demo_app(tmp_path, cache, size=(160, 48)) as (app, pilot):
        for provider, words in (
            (ProviderKind.ANTHROPIC, "deleted at the provider"),
            (ProviderKind.OPENAI, "files deleted at OpenAI"),
        ):
            batch = ended_batch(app, provider)
            await select_batch(pilot, batch.id)
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            stakes = str(app.screen.query_one("#confirm-stakes", Static).content)
            if provider is ProviderKind.OPENAI:
                assert "OpenAI deletes only this batch's files" in stakes
                assert "The provider deletes this batch" not in stakes
            await pilot.press("tab", "enter")
            await settle(pilot)
            assert app.main.table.cell(batch.id, "status").plain == "✗ deleted"
            assert words in detail_text(app)


async def test_download_of_archived_results_says_the_local_rows_are_intact(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        batch = ended_batch(app, ProviderKind.ANTHROPIC)
        stored = await services.store.results.count(batch.id)
        assert stored > 0
        sim.clock.advance(days=30)  # the provider archives its results
        await app.sync_batches().wait()
        await settle(pilot)
        await select_batch(pilot, batch.id)
        await pilot.press("D")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert "0 results stored." not in messages
        assert any(f"the {stored:,} results stored here are intact" in m for m in messages)
        assert await services.store.results.count(batch.id) == stored


async def test_a_running_batch_submitted_here_shows_its_estimate(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_services(tmp_path, cache=cache) as (_sim, services):
        bodies = [
            (f"r{i}", orjson.dumps({"model": "gpt-4o-mini", "max_tokens": 200,
                                    "messages": [{"role": "user", "content": f"q {i}"}]}))
            for i in range(20)
        ]  # fmt: skip
        created = await (await services.providers())["openai"].create_batch(bodies)
        await services.store.batches.insert_local(created)
        await services.store.requests.put(created.id, bodies)
        async with running_app(services, size=(160, 48)) as (app, pilot):
            app.main.table.select(created.id)
            await settle(pilot)
            text = detail_text(app)
            assert "not priced" not in text
            assert re.search(r"≈ \$0\.\d+ estimated \(at most", text), text
            assert "estimated" in text


async def test_an_end_that_watch_recorded_is_toasted(tmp_path: Path, cache: Path) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (sim, services),
        running_app(services, size=(160, 48)) as (app, pilot),
    ):
        await app.sync_batches().wait()
        await settle(pilot)
        running = {b.id for b in app.main.table.batches.values() if not b.is_terminal}
        assert running
        sim.clock.advance(hours=30)  # every running batch ends...
        # ...and `batchtui watch`, another process on the same cache, records it first.
        async with Session.open(services.config, tmp_path / "batchtui.db", env={}) as watch:
            watch.engine.clock = sim.clock.now
            await watch.engine.poll_once()
        await app.sync_batches().wait()
        await settle(pilot)
        titles = [n.title for n in app._notifications]
        assert titles.count("Batch ended") == len(running)
        assert not any(not app.main.table.batches[i].is_terminal for i in running)
