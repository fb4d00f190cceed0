"""Fixtures shared by every test: keep the developer's machine and the internet out.

Every platformdirs location and every provider variable is redirected or removed, so a test can
neither read the developer's config or keys nor reach a real API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tui.core.store import Store
    from tui.sim import Simulator

_PROVIDER_VARIABLES = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_CONFIG_DIR",
    "ANTHROPIC_CUSTOM_HEADERS",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "BATCHTUI_CONFIG",
    "BATCHTUI_DATA_DIR",
)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and the XDG dirs at a temporary directory and drop provider variables."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(name, str(home / sub))
    for name in _PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return home


FAILING = {"seed": 7, "speed": 0.0, "expire_rate": 1.0, "error_rate": 0.3}
"""Simulator options where every batch runs past 24 h (some requests expire) and 30 % error."""


@pytest.fixture
async def sim_with() -> AsyncIterator[Callable[..., Awaitable[Simulator]]]:
    """Start simulators with the given :class:`~tui.sim.SimOptions` fields, on loopback; every
    one started is stopped when the test ends."""
    from tui.sim import SimOptions, Simulator

    started: list[Simulator] = []

    async def start(**options: Any) -> Simulator:
        simulator = Simulator(SimOptions(**options))
        await simulator.start(host="127.0.0.1", port=0)
        started.append(simulator)
        return simulator

    try:
        yield start
    finally:
        for simulator in reversed(started):
            await simulator.stop()


@pytest.fixture
async def sim(sim_with: Callable[..., Awaitable[Simulator]]) -> Simulator:
    """A started batch API simulator with a frozen clock (move it with ``sim.clock.advance``)."""
    return await sim_with(seed=1234, speed=0.0, expire_rate=0.0, error_rate=0.0)


@pytest.fixture
async def failing_sim(sim_with: Callable[..., Awaitable[Simulator]]) -> Simulator:
    """A simulator with :data:`FAILING` options: expiries and 30 % errors in every batch."""
    return await sim_with(**FAILING)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """An open, empty cache in ``tmp_path/data`` (a directory the store creates), closed after."""
    from tui.core.store import Store

    opened = await Store.open(tmp_path / "data" / "cache.db")
    try:
        yield opened
    finally:
        await opened.close()
