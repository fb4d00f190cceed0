"""Shared pieces of the main screen's tests, snapshots, screenshots and bench.

Everything runs on the in-process simulator with a frozen clock (``speed=0``) that starts at a
fixed instant, and the App is given that clock as "now", so relative times ("3h ago") and
snapshots do not depend on when the tests run.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerState

from tui.cli.demo import DEMO_KEYS, demo_config, label_demo_batches, store_demo_requests
from tui.core.config import Config, Profile, Settings
from tui.core.models import ProviderKind
from tui.sim import SimOptions, Simulator
from tui.ui.app import BatchApp
from tui.ui.services import Services

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""The simulated "now" at the start of every test."""
SEED = 7


def make_sim() -> Simulator:
    return Simulator(SimOptions(seed=SEED, speed=0.0, start=T0))


def services_on(
    sim: Simulator, config: Config, database: Path, *, read_only: bool = False
) -> Services:
    """Unopened services as ``batchtui`` builds them, on ``sim``'s clock, with polling off."""
    return Services(
        config,
        database,
        env={},
        read_only=read_only,
        auto_poll=False,
        clock=sim.clock.now,
        engine_clock=sim.clock.now,
    )


def demo_services_for(sim: Simulator, directory: Path, *, read_only: bool = False) -> Services:
    """The services ``batchtui demo`` builds, on ``sim``."""
    config = demo_config(sim, directory)
    return services_on(sim, config, directory / "batchtui.db", read_only=read_only)


@contextlib.asynccontextmanager
async def demo_services(
    tmp_path: Path, *, read_only: bool = False, cache: Path | None = None
) -> AsyncIterator[tuple[Simulator, Services]]:
    """A started simulator with the demo workspace, and open services on it (polling off).

    With ``cache`` (from :func:`prepare_cache`), the store starts as a copy of it: every batch
    imported and every result downloaded, as after a first poll, without paying for one.
    """
    sim = make_sim()
    await sim.start(host="127.0.0.1", port=0)
    try:
        sim.seed_demo_workspace()
        if cache is not None:
            copy_cache(cache, tmp_path)
        async with demo_services_for(sim, tmp_path, read_only=read_only) as services:
            yield sim, services
    finally:
        await sim.stop()


@contextlib.asynccontextmanager
async def demo_app(
    tmp_path: Path, cache: Path | None = None, *, size: tuple[int, int], read_only: bool = False
) -> AsyncIterator[tuple[BatchApp, Pilot]]:
    """The App on :func:`demo_services` (``app.services``), running at ``size``, its first
    load settled."""
    async with (
        demo_services(tmp_path, read_only=read_only, cache=cache) as (_sim, services),
        running_app(services, size=size) as (app, pilot),
    ):
        yield app, pilot


@contextlib.asynccontextmanager
async def running_app(
    services: Services, *, size: tuple[int, int]
) -> AsyncIterator[tuple[BatchApp, Pilot]]:
    """The App on ``services``, running at ``size``, its first load settled."""
    app = BatchApp(services)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield app, pilot


