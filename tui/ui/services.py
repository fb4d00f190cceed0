"""What the App is given to work with: the config, the cache and the sync engine, as one object.

:class:`Services` is the one way the TUI is wired, by the ``batchtui`` command, by
``batchtui demo`` and by every test, screenshot and bench::

    services = Services(config, paths.database, env=os.environ)
    async with services:                 # opens the cache (the App opens it too if need be)
        await BatchApp(services).run_async()

The App never opens a database or a provider itself. The store opens on :meth:`Services.open`
(``BatchApp`` calls it on Load, so an App built in another event loop, as snapshot tests do,
opens its own); the providers come up behind the first paint, through :class:`DeferredEngine`.
Tests pass ``auto_poll=False`` and drive polls explicitly, and fixed clocks so that relative
times ("3h ago") and the poll countdown do not depend on when the test runs.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from tui.core.calllog import CallLog
from tui.core.config import STANDARD_KEY_VARIABLES, Config, Profile
from tui.core.errors import BatchtuiError, ConfigError, StoreNotWritable
from tui.core.events import ProfileHealth, ProfileStatus, SyncEvent
from tui.core.models import Batch, ProviderKind, utcnow
from tui.core.store import Store

if TYPE_CHECKING:
    from tui.core.providers.base import Provider
    from tui.core.sync import SyncEngine


def local_now() -> datetime:
    """The wall clock in the viewer's time zone (absolute times are shown in this zone)."""
    return datetime.now().astimezone()


class ServicesClosed(BatchtuiError):
    """The cache was used before :meth:`Services.open` (or after :meth:`Services.close`)."""


