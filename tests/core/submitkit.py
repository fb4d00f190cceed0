"""Shared by the core submit and retry tests: a profile and a session on the simulator (requests
files come from tests/builders.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tui.core.config import Config, Profile
from tui.core.models import ProviderKind
from tui.core.session import Session
from tui.sim import Simulator

KEY = "sk-ant-test-submit"


def profile_for(sim: Simulator) -> Profile:
    return Profile("a", ProviderKind.ANTHROPIC, api_key=KEY, base_url=sim.anthropic_base_url)


@asynccontextmanager
async def session_on(sim: Simulator, tmp_path: Path) -> AsyncIterator[Session]:
    config = Config(path=tmp_path / "config.toml", profiles={"a": profile_for(sim)})
    async with Session.open(config, tmp_path / "cache.db") as session:
        yield session
