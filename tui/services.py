"""What the App is given to work with: the store, the sync engine and the config.

The CLI (or a test) builds these and hands them in; the App never opens a database or a
provider itself. Tests pass ``auto_poll=False`` and drive polls explicitly, and a fixed
``clock`` so that relative times ("3h ago") do not depend on when the test runs.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tui.core.config import Config
from tui.core.errors import ConfigError
from tui.core.events import ProfileHealth, ProfileStatus, SyncEvent
from tui.core.models import Batch, ProviderKind, utcnow
from tui.core.store import Store

if TYPE_CHECKING:
    from tui.core.sync import SyncEngine


def local_now() -> datetime:
    """The wall clock in the viewer's time zone (absolute times are shown in this zone)."""
    return datetime.now().astimezone()


@dataclass
class Services:
    """Everything the TUI talks to."""

    store: Store
    engine: SyncEngine | DeferredEngine
    config: Config
    read_only: bool = False
    """Hide and refuse every action that changes anything at a provider."""
    auto_poll: bool = True
    """Poll on a timer; tests turn it off and call ``BatchApp.sync_batches()`` themselves."""
    clock: Callable[[], datetime] = field(default=local_now)
    """"Now" for relative times; the demo passes the simulator's clock, tests a fixed one."""


class DeferredEngine:
    """The sync engine, built when first needed, so the first paint never waits for the SDKs.

    Importing the Anthropic and OpenAI SDKs costs seconds on a cold start, and building a
    provider imports its SDK. ``batchtui`` therefore opens the cache, paints the list, and only
    then (on the first poll) builds the providers, importing the SDKs in a thread so the event
    loop keeps drawing. It offers the same methods as :class:`~tui.core.sync.SyncEngine`.
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.config = config
        self.env = env
        self.clock = clock
        self._on_event: Callable[[SyncEvent], None] | None = None
        self._engine: SyncEngine | None = None
        self._lock: asyncio.Lock | None = None
        self._waiting = {
            name: ProfileStatus(name, ProfileHealth.UNKNOWN) for name in config.profiles
        }

    @property
    def statuses(self) -> dict[str, ProfileStatus]:
        return self._engine.statuses if self._engine else self._waiting

    @property
    def on_event(self) -> Callable[[SyncEvent], None] | None:
        return self._on_event

    @on_event.setter
    def on_event(self, callback: Callable[[SyncEvent], None] | None) -> None:
        self._on_event = callback
        if self._engine is not None:
            self._engine.on_event = callback

    async def engine(self) -> SyncEngine:
        """The real engine, built on the first call (later calls wait for the same one)."""
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if self._engine is None:
                self._engine = await self._build()
        return self._engine

    async def _build(self) -> SyncEngine:
        from tui.core.providers.factory import make_provider
        from tui.core.sync import SyncEngine

        profiles = list(self.config.profiles.values())
        await asyncio.to_thread(_import_sdks, {p.provider for p in profiles})
        providers, problems = {}, []
        for profile in profiles:
            try:
                providers[profile.name] = make_provider(profile, self.env)
            except ConfigError as exc:
                problems.append(ProfileStatus(profile.name, ProfileHealth.MISCONFIGURED, str(exc)))
        engine = SyncEngine(
            self.store, providers, self.config.settings, on_event=self._on_event, clock=self.clock
        )
        for status in problems:
            engine.report_status(status)
        return engine

    async def import_all(self) -> list[SyncEvent]:
        return await (await self.engine()).import_all()

    async def poll_once(self) -> list[SyncEvent]:
        return await (await self.engine()).poll_once()

    async def download_results(self, batch_id: str) -> int:
        return await (await self.engine()).download_results(batch_id)

    async def cancel(self, batch_id: str) -> Batch:
        return await (await self.engine()).cancel(batch_id)

    async def delete(self, batch_id: str) -> None:
        await (await self.engine()).delete(batch_id)

    def next_delay(self) -> float:
        if self._engine is None:
            return self.config.settings.poll_interval
        return self._engine.next_delay()

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.close()


def _import_sdks(kinds: set[ProviderKind]) -> None:
    """Import the SDKs the profiles need (run in a thread: it takes seconds when cold)."""
    for kind in kinds:
        importlib.import_module(kind.value)
