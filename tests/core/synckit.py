"""Builders shared by the provider and sync tests: profiles, providers and batches on the sim."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson

from tui.core.config import Profile, Settings
from tui.core.events import SyncEvent
from tui.core.models import ProviderKind
from tui.core.providers.factory import make_provider
from tui.core.store import Store
from tui.core.sync import SyncEngine
from tui.sim import Simulator

ANTHROPIC_KEY = "sk-ant-test-0123456789"
OPENAI_KEY = "sk-openai-test-0123456789"


def anthropic_profile(sim: Simulator, name: str = "a", key: str = ANTHROPIC_KEY) -> Profile:
    return Profile(name, ProviderKind.ANTHROPIC, api_key=key, base_url=sim.anthropic_base_url)


def openai_profile(sim: Simulator, name: str = "o", key: str = OPENAI_KEY) -> Profile:
    return Profile(name, ProviderKind.OPENAI, api_key=key, base_url=sim.openai_base_url)


def message_params(text: str = "Hello", max_tokens: int = 300, **extra: Any) -> bytes:
    params = {
        "model": "claude-haiku-4-5",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }
    return orjson.dumps(params)


def chat_body(text: str = "Hello", system: str | None = None, **extra: Any) -> bytes:
    messages = [{"role": "user", "content": text}]
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return orjson.dumps({"model": "gpt-4o-mini", "messages": messages, **extra})


def simple_requests(count: int, prefix: str = "req") -> list[tuple[str, bytes]]:
    return [(f"{prefix}-{i:05d}", message_params(f"question {i}")) for i in range(count)]


@asynccontextmanager
async def engine_for(
    sim: Simulator,
    tmp_path: Path,
    *profiles: Profile,
    settings: Settings | None = None,
) -> AsyncIterator[tuple[SyncEngine, Store, list[SyncEvent]]]:
    """A store in ``tmp_path`` and an engine over the given profiles (both by default)."""
    profiles = profiles or (anthropic_profile(sim), openai_profile(sim))
    events: list[SyncEvent] = []
    store = await Store.open(tmp_path / "cache.db")
    providers = {p.name: make_provider(p) for p in profiles}
    engine = SyncEngine(
        store, providers, settings or Settings(), on_event=events.append, clock=sim.clock.now
    )
    try:
        yield engine, store, events
    finally:
        await engine.close()
        await store.close()
