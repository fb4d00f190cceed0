"""Shared pieces of the main screen's tests, snapshots, screenshots and bench.

Everything runs on the in-process simulator with a frozen clock (``speed=0``) that starts at a
fixed instant, and the App is given that clock as "now", so relative times ("3h ago") and
snapshots do not depend on when the tests run.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerState

from tui.app import BatchApp
from tui.cli.demo import demo_config, label_demo_batches
from tui.core.config import Config
from tui.core.events import ProfileHealth, ProfileStatus
from tui.core.session import Session
from tui.core.store import Store
from tui.services import Services
from tui.sim import SimOptions, Simulator

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
"""The simulated "now" at the start of every test."""
SEED = 7


def make_sim() -> Simulator:
    return Simulator(SimOptions(seed=SEED, speed=0.0, start=T0))


@contextlib.asynccontextmanager
async def demo_services(
    tmp_path: Path, *, read_only: bool = False, cache: Path | None = None
) -> AsyncIterator[tuple[Simulator, Services]]:
    """A started simulator with the demo workspace, and services on it (polling off).

    With ``cache`` (from :func:`prepare_cache`), the store starts as a copy of it: every batch
    imported and every result downloaded, as after a first poll, without paying for one.
    """
    sim = make_sim()
    await sim.start(host="127.0.0.1", port=0)
    try:
        sim.seed_demo_workspace()
        config = demo_config(sim, tmp_path)
        if cache is not None:
            copy_cache(cache, tmp_path)
        async with Session.open(config, tmp_path / "batchtui.db", env={}) as session:
            session.engine.clock = sim.clock.now
            yield (
                sim,
                Services(
                    session.store,
                    session.engine,
                    config,
                    read_only=read_only,
                    auto_poll=False,
                    clock=sim.clock.now,
                ),
            )
    finally:
        await sim.stop()


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and every posted message has landed (no sleeps)."""
    app = pilot.app
    for _ in range(20):
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        # A worker started but not yet running (PENDING) is still to come: wait for it too.
        if not any(w.is_running or w.state is WorkerState.PENDING for w in app.workers):
            return


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
        async with demo_services(directory) as (_sim, services):
            await import_everything(services)
            await label_demo_batches(services.store)

    asyncio.run(build())
    return database


def copy_cache(source: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    shutil.copyfile(source, target)
    return target


class StubEngine:
    """Stands in for the sync engine where nothing is polled (snapshots, screenshots)."""

    def __init__(self, profiles: tuple[str, ...] = ("anthropic", "openai")) -> None:
        self.statuses = {
            name: ProfileStatus(name, ProfileHealth.OK, last_ok=T0) for name in profiles
        }
        self.on_event: Callable | None = None

    def next_delay(self) -> float:
        return 15.0

    async def close(self) -> None:
        return None


class CachedBatchApp(BatchApp):
    """BatchApp on a prepared cache file, opened inside the App's own event loop.

    ``snap_compare`` runs the App with ``App.run()`` (a fresh event loop), so the store cannot
    be opened before; it is opened on Load, before the screen mounts, and closed on exit.
    """

    def __init__(self, database: Path, *, read_only: bool = False) -> None:
        config = Config(path=database.parent / "none.toml", profiles={})
        services = Services(
            store=None,  # type: ignore[arg-type]  # opened in on_load
            engine=StubEngine(),  # type: ignore[arg-type]
            config=config,
            read_only=read_only,
            auto_poll=False,
            clock=lambda: T0,
        )
        super().__init__(services)
        self.database = database

    async def on_load(self) -> None:
        self.services.store = await Store.open(self.database)

    async def on_unmount(self) -> None:
        await self.services.store.close()