class Services:
    """Everything the TUI talks to; see the module docstring."""

    def __init__(
        self,
        config: Config,
        database: Path,
        *,
        env: Mapping[str, str] | None = None,
        read_only: bool = False,
        auto_poll: bool = True,
        clock: Callable[[], datetime] = local_now,
        engine_clock: Callable[[], datetime] = utcnow,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.database = database
        self.env = env
        """Where API keys named by ``api_key_env`` are read (None: the process environment)."""
        self.read_only = read_only
        """Hide and refuse every action that changes anything at a provider."""
        self.auto_poll = auto_poll
        """Poll on a timer; tests turn it off and call ``BatchApp.sync_batches()`` themselves."""
        self.cache_problem: str | None = None
        """Why the cache could only be opened read-only (see :meth:`open`); None when writable."""
        self.clock = clock
        """"Now" for relative times; the demo passes the simulator's clock, tests a fixed one."""
        self.engine_clock = engine_clock
        """"Now" for the sync engine's records (UTC)."""
        self.timer = timer
        """Seconds on a monotonic clock, for the countdown to the next poll ("next poll 12s");
        screenshots pass a frozen one."""
        self.call_log = CallLog()
        """Every HTTP call the providers make this session (the ``@`` screen)."""
        self._store: Store | None = None
        self._engine: DeferredEngine | None = None

    # --- life cycle ------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._store is not None

    async def open(self) -> None:
        """Open the cache and set up the engine (a no-op when already open).

        A cache that exists but cannot be written (a read-only data directory or file system)
        is opened read-only, as ``batchtui ls`` does: then nothing is polled or changed, every
        such action is refused with :attr:`cache_problem` as the reason, and the status bar
        says so. With no cache to read, the :class:`StoreNotWritable` goes up."""
        if self._store is not None:
            return
        try:
            store = await Store.open(self.database)
        except StoreNotWritable as exc:
            if not self.database.is_file():
                raise
            store = await Store.open(self.database, read_only=True)
            self.cache_problem = str(exc)
            self.read_only, self.auto_poll = True, False
        self._engine = DeferredEngine(
            store, self.config, env=self.env, clock=self.engine_clock, call_log=self.call_log
        )
        self._store = store

    async def close(self) -> None:
        """Close the providers, then the cache."""
        engine, store = self._engine, self._store
        self._engine = self._store = None
        if engine is not None:
            await engine.close()
        if store is not None:
            await store.close()

    async def __aenter__(self) -> Services:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # --- what the screens use --------------------------------------------------------------------

    @property
    def read_only_why(self) -> str:
        """The few words the status bar gives after "read-only" ("" for ``--read-only``)."""
        return "cache not writable" if self.cache_problem is not None else ""

    def read_only_words(self) -> str:
        """Why an action that would change something is refused (read-only mode, or a cache
        that cannot be written), in one sentence for a toast."""
        if self.cache_problem is not None:
            return f"Read-only: {self.cache_problem}; nothing is polled or changed."
        return "Read-only mode: nothing is changed at the provider."

    @property
    def store(self) -> Store:
        if self._store is None:
            raise ServicesClosed("the cache is not open")
        return self._store

    @property
    def engine(self) -> DeferredEngine:
        if self._engine is None:
            raise ServicesClosed("the cache is not open")
        return self._engine

    def profile_gone(self, batch: Batch) -> str | None:
        """Why nothing can be done at the provider to a cached ``batch`` whose profile is no
        longer in the config (None while it is): there is no key or endpoint to use."""
        if batch.profile in self.config.profiles:
            return None
        return (
            f"Profile {batch.profile!r} is no longer in the config ({self.config.path}): "
            "its batches can be read here, not changed."
        )

    def usable_profiles(self) -> list[str]:
        """Profiles that can reach their provider (a key resolves), in config order."""
        return self.engine.usable_profiles()

    async def providers(self) -> Mapping[str, Provider]:
        """The open provider of every usable profile (built on first use)."""
        return (await self.engine.engine()).providers


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
        call_log: CallLog | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.env = env
        self.clock = clock
        self.call_log = call_log
        self._on_event: Callable[[SyncEvent], None] | None = None
        self._engine: SyncEngine | None = None
        self._lock: asyncio.Lock | None = None
        self._waiting = {
            name: _first_status(profile, env) for name, profile in config.profiles.items()
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

    def usable_profiles(self) -> list[str]:
        """Profiles whose key resolves, in config order; cheap, no SDK is imported for it."""
        if self._engine is not None:
            return [name for name in self.config.profiles if name in self._engine.providers]
        return [
            name for name, profile in self.config.profiles.items() if _has_key(profile, self.env)
        ]

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
                providers[profile.name] = make_provider(profile, self.env, call_log=self.call_log)
            except ConfigError as exc:
                reason = key_problem(profile, self.env) or str(exc)
                problems.append(ProfileStatus(profile.name, ProfileHealth.MISCONFIGURED, reason))
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


def _has_key(profile: Profile, env: Mapping[str, str] | None) -> bool:
    return key_problem(profile, env) is None


def key_problem(profile: Profile, env: Mapping[str, str] | None) -> str | None:
    """Why ``profile`` cannot reach its provider, in the few words the status bar has room
    for ("no key: ANTHROPIC_API_KEY unset"); None when its key resolves."""
    try:
        profile.resolve_key(env)
    except ConfigError:
        variable = profile.api_key_env or STANDARD_KEY_VARIABLES[profile.provider]
        return f"no key: {variable} unset"
    return None


def _first_status(profile: Profile, env: Mapping[str, str] | None) -> ProfileStatus:
    """Before the first poll: unknown, or already known to have no key (and why)."""
    problem = key_problem(profile, env)
    if problem is None:
        return ProfileStatus(profile.name, ProfileHealth.UNKNOWN)
    return ProfileStatus(profile.name, ProfileHealth.MISCONFIGURED, problem)


def _import_sdks(kinds: set[ProviderKind]) -> None:
    """Import the SDKs the profiles need (run in a thread: it takes seconds when cold)."""
    for kind in kinds:
        importlib.import_module(kind.value)
