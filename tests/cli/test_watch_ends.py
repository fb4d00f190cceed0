"""``batchtui watch ID --exec CMD --exit-on-end`` against the simulator, through ``main``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import orjson
import pytest
from cli_support import ANTHROPIC_KEY, FAST_POLL, PARAMS, write_sim_config

from tui.sim import Simulator

DUMP_ENVIRONMENT = (
    "import json, os, sys; open(sys.argv[1], 'a').write(json.dumps(dict(os.environ)) + '\\n')"
)
"""A batch-end command that appends its whole environment to a file, one JSON line a run."""


@pytest.fixture
def cli(sim: Simulator, tmp_path: Path, batchtui):
    """Run ``batchtui ARGS`` with extra ``[settings]`` lines; (code, out, err)."""

    async def run(*args: str, settings: str = "") -> tuple[int, str, str]:
        write_sim_config(tmp_path / "config.toml", sim, settings=FAST_POLL + settings)
        return await batchtui(*args)

    return run


def anthropic_batch(sim: Simulator, count: int = 3) -> str:
    pairs = [(f"r{i}", PARAMS) for i in range(count)]
    return sim.state.create_anthropic(pairs, sim.clock.time(), duration=1800).id


def dump_command(target: Path) -> str:
    return shlex.join([sys.executable, "-c", DUMP_ENVIRONMENT, str(target)])


def runs(target: Path) -> list[dict[str, str]]:
    return [orjson.loads(line) for line in target.read_text().splitlines()]


async def test_exec_runs_once_with_the_batch_in_its_environment_and_no_key(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    batch_id = anthropic_batch(sim)
    await cli("sync")
    sim.clock.advance(hours=1)
    target = tmp_path / "env.jsonl"
    code, out, err = await cli(
        "watch", batch_id[:16], "--exec", dump_command(target), "--exit-on-end", "--interval", "0"
    )
    assert code == 0, err
    assert out.rstrip().endswith(f"{batch_id}: ended")
    [env] = runs(target)
    assert env["BATCHTUI_BATCH_ID"] == batch_id
    assert env["BATCHTUI_STATUS"] == "ended"
    assert (env["BATCHTUI_SUCCEEDED"], env["BATCHTUI_FAILED"], env["BATCHTUI_TOTAL"]) == (
        "3",
        "0",
        "3",
    )
    assert env["BATCHTUI_PROFILE"] == "a"
    assert env["BATCHTUI_EXIT_CODE"] == "0"
    assert "ANTHROPIC_API_KEY" not in env
    assert "OPENAI_API_KEY" not in env  # no provider key at all, though both are set
    assert ANTHROPIC_KEY not in orjson.dumps(env).decode()


async def test_exit_on_end_says_canceled_with_its_own_code(sim: Simulator, cli) -> None:
    batch_id = anthropic_batch(sim, count=30)
    await cli("sync")
    code, _, err = await cli("cancel", batch_id, "--yes")
    assert code == 0, err
    sim.clock.advance(hours=1)
    code, out, err = await cli("watch", batch_id, "--exit-on-end", "--interval", "0")
    assert code == 11, err
    assert out.rstrip().endswith(f"{batch_id}: canceled")
    # Without --exit-on-end the same watch is a success: the batch was watched to its end.
    code, _, _ = await cli("watch", batch_id, "--interval", "0")
    assert code == 0


async def test_exit_on_end_needs_an_id(cli) -> None:
    code, _, err = await cli("watch", "--exit-on-end")
    assert code == 2
    assert "needs the ID" in err


async def test_a_failing_command_is_reported_and_the_watch_goes_on(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    first, second = anthropic_batch(sim), anthropic_batch(sim)
    await cli("sync")
    sim.clock.advance(hours=1)
    failing = shlex.join([sys.executable, "-c", "import sys; print('webhook down'); sys.exit(3)"])
    code, out, err = await cli("watch", "--exec", failing, "--interval", "0")
    assert code == 0, err
    assert err.count("batch-end command failed") == 2
    assert "exited with status 3: webhook down" in err
    assert f"{first}  in_progress → ended" in out
    assert f"{second}  in_progress → ended" in out


async def test_the_config_command_runs_for_every_ended_batch_and_is_stopped_in_time(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    anthropic_batch(sim)
    await cli("sync")
    sim.clock.advance(hours=1)
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    settings = f"on_batch_end = {orjson.dumps(hang).decode()}\non_batch_end_timeout = 0.3\n"
    code, _, err = await cli("watch", "--interval", "0", settings=settings)
    assert code == 0, err
    assert "stopped after 0.3 s" in err


async def test_exec_overrides_the_config_command(sim: Simulator, cli, tmp_path: Path) -> None:
    batch_id = anthropic_batch(sim)
    await cli("sync")
    sim.clock.advance(hours=1)
    target = tmp_path / "env.jsonl"
    settings = 'on_batch_end = "false"\n'
    code, _, err = await cli(
        "watch", batch_id, "--exec", dump_command(target), "--interval", "0", settings=settings
    )
    assert code == 0, err
    assert "failed" not in err
    assert [env["BATCHTUI_BATCH_ID"] for env in runs(target)] == [batch_id]
