"""What the end-to-end benches share: a ``batchtui sim`` process holding one large ended batch,
a private workspace (config, HOME, data dir) pointing batchtui at it, and figure helpers.

The simulator and the ``batchtui`` commands are the installed console scripts, run as child
processes as a user runs them (see tests/e2e/harness.py, reused here).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

import harness
from harness import BIN, SimProcess, batchtui_env, write_workspace_config

ANTHROPIC_KEY = "sk-ant-bench-key"
OPENAI_KEY = "sk-bench-key"
DAY = 86_400.0


def start_sim(*args: str) -> SimProcess:
    """``batchtui sim`` on a free port: frozen clock, fixed seed, no expiries."""
    return SimProcess("--speed", "0", "--seed", "0", "--expire-rate", "0", *args)


def create_ended_batch(sim: SimProcess, count: int) -> str:
    """An Anthropic batch of ``count`` requests, ended (the clock advanced a day); its id.

    Posted as one raw body: the SDK's typed ``create`` walks every param of 100,000 requests,
    which is set-up cost, not what any bench measures."""
    params = (
        b'{"model":"claude-haiku-4-5","max_tokens":1024,'
        b'"messages":[{"role":"user","content":"Summarise the ticket in one line."}]}'
    )
    items = (b'{"custom_id":"req-%06d","params":%s}' % (i, params) for i in range(count))
    body = b'{"requests":[' + b",".join(items) + b"]}"
    request = urllib.request.Request(
        f"{sim.anthropic_base_url}/v1/messages/batches",
        body,
        method="POST",
        headers={
            "content-type": "application/json",
            "x-api-key": ANTHROPIC_KEY,
            "anthropic-version": "2023-06-01",
        },
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        batch_id = str(orjson.loads(response.read())["id"])
    sim.advance(DAY)
    return batch_id


def raw_results(sim: SimProcess, batch_id: str) -> bytes:
    """The batch's results body exactly as the API serves it (JSONL)."""
    request = urllib.request.Request(
        f"{sim.anthropic_base_url}/v1/messages/batches/{batch_id}/results",
        headers={"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return bytes(response.read())


@dataclass
class Workspace:
    """A user's setup on the simulator: both profiles, a config file, keys in the environment."""

    root: Path
    env: dict[str, str]

    @property
    def database(self) -> Path:
        from tui.core.paths import DATABASE_NAME

        return Path(self.env["BATCHTUI_DATA_DIR"]) / DATABASE_NAME


def make_workspace(
    sim: SimProcess,
    root: Path,
    *,
    poll_interval: float = 3600,
    max_poll_interval: float = 3600,
    profiles: tuple[str, ...] = ("work", "oa"),
) -> Workspace:
    """A config naming ``profiles`` (an Anthropic ``work``, an OpenAI ``oa``) on ``sim``."""
    (root / "home").mkdir(parents=True, exist_ok=True)
    config = write_workspace_config(
        root,
        sim,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        profiles=profiles,
    )
    env = batchtui_env(root, config, anthropic_key=ANTHROPIC_KEY, openai_key=OPENAI_KEY)
    return Workspace(root, env)


@dataclass
class ChildRun:
    seconds: float
    peak_mib: float
    stdout: str
    cpu_seconds: float = 0.0
    """User + system CPU of the child, every thread: steadier than wall time on a busy box."""


def run_child(command: list[str], env: dict[str, str], cwd: Path) -> ChildRun:
    """Run a process to its end: wall seconds from spawn to exit, its own peak RSS.

    Its output goes to files and it is reaped with ``os.wait4``, which answers that one
    child's resource usage (``RUSAGE_CHILDREN`` would be the maximum over every child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code != 0:
        raise RuntimeError(f"{command[:3]} exited {code}: {stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(seconds, usage.ru_maxrss / 1024, stdout, cpu)


def spread(values: list[float]) -> str:
    """``median (min-max, n=...)`` of a list of figures."""
    return f"{statistics.median(values):.3g} ({min(values):.3g}–{max(values):.3g}, n={len(values)})"


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def use_bin(directory: Path) -> Path:
    """Make the harness's :class:`~harness.Terminal` start ``batchtui`` from ``directory``
    (another environment's scripts, for an A/B); returns the directory used before."""
    previous = harness.BIN
    harness.BIN = directory
    return previous


def batchtui(*args: str) -> list[str]:
    return [str(BIN / "batchtui"), *args]
