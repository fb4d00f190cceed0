"""The submit screen over the simulator: check, estimate, confirm, submit, refuse twice.

Each test pushes :class:`SubmitScreen` onto the real BatchApp, types into it through Pilot and
awaits the workers (no sleeps). What reached the provider is read from the simulator's state.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from builders import params, write_requests
from main_support import running_app, settle
from submit_support import (
    OPENAI_PROFILE,
    PROFILE,
    sim_batch_count,
    sim_services,
    text_of,
    write_openai_requests,
)
from textual.widgets import Button, Input, ProgressBar, Select

import tui.ui.screens.submit as submit_screen
from tui.sim import Simulator
from tui.ui.app import BatchApp
from tui.ui.commands import BatchCommands
from tui.ui.messages import CreateProgressed
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.submit import SubmitScreen, complete_path
from tui.ui.services import Services

SIZE = (120, 40)


async def open_submit(app: BatchApp, services: Services, results: list) -> SubmitScreen:
    screen = SubmitScreen(services)
    await app.push_screen(screen, results.append)
    return screen


async def check(pilot, path: Path) -> None:
    """Type the path and press Enter, as a user would; wait for check and estimate."""
    pilot.app.screen.query_one("#submit-path", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_bad_file_lists_every_problem_by_line_and_sends_nothing(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "bad.jsonl", 5)
    lines = path.read_bytes().splitlines()
    lines[1] = b"{not json"
    lines[3] = b'{"custom_id": "req-0000", "params": {"model": "m"}}'
    path.write_bytes(b"\n".join(lines) + b"\n")
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        before = sim_batch_count(sim)
        screen = await open_submit(app, services, [])
        await check(pilot, path)

        problems = text_of(pilot, "#submit-problems")
        assert "line 2: invalid JSON" in problems
        assert "line 4:" in problems
        assert "problem(s); nothing can be sent" in text_of(pilot, "#submit-summary")
        assert screen.query_one("#submit-go", Button).disabled
        assert screen.plan is None
        assert sim_batch_count(sim) == before
        assert await services.store.batches.list() == []


async def test_untrusted_text_in_problems_is_shown_literally(
    sim: Simulator, tmp_path: Path
) -> None:
    path = tmp_path / "markup.jsonl"
    custom_id = "[bold]x[/bold]\x1b]52;c;aGk=\x07"  # markup, and an OSC 52 clipboard write
    line = orjson.dumps({"custom_id": custom_id, "params": params(0)}) + b"\n"
    path.write_bytes(line * 2)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        await open_submit(app, services, [])
        await check(pilot, path)
        problems = text_of(pilot, "#submit-problems")
        assert problems.startswith("line 1: ")
        assert "line 2: custom_id '[bold]x[/bold]" in problems  # not parsed as markup
        assert "\x1b" not in problems
        assert "\x07" not in problems


async def test_a_good_file_is_estimated_confirmed_and_created(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "good.jsonl", 12)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        results: list = []
        screen = await open_submit(app, services, results)
        screen.query_one("#submit-label", Input).value = "nightly"
        await check(pilot, path)

        assert "12 anthropic requests" in text_of(pilot, "#submit-summary")
        estimate = text_of(pilot, "#submit-estimate")
        assert "input tokens:" in estimate
        assert "counted exactly" in estimate
        assert "cost:" in estimate
        go = screen.query_one("#submit-go", Button)
        assert not go.disabled
        assert str(go.label) == "Submit"
        assert sim_batch_count(sim)[0] == 0

        await pilot.click("#submit-go")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.focused is not None
        assert app.focused.id == "cancel"
        await pilot.click("#confirm")
        await settle(pilot)

        assert len(results) == 1
        assert len(results[0]) == 1
        [batch_id] = results[0]
        assert batch_id in sim.state.anthropic
        assert len(sim.state.anthropic[batch_id].table.custom_ids) == 12
        stored = await services.store.batches.get(batch_id)
        assert stored.label == "nightly"
        assert stored.profile == PROFILE
        assert await services.store.requests.count(batch_id) == 12
        assert not isinstance(app.screen, SubmitScreen)
        assert any(batch_id in str(n.message) for n in app._notifications)


async def test_cancel_in_the_confirm_sends_nothing(sim: Simulator, tmp_path: Path) -> None:
    path = write_requests(tmp_path / "good.jsonl", 3)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        results: list = []
        screen = await open_submit(app, services, results)
        await check(pilot, path)
        before = sim_batch_count(sim)

        await pilot.click("#submit-go")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # focus is on Cancel
        await settle(pilot)

        assert app.screen is screen
        assert results == []
        assert sim_batch_count(sim) == before
        assert await services.store.batches.list() == []
        assert not screen.query_one("#submit-go", Button).disabled  # can still submit


async def test_a_file_submitted_before_is_explained_and_can_be_forced(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "twice.jsonl", 4)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        first: list = []
        await open_submit(app, services, first)
        await check(pilot, path)
        await pilot.click("#submit-go")
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)
        [[first_id]] = first

        app.clear_notifications()  # keep toasts off the buttons
        again: list = []
        screen = await open_submit(app, services, again)
        await check(pilot, path)
        summary = text_of(pilot, "#submit-summary")
        assert f"Already submitted as {first_id}" in summary
        go = screen.query_one("#submit-go", Button)
        assert str(go.label) == "Submit anyway"

        await pilot.click("#submit-go")
        await pilot.pause()
        assert "submitted before" in str(app.screen.query_one("#confirm-stakes").content)
        await pilot.click("#confirm")
        await settle(pilot)

        [[second_id]] = again
        assert second_id != first_id
        assert set(sim.state.anthropic) == {first_id, second_id}


async def test_progress_bar_follows_the_submission(sim: Simulator, tmp_path: Path) -> None:
    path = write_requests(tmp_path / "progress.jsonl", 2)
    messages: list = []
    async with sim_services(sim, tmp_path) as services:
        app = BatchApp(services)
        async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
            screen = await open_submit(app, services, [])
            await check(pilot, path)
            bar = screen.query_one("#submit-progress", ProgressBar)
            await pilot.click("#submit-go")
            await pilot.pause()
            await pilot.click("#confirm")
            await settle(pilot)

            stages = [m.step.stage for m in messages if isinstance(m, CreateProgressed)]
            assert stages[0] == "starting"
            assert "creating" in stages
            assert "created" in stages
            assert bar.total == 1
            assert bar.progress == 1


async def test_read_only_mode_checks_but_never_submits(sim: Simulator, tmp_path: Path) -> None:
    path = write_requests(tmp_path / "ro.jsonl", 3)
    async with (
        sim_services(sim, tmp_path, read_only=True) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        screen = await open_submit(app, services, [])
        await check(pilot, path)
        assert "3 anthropic requests" in text_of(pilot, "#submit-summary")
        assert screen.query_one("#submit-go", Button).disabled


async def test_changing_the_path_after_a_check_asks_for_a_new_check(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "one.jsonl", 2)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        screen = await open_submit(app, services, [])
        await check(pilot, path)
        assert not screen.query_one("#submit-go", Button).disabled
        screen.query_one("#submit-path", Input).value = str(tmp_path / "other.jsonl")
        await pilot.pause()
        assert screen.query_one("#submit-go", Button).disabled
        assert "press Check again" in text_of(pilot, "#submit-summary")


def test_path_completion_prefers_directories_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "requests.jsonl").write_text("")
    (tmp_path / "requests.txt").write_text("")
    (tmp_path / "runs").mkdir()
    base = str(tmp_path)
    assert complete_path(f"{base}/req") == f"{base}/requests.jsonl"
    assert complete_path(f"{base}/ru") == f"{base}/runs/"
    assert complete_path(f"{base}/requests.t") == f"{base}/requests.txt"
    assert complete_path(f"{base}/zzz") is None
    assert complete_path(f"{base}/missing/x") is None


async def test_typing_a_path_suggests_the_file_and_right_accepts_it(
    sim: Simulator, tmp_path: Path
) -> None:
    write_requests(tmp_path / "requests.jsonl", 1)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        screen = await open_submit(app, services, [])
        box = screen.query_one("#submit-path", Input)
        box.value = f"{tmp_path}/req"
        box.cursor_position = len(box.value)
        await settle(pilot)
        await pilot.press("right")
        assert box.value == f"{tmp_path}/requests.jsonl"


async def test_q_does_not_quit_while_batches_are_being_created(
    sim: Simulator, tmp_path: Path
) -> None:
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        screen = await open_submit(app, services, [])
        screen.query_one("#submit-close", Button).focus()
        screen.busy = True  # as between the confirm and the last batch
        await pilot.press("q")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
        assert app.screen is screen
        screen.busy = False
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_the_profile_follows_the_file_and_two_models_make_two_batches(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_openai_requests(tmp_path / "openai.jsonl", 6)
    async with (
        sim_services(sim, tmp_path, openai=True) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        results: list = []
        screen = await open_submit(app, services, results)
        profile = screen.query_one("#submit-profile", Select)
        assert profile.value is Select.NULL  # two profiles: the file decides
        await check(pilot, path)

        assert profile.value == OPENAI_PROFILE
        assert "→ 2 batches on profile o" in text_of(pilot, "#submit-summary")
        assert "estimated locally" in text_of(pilot, "#submit-estimate")
        bar = screen.query_one("#submit-progress", ProgressBar)
        await pilot.click("#submit-go")
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)

        assert bar.total == 2
        assert bar.progress == 2
        [ids] = results
        assert len(ids) == 2
        assert set(ids) == set(sim.state.openai)
        assert sim.state.anthropic == {}


async def test_an_unexpected_failure_is_reported_and_the_screen_recovers(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("[red]boom[/red]")

    monkeypatch.setattr(submit_screen, "estimate_file", broken)
    path = write_requests(tmp_path / "boom.jsonl", 2)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        screen = await open_submit(app, services, [])
        await check(pilot, path)
        toasts = [n for n in app._notifications if "boom" in str(n.message)]
        assert toasts
        assert not toasts[0].markup
        assert "estimate failed: [red]boom[/red]" in text_of(pilot, "#submit-summary")
        assert screen.query_one("#submit-go", Button).disabled
        assert not screen.query_one("#submit-check", Button).disabled


async def test_n_on_the_batch_list_opens_submit_and_lists_the_new_batch(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "from-main.jsonl", 3)
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, SubmitScreen)
        await check(pilot, path)
        await pilot.click("#submit-go")
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)

        assert app.screen is app.main
        [batch_id] = list(sim.state.anthropic)
        assert batch_id in app.main.table.batches
        titles = [title for title, _, _ in BatchCommands(app.main)._available()]
        assert "Submit a requests file" in titles


def test_only_the_file_name_is_bold_in_the_problem_summary() -> None:
    from tui.core.submit.validate import FileScan, Problem
    from tui.ui.screens.submit_report import invalid_summary

    scan = FileScan(Path("bad.jsonl"), count=3, problems=[Problem(2, "invalid JSON")])
    text = invalid_summary(scan)
    bold = {text.plain[s.start : s.end] for s in text.spans if "bold" in str(s.style)}
    assert bold == {"bad.jsonl: "}
    assert not text.style  # nothing else inherits the file name's bold


async def test_the_summary_warns_about_what_the_provider_would_refuse(
    sim: Simulator, tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "warn.jsonl", 3)
    with path.open("ab") as handle:
        too_long = {**params(3), "max_tokens": 100_000}
        handle.write(orjson.dumps({"custom_id": "long", "params": too_long}) + b"\n")
    async with (
        sim_services(sim, tmp_path) as services,
        running_app(services, size=SIZE) as (app, pilot),
    ):
        screen = await open_submit(app, services, [])
        await check(pilot, path)
        summary = text_of(pilot, "#submit-summary")
        assert "4 anthropic requests" in summary
        assert "warning: line 4: max_tokens 100,000 is over the 64,000 output tokens" in summary
        assert "the provider's catalogue may be newer" in summary
        assert not screen.query_one("#submit-go", Button).disabled  # only a warning
