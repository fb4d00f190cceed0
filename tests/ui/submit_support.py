"""Shared pieces of the submit and retry screens' tests: services on the simulator, files.

The App gets the same :class:`~tui.ui.services.Services` the CLI would build, over one Anthropic
profile pointing at the test's simulator; polling is off and the clock is the simulator's, so a
test moves time and syncs only when it says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
from builders import params
from main_support import services_on
from textual.pilot import Pilot
from textual.widgets import Static

from tui.core.config import Config, Profile
from tui.core.models import ProviderKind
from tui.sim import Simulator
from tui.ui.services import Services

KEY = "sk-ant-test-ui-submit"
PROFILE = "a"
OPENAI_PROFILE = "o"


def profile_for(sim: Simulator) -> Profile:
    return Profile(PROFILE, ProviderKind.ANTHROPIC, api_key=KEY, base_url=sim.anthropic_base_url)


def sim_config(sim: Simulator, directory: Path, *, openai: bool = False) -> Config:
    """Profile ``a`` (Anthropic) on ``sim``, and ``o`` (OpenAI) if asked."""
    profiles = {PROFILE: profile_for(sim)}
    if openai:
        profiles[OPENAI_PROFILE] = Profile(
            OPENAI_PROFILE,
            ProviderKind.OPENAI,
            api_key="sk-openai-ui",
            base_url=sim.openai_base_url,
        )
    return Config(path=directory / "config.toml", profiles=profiles)


def sim_services_for(sim: Simulator, directory: Path, *, read_only: bool = False) -> Services:
    """Unopened services on ``sim``'s profile ``a``, built as ``batchtui`` builds them."""
    config = sim_config(sim, directory)
    return services_on(sim, config, directory / "cache.db", read_only=read_only)


@contextlib.asynccontextmanager
async def sim_services(
    sim: Simulator, tmp_path: Path, *, read_only: bool = False, openai: bool = False
) -> AsyncIterator[Services]:
    """Open services on ``sim`` (profile ``a``, and ``o`` for OpenAI if asked), polling off."""
    services = sim_services_for(sim, tmp_path, read_only=read_only)
    services.config = sim_config(sim, tmp_path, openai=openai)
    async with services:
        yield services


def write_openai_requests(path: Path, count: int) -> Path:
    """OpenAI chat requests alternating between two models (so two batches)."""
    lines = []
    for i in range(count):
        body = {
            "model": "gpt-4o-mini" if i % 2 else "gpt-4.1",
            "messages": [{"role": "user", "content": f"q{i}"}],
        }
        line = {"custom_id": f"o-{i}", "method": "POST", "url": "/v1/chat/completions"}
        lines.append(orjson.dumps({**line, "body": body}))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def sim_batch_count(sim: Simulator) -> tuple[int, int]:
    """How many batches the simulator holds, and its id sequence (moves on any create)."""
    return len(sim.state.anthropic) + len(sim.state.openai), sim.state.seq


def text_of(pilot: Pilot, selector: str) -> str:
    """The plain text a Static on the active screen shows."""
    return str(pilot.app.screen.query_one(selector, Static).content)


FAILING = {"seed": 7, "speed": 0.0, "expire_rate": 1.0, "error_rate": 0.3}
"""Simulator options where every batch runs past 24 h (some requests expire) and 30 % error
(the options of tests/conftest.py's ``failing_sim``; the snapshots start them at a fixed time)."""

BAD_ID = "bad-0000"
"""A request without max_tokens: the provider answers invalid_request_error."""


async def failed_batch(sim: Simulator, services: Services, count: int = 30) -> str:
    """A batch created at ``sim`` with ``count`` good requests and one invalid one, run to its
    end and synced: its results are errored, expired and succeeded, its params stored."""
    pairs = [(f"req-{i:04d}", orjson.dumps(params(i))) for i in range(count)]
    bad = {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "x"}]}
    pairs.append((BAD_ID, orjson.dumps(bad)))
    provider = (await services.providers())[PROFILE]
    batch = await provider.create_batch(pairs)
    batch.label = "nightly"
    await services.store.batches.insert_local(batch)
    await services.store.requests.put(batch.id, pairs)
    sim.clock.advance(hours=40)
    await services.engine.poll_once()
    return batch.id