async def select_batch(pilot: Pilot, batch_id: str) -> None:
    """Put the batch list's cursor on ``batch_id`` and let the detail follow."""
    app = pilot.app
    assert isinstance(app, BatchApp)
    app.main.table.select(batch_id)
    await pilot.pause()


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and every posted message has landed (no sleeps)."""
    app = pilot.app
    for _ in range(50):
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        # A worker started but not yet running (PENDING) is still to come: wait for it too.
        if any(w.is_running or w.state is WorkerState.PENDING for w in app.workers):
            continue
        # pause() waits for the CPU to be idle, which a loaded machine can fake: a message
        # still queued (a worker's result on its way to a label) would change the screen after
        # the snapshot. Done only when every queue is empty and no layout is pending.
        if not _screen_busy(app):
            return


def _screen_busy(app: App) -> bool:
    screen = app.screen
    nodes = [app, screen, *screen.walk_children()]
    return bool(
        screen._layout_required
        or screen._repaint_required
        or screen._dirty_widgets
        or any(node._message_queue.qsize() for node in nodes)
    )


async def import_everything(services: Services) -> None:
    """What the first poll does, done before the App starts: every batch, every result."""
    await services.engine.import_all()
    await services.engine.poll_once()


# --- a cache prepared once, for snapshots and screenshots (they run their own event loop) ------


def prepare_cache(directory: Path) -> Path:
    """A cache database holding the demo workspace as of T0, results downloaded."""
    database = directory / "batchtui.db"
    if database.exists():
        return database
    directory.mkdir(parents=True, exist_ok=True)

    async def build() -> None:
        async with demo_services(directory) as (sim, services):
            await import_everything(services)
            await label_demo_batches(services.store)
            await store_demo_requests(sim, services.store)

    asyncio.run(build())
    return database


def copy_cache(source: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    shutil.copyfile(source, target)
    return target


class CachedBatchApp(BatchApp):
    """The App as ``batchtui`` builds it, on a prepared cache file, before its first poll.

    ``snap_compare`` runs the App with ``App.run()`` (a fresh event loop), so the services are
    built here unopened and the App opens them on Load, in its own loop, and closes them on
    exit. Polling is off and nothing is contacted: the profiles show as not yet polled, as
    they do in the first second of a real start.
    """

    def __init__(self, database: Path, *, read_only: bool = False) -> None:
        services = Services(
            offline_demo_config(database.parent),
            database,
            env={},
            read_only=read_only,
            auto_poll=False,
            clock=lambda: T0,
            engine_clock=lambda: T0,
        )
        super().__init__(services)
        self.database = database


def offline_demo_config(directory: Path) -> Config:
    """The demo's two profiles, pointed at a loopback port nothing listens on."""
    nowhere = "http://127.0.0.1:9"
    profiles = {
        name: Profile(name, ProviderKind(name), api_key=key, base_url=f"{nowhere}/{name}")
        for name, key in DEMO_KEYS.items()
    }
    return Config(path=directory / "demo.toml", profiles=profiles)


# --- what a user sees: the cache after one real poll of the simulator (snapshots, screenshots) --

LATER = timedelta(minutes=10)
"""How long after the prepared cache's last sync the App polls: the running batches move, some
end, and two samples of their counts give the list its ETAs."""


@contextlib.contextmanager
def demo_sim_in_thread() -> Iterator[Simulator]:
    """The demo's simulator, served from a thread and an event loop of its own, its frozen
    clock :data:`LATER` past the prepared cache's.

    ``snap_compare`` runs each App in a fresh event loop; a simulator in this thread serves
    the App's SDK calls over loopback whatever loop the App runs in. Same seed and start as
    :func:`prepare_cache`, so it holds the very batches that cache knows.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="demo-sim", daemon=True)
    thread.start()

    def call(work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, loop).result(timeout=60)

    sim = make_sim()

    async def start() -> None:
        await sim.start(host="127.0.0.1", port=0)
        sim.seed_demo_workspace()
        sim.clock.advance(seconds=LATER.total_seconds())

    try:
        call(start())
        yield sim
    finally:
        call(sim.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


class PolledBatchApp(BatchApp):
    """The App as a user sees it: ``batchtui`` on a cache it synced earlier, after its first
    poll of the simulator (``sim``, from :func:`demo_sim_in_thread`) has ended.

    The demo's profiles and keys (in memory only), polling on with a minute between polls (so
    no second poll lands during a snapshot), "now" the simulator's frozen clock, and a frozen
    countdown clock: the status bar says "next poll 1m 00s" on every run. Run
    :func:`after_first_poll` before the picture.
    """

    def __init__(self, database: Path, sim: Simulator, *, read_only: bool = False) -> None:
        config = demo_config(sim, database.parent)
        config = dataclasses.replace(config, settings=Settings(poll_interval=60.0))
        services = Services(
            config,
            database,
            env={},
            read_only=read_only,
            auto_poll=True,
            clock=sim.clock.now,
            engine_clock=sim.clock.now,
            timer=lambda: 0.0,
        )
        super().__init__(services)
        self.database = database


async def after_first_poll(pilot: Pilot) -> None:
    """Wait for the first poll to end; clear its toasts ("Batch ended"), which would otherwise
    be in a picture or not depending on how long it took."""
    await settle(pilot)
    pilot.app.clear_notifications()
    await settle(pilot)
