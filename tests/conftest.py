"""Fixtures shared by every test: keep the developer's machine and the internet out.

Every platformdirs location and every provider variable is redirected or removed, so a test can
neither read the developer's config or keys nor reach a real API.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture
async def sim():
    """A started batch API simulator with a frozen clock (move it with ``sim.clock.advance``)."""
    from tui.sim import SimOptions, Simulator

    simulator = Simulator(SimOptions(seed=1234, speed=0.0, expire_rate=0.0, error_rate=0.0))
    await simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        await simulator.stop()
