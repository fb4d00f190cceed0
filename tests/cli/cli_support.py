"""How the CLI tests run ``batchtui``: a config naming profiles on the test's simulator, and the
command run through ``main`` in a worker thread (it has its own ``asyncio.run``) while the
simulator serves on the test's event loop, exactly as from a shell.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tui.cli.main import main
from tui.sim import Simulator

ANTHROPIC_KEY = "sk-ant-cli-0123456789"
OPENAI_KEY = "sk-openai-cli-0123456789"

FAST_POLL = "poll_interval = 1\nmax_poll_interval = 2\n"
"""``[settings]`` lines for commands that wait on the simulator (``watch``)."""

PARAMS = {
    "model": "claude-haiku-4-5",
    "max_tokens": 50,
    "messages": [{"role": "user", "content": "hi"}],
}
"""The smallest valid params, for batches made straight in the simulator's state."""


def write_sim_config(
    path: Path,
    sim: Simulator,
    *,
    anthropic: str = "a",
    openai: str | None = None,
    settings: str = "",
    keys_in_file: bool = False,
) -> Path:
    """A config naming profile ``anthropic`` (and ``openai`` if given) on ``sim``.

    The keys come from ``ANTHROPIC_API_KEY``/``OPENAI_API_KEY`` (the ``batchtui`` fixture sets
    them), or stand in the file when ``keys_in_file`` (which is then private, as it must be)."""

    def profile(name: str, provider: str, base_url: str, key: str) -> str:
        variable = f"{provider.upper()}_API_KEY"
        source = f'api_key = "{key}"' if keys_in_file else f'api_key_env = "{variable}"'
        return f'[profiles.{name}]\nprovider = "{provider}"\n{source}\nbase_url = "{base_url}"\n'

    text = f"[settings]\n{settings}\n" if settings else ""
    text += profile(anthropic, "anthropic", sim.anthropic_base_url, ANTHROPIC_KEY)
    if openai:
        text += "\n" + profile(openai, "openai", sim.openai_base_url, OPENAI_KEY)
    path.write_text(text)
    path.chmod(0o600)
    return path


async def run_batchtui(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str
) -> tuple[int, str, str]:
    """``batchtui --config tmp_path/config.toml --data-dir tmp_path/data ARGS`` in a thread:
    (exit code, stdout, stderr)."""
    capsys.readouterr()
    argv = ["--config", str(tmp_path / "config.toml"), "--data-dir", str(tmp_path / "data")]
    code = await asyncio.to_thread(main, [*argv, *args])
    out, err = capsys.readouterr()
    return code, out, err


async def cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator, *args: str
) -> tuple[int, str, str]:
    """:func:`run_batchtui` on profiles ``a`` and ``o`` of ``sim``, their keys in the config
    file (written on the first call), none in the environment."""
    config = tmp_path / "config.toml"
    if not config.exists():
        write_sim_config(config, sim, openai="o", keys_in_file=True)
    return await run_batchtui(capsys, tmp_path, *args)
