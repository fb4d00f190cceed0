"""Fixtures of the end-to-end tests: a simulator process and a private batchtui workspace.

Every test gets its own ``batchtui sim`` (frozen clock, fixed seed) and its own HOME, config
file and data directory under ``tmp_path``, so nothing of the developer's machine is read and
tests never share state. The TUI is the installed console script, started like a user would.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import anthropic
import pytest
from harness import BIN, SimProcess, Terminal, batchtui_env, write_workspace_config

ANTHROPIC_KEY = "sk-ant-e2e-key"
OPENAI_KEY = "sk-e2e-key"


@dataclass
class Workspace:
    """A user's setup: a config file naming two profiles on the simulator, and the keys."""

    root: Path
    sim: SimProcess
    env: dict[str, str]
    terminals: list[Terminal] = field(default_factory=list)

    def open_tui(self, *args: str, columns: int = 80, rows: int = 24) -> Terminal:
        """``batchtui ARGS`` in a fresh pty (closed at the end of the test)."""
        terminal = Terminal(list(args), env=self.env, cwd=self.root, columns=columns, rows=rows)
        self.terminals.append(terminal)
        return terminal

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``batchtui ARGS`` as a plain command (for setting the scene), checked."""
        return subprocess.run(
            [str(BIN / "batchtui"), *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )

    def anthropic(self) -> anthropic.Anthropic:
        """The official SDK on the simulator: what the provider itself says happened."""
        return anthropic.Anthropic(base_url=self.sim.anthropic_base_url, api_key=ANTHROPIC_KEY)


@pytest.fixture
def make_workspace(tmp_path: Path) -> Iterator[Callable[..., Workspace]]:
    """``make_workspace(*sim_args)``: a simulator started with those arguments (frozen clock,
    fixed seed) and a private HOME, config file and data directory pointing batchtui at it."""
    spaces: list[Workspace] = []

    def make(*sim_args: str) -> Workspace:
        sim = SimProcess("--speed", "0", "--seed", "7", *sim_args)
        root = tmp_path / f"space{len(spaces)}"
        (root / "home").mkdir(parents=True)
        config = write_workspace_config(root, sim)
        env = batchtui_env(root, config, anthropic_key=ANTHROPIC_KEY, openai_key=OPENAI_KEY)
        spaces.append(Workspace(root, sim, env))
        return spaces[-1]

    try:
        yield make
    finally:
        for space in spaces:
            for terminal in space.terminals:
                terminal.close()
            space.sim.stop()
