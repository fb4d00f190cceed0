"""``batchtui sync`` over several profiles runs a process per profile (tui/cli/sync_cmd.py): the
command imports only its first profile's SDK, prints what one process would, and runs only the
installed batchtui in its children, whatever the working directory holds."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tui.sim import Simulator

ANTHROPIC_KEY = "sk-ant-cli-0123456789"
OPENAI_KEY = "sk-openai-cli-0123456789"

PROBE = """
import sys
from tui.cli.main import main
code = main(sys.argv[1:])
print("SDKs imported here:", sorted(m for m in ("anthropic", "openai") if m in sys.modules))
sys.exit(code)
"""


def write_config(sim: Simulator, path: Path) -> None:
    path.write_text(
        f'[profiles.a]\nprovider = "anthropic"\napi_key_env = "ANTHROPIC_API_KEY"\n'
        f'base_url = "{sim.anthropic_base_url}"\n\n'
        f'[profiles.o]\nprovider = "openai"\napi_key_env = "OPENAI_API_KEY"\n'
        f'base_url = "{sim.openai_base_url}"\n'
    )


async def test_each_profile_syncs_in_its_own_process(sim: Simulator, tmp_path: Path) -> None:
    params = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": []}
    sim.state.create_anthropic([("r1", params), ("r2", params)], sim.clock.time() - 7200)
    config = tmp_path / "config.toml"
    write_config(sim, config)
    # A working directory holding a `tui` package that is not batchtui: never imported.
    hostile = tmp_path / "elsewhere"
    (hostile / "tui" / "cli").mkdir(parents=True)
    (hostile / "tui" / "__init__.py").write_text("raise SystemExit('the wrong tui ran')\n")
    (hostile / "tui" / "cli" / "__init__.py").write_text("")
    env = {
        **os.environ,
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "OPENAI_API_KEY": OPENAI_KEY,
    }
    command = [sys.executable, "-P", "-c", PROBE, "--config", str(config)]
    command += ["--data-dir", str(tmp_path / "data"), "sync"]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=hostile,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):  # a regression fails here rather than hang
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert out.decode().splitlines() == [
        "a: 1 batches (0 active), 1 new or changed, 2 results downloaded",
        "o: 0 batches (0 active), 0 new or changed, 0 results downloaded",
        "SDKs imported here: ['anthropic']",  # the other profile's is its child's
    ]
    assert sim.counters["anthropic.list"] >= 1
    assert sim.counters["openai.batches.list"] >= 1
