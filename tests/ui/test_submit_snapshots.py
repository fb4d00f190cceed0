"""Snapshots of the submit screen and the retry modal at 120x36 (regenerate with
``--snapshot-update`` and review the SVGs).

``snap_compare`` runs the App in an event loop of its own, so the simulator and the session
(store and providers) are started inside it, on Load, and stopped on Unmount. Deterministic by
construction: seeded simulators on a frozen clock that starts at a fixed instant (the App's
"now" too), no polling, every file in the test's temporary directory and named relative to it
(the test runs there), and no blinking cursor in view.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from builders import params, write_requests
from main_support import T0, select_batch, settle
from submit_support import (
    FAILING,
    failed_batch,
    sim_config,
    sim_services_for,
)
from textual.pilot import Pilot
from textual.widgets import Input

from tui.sim import SimOptions, Simulator
from tui.ui.app import BatchApp
from tui.ui.screens.retry import RetryScreen
from tui.ui.screens.submit import SubmitScreen
from tui.ui.services import Services

SIZE = (120, 36)
CLEAN = SimOptions(seed=1234, speed=0.0, expire_rate=0.0, error_rate=0.0, start=T0)
"""The simulator of ``conftest.sim``: no errors, no expiry."""
FAILING_AT_T0 = SimOptions(**FAILING, start=T0)

Prepare = Callable[[Simulator, Services], Awaitable[object]]


class SimBatchApp(BatchApp):
    """BatchApp on a simulator and a session (profile ``a``) opened in the App's event loop.

    The App is built with placeholder services; on Load, before the BatchApp's own handler
    reads the store, the simulator starts, :func:`submit_support.sim_services` opens the
    session and its services are copied into the placeholder (the main screen holds the same
    object), then ``prepare`` runs (e.g. creates a batch); what it returns is kept in
    ``prepared``.
    """

    def __init__(self, directory: Path, options: SimOptions, prepare: Prepare | None = None):
        self.sim = Simulator(options)
        self.directory = directory
        self.prepare = prepare
        self.prepared: object = None
        self._stack = contextlib.AsyncExitStack()
        # The simulator's address is known only once it listens, in the App's own loop: the
        # services get their config then, before the App opens them.
        super().__init__(sim_services_for(self.sim, directory))

    async def on_load(self) -> None:
        await self.sim.start(host="127.0.0.1", port=0)
        self._stack.push_async_callback(self.sim.stop)
        self.services.config = sim_config(self.sim, self.directory)
        await self.services.open()
        self._stack.push_async_callback(self.services.close)
        if self.prepare is not None:
            self.prepared = await self.prepare(self.sim, self.services)
        await super().on_load()

    async def on_unmount(self) -> None:
        await self._stack.aclose()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's temporary directory, made the working directory: files are named relative
    to it, so no temporary path reaches the screen."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def check_file(pilot: Pilot, name: str) -> None:
    """``n`` on the batch list, the file name typed in and Enter: check and estimate."""
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    pilot.app.screen.query_one("#submit-path", Input).value = name
    await pilot.press("enter")
    await settle(pilot)


# --- submit -----------------------------------------------------------------------------------


def test_submit_checked_file_with_estimate(snap_compare, workdir: Path) -> None:
    write_requests(Path("requests.jsonl"), 12)
    app = SimBatchApp(workdir, CLEAN)

    async def run_before(pilot: Pilot) -> None:
        await check_file(pilot, "requests.jsonl")
        assert isinstance(pilot.app.screen, SubmitScreen)
        assert pilot.app.screen.estimate is not None
        assert pilot.app.focused is not None
        assert pilot.app.focused.id == "submit-go"  # the path box (and its cursor) is blurred

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def write_bad_requests(path: Path) -> Path:
    """Eight lines, five of them wrong in a different way each (one custom_id holds markup,
    to be shown literally)."""
    write_requests(path, 8)
    lines = path.read_bytes().splitlines()
    lines[1] = b"{not json"
    no_tokens = {k: v for k, v in params(2).items() if k != "max_tokens"}
    lines[2] = orjson.dumps({"custom_id": "req-0002", "params": no_tokens})
    lines[4] = orjson.dumps({"custom_id": "req-0000", "params": params(4)})  # a duplicate
    lines[5] = b'["req-0005"]'
    lines[6] = orjson.dumps({"custom_id": "[bold]x[/bold]", "params": params(6)})
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_submit_file_with_bad_lines(snap_compare, workdir: Path) -> None:
    write_bad_requests(Path("bad.jsonl"))
    app = SimBatchApp(workdir, CLEAN)

    async def run_before(pilot: Pilot) -> None:
        await check_file(pilot, "bad.jsonl")
        assert isinstance(pilot.app.screen, SubmitScreen)
        assert pilot.app.screen.plan is None  # nothing can be sent
        # Focus stays in the path box: a steady cursor, not one caught mid-blink.
        pilot.app.screen.query_one("#submit-path", Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# --- retry ------------------------------------------------------------------------------------


def test_retry_failed_requests_of_an_ended_batch(snap_compare, workdir: Path) -> None:
    app = SimBatchApp(workdir, FAILING_AT_T0, prepare=failed_batch)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        assert isinstance(app.prepared, str)  # the failed batch's id
        await select_batch(pilot, app.prepared)
        await pilot.press("R")  # as a user would, on the batch list
        await settle(pilot)
        assert isinstance(app.screen, RetryScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
