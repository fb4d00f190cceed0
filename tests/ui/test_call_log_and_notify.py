"""The ``@`` call log screen and the batch-end terminal notification, on the simulator.

The calls on screen are the real SDK calls the App made to the in-process simulator; what the
notifier writes to the terminal is read from Textual's driver.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from call_log_support import CallLogApp
from main_support import copy_cache, demo_services, settle

from tui.cli.demo import DEMO_KEYS
from tui.core.config import Settings
from tui.core.models import BatchStatus
from tui.ui.app import BatchApp
from tui.ui.screens.call_log import CallLogScreen
from tui.ui.screens.main import MainScreen


def table_text(screen: CallLogScreen) -> list[str]:
    table = screen.table
    return [table.row_text(row) for row in range(table.row_count)]


async def test_at_lists_the_calls_of_this_session_newest_first_with_the_429s(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_services(tmp_path, cache=cache) as (sim, services):
        sim.faults.inject(route="anthropic.list", kind="429", count=2)
        app = BatchApp(services)
        async with app.run_test(size=(120, 40)) as pilot:
            app.sync_batches()
            await settle(pilot)
            await pilot.press("at")
            screen = app.screen
            assert isinstance(screen, CallLogScreen)
            calls = services.call_log.records()
            rows = table_text(screen)
            assert len(rows) == len(calls) > 3
            assert rows[0].split()[1] == calls[0].profile  # newest first
            limited = [row for row in rows if "⚠ 429" in row]
            assert len(limited) == 2
            assert all("10 ms" in row for row in limited)  # the retry-after honoured
            keys = " ".join(rows) + str(screen.query_one("#calls-title").render())
            assert not any(key in keys for key in DEMO_KEYS.values())

            await pilot.press("t")  # only trouble
            assert len(table_text(screen)) == 2
            await pilot.press("t", "slash", *"/openai/")
            shown = table_text(screen)
            assert 0 < len(shown) < len(rows)
            assert all("/openai/" in row for row in shown)

            await pilot.press("escape", "escape")  # leaves the filter, then the screen
            assert isinstance(app.screen, MainScreen)


def pane_text(screen: CallLogScreen) -> str:
    return str(screen.query_one("#calls-detail").render())


def request_id_under_cursor(screen: CallLogScreen) -> str:
    """The request id as the highlighted row draws it (its last cell)."""
    table = screen.table
    return table.row_text(table.cursor_row).split()[-1]


async def test_the_pane_under_the_calls_follows_the_cursor_in_the_same_frame(
    tmp_path: Path, cache: Path
) -> None:
    """Each move is what its key runs, with no await after it: no message is handled and no
    frame drawn before the check, so the pane must already show the highlighted call."""
    app = CallLogApp(copy_cache(cache, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("at")
        screen = app.screen
        assert isinstance(screen, CallLogScreen)
        table = screen.table

        def down() -> None:
            table.action_cursor(1)

        def up() -> None:
            table.action_cursor(-1)

        moves = [down] * 4 + [
            screen.action_toggle_trouble,  # t: the 429s and the 503 only
            down,
            down,
            up,
            screen.action_toggle_trouble,  # t again: every call, the cursor on the same one
            down,
        ]
        seen = set()
        for move in moves:
            move()
            request_id = request_id_under_cursor(screen)
            assert request_id, move
            assert request_id in pane_text(screen), move
            seen.add(request_id)
        assert len(seen) >= 6  # the moves went through many calls


async def test_the_open_call_log_shows_new_calls_as_they_happen(
    tmp_path: Path, cache: Path
) -> None:
    async with demo_services(tmp_path, cache=cache) as (_sim, services):
        app = BatchApp(services)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("at")
            screen = app.screen
            assert isinstance(screen, CallLogScreen)
            assert table_text(screen) == []
            app.sync_batches()
            await settle(pilot)
            screen._refresh_if_new()  # what its one-second timer does
            assert len(table_text(screen)) == len(services.call_log.records()) > 0
            await pilot.press("q")  # q goes back from here; it quits from the list only
            assert isinstance(app.screen, MainScreen)
            assert app.is_running


async def test_a_batch_ending_sends_a_terminal_notification_through_the_driver(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with demo_services(tmp_path, cache=cache) as (sim, services):
        marker = tmp_path / "ran.txt"
        command = (
            sys.executable,
            "-c",
            f"import os; open({str(marker)!r}, 'w').write(os.environ['BATCHTUI_STATUS'])",
        )
        services.config = dataclasses.replace(
            services.config,
            settings=Settings(notify_terminal=True, on_batch_end=command, bell=False),
        )
        app = BatchApp(services)
        async with app.run_test(size=(120, 40)) as pilot:
            written: list[str] = []
            monkeypatch.setattr(app._driver, "write", written.append)
            app.sync_batches()
            await settle(pilot)
            running = [
                b for b in app.main.table.batches.values() if b.status is BatchStatus.IN_PROGRESS
            ]
            assert running
            sim.clock.advance(hours=30)  # every batch ends, or expires
            app.sync_batches()
            await settle(pilot)
            notes = [w for w in written if w.startswith("\x1b]9;")]
            assert len(notes) >= len(running)
            assert all(note.endswith("\x07") and note.count("\x07") == 1 for note in notes)
            assert all(note.startswith("\x1b]9;batchtui: ") for note in notes)
            assert marker.read_text() in {s.value for s in BatchStatus if s.is_terminal}
