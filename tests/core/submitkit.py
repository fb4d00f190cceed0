"""Builders shared by the core submit and retry tests: a profile and a session on the sim, and
requests files of any size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson

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


def params(i: int, max_tokens: int = 200, **extra: object) -> dict:
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": f"Question number {i}: " + "word " * (i % 7)}],
        **extra,
    }


def write_file(path: Path, count: int, prefix: str = "req") -> Path:
    lines = (
        orjson.dumps({"custom_id": f"{prefix}-{i:04d}", "params": params(i)}) for i in range(count)
    )
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path
