"""One run's connection to everything: the store, a provider per usable profile, the engine.

::

    async with Session.open(config, paths.database, profile="work") as session:
        await session.engine.poll_once()
        batches = await session.store.batches.list()

A profile without a key is not an error on its own: it is reported as ``MISCONFIGURED`` in
``session.engine.statuses`` and left out. Only when no profile is usable does opening fail.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

from tui.core.calllog import CallLog
from tui.core.config import Config, Profile
from tui.core.errors import ConfigError
from tui.core.events import ProfileHealth, ProfileStatus, SyncEvent
from tui.core.providers.base import Provider
from tui.core.providers.factory import make_provider
from tui.core.store import Store
from tui.core.sync import SyncEngine


class Session:
    """The open store, the providers and the sync engine of one run."""

    def __init__(self, store: Store, providers: dict[str, Provider], engine: SyncEngine):
        self.store = store
        self.providers = providers
        self.engine = engine

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls,
        config: Config,
        database: Path,
        *,
        profile: str | None = None,
        env: Mapping[str, str] | None = None,
        on_event: Callable[[SyncEvent], None] | None = None,
        call_log: CallLog | None = None,
        index_search: bool = True,
    ) -> AsyncIterator[Session]:
        """Open the store and build the providers; close everything on the way out.

        With a ``call_log``, every HTTP call of the providers is recorded there.
        ``index_search``: see :attr:`SyncEngine.index_search`."""
        profiles = config.profile(profile) if profile else config.require_profiles()
        providers, problems = _build_providers(profiles, env, call_log)
        if not providers:
            raise ConfigError("; ".join(s.message for s in problems) or "no usable profile")
        try:
            store = await Store.open(database)
        except BaseException:
            await _close_all(providers)
            raise
        engine = SyncEngine(
            store, providers, config.settings, on_event=on_event, index_search=index_search
        )
        for status in problems:
            engine.report_status(status)
        try:
            yield cls(store, providers, engine)
        finally:
            await engine.close()
            await store.close()


def _build_providers(
    profiles: list[Profile], env: Mapping[str, str] | None, call_log: CallLog | None = None
) -> tuple[dict[str, Provider], list[ProfileStatus]]:
    providers: dict[str, Provider] = {}
    problems: list[ProfileStatus] = []
    for item in profiles:
        try:
            providers[item.name] = make_provider(item, env, call_log=call_log)
        except ConfigError as exc:
            problems.append(ProfileStatus(item.name, ProfileHealth.MISCONFIGURED, str(exc)))
    return providers, problems


async def _close_all(providers: Mapping[str, Provider]) -> None:
    for provider in providers.values():
        await provider.close()
