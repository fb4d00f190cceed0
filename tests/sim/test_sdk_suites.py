"""The official SDKs' own resource tests, from their source distributions, against the simulator.

Nobody here wrote them: ``anthropic``'s ``tests/api_resources/messages/test_batches.py`` and
``openai``'s ``tests/api_resources/test_batches.py`` and ``test_files.py``, of the very
versions installed. The source distributions come from the package registry through pip (once;
they are kept in ``.sdk-sdists/`` or ``$BATCHTUI_SDK_SDISTS``); a missing one fails the test.
Each suite runs in its own pytest, with ``TEST_API_BASE_URL`` at a simulator started here and
``tests/sim/sdk_suites/batchtui_sdk_plugin.py`` giving every test a freshly seeded simulator.
Every SDK test must pass, bar the few listed in that plugin, which must fail as stated.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from tui.sim import Simulator

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = Path(__file__).with_name("sdk_suites")
SUITES = {
    "anthropic": ["tests/api_resources/messages/test_batches.py"],
    "openai": ["tests/api_resources/test_batches.py", "tests/api_resources/test_files.py"],
}
EXTRA_OPTIONS = {
    # From each pyproject's addopts, less xdist (-n) and timings: anthropic aliases httpx to
    # httpx2 before respx is imported.
    "anthropic": ["-p", "tests._alias_httpx"],
    "openai": [],
}
RESPX = ("respx_mock", "respx2_mock")
MINIMUM_RUN = {"anthropic": 100, "openai": 150}
"""Fewer tests than this ran: something stopped the suite from being collected whole."""


def _sdist_dir() -> Path:
    return Path(os.environ.get("BATCHTUI_SDK_SDISTS", ROOT / ".sdk-sdists"))


def _sdist(name: str) -> Path:
    """The installed version's source distribution, downloaded with pip if it is not kept yet."""
    directory = _sdist_dir()
    archive = directory / f"{name}-{version(name)}.tar.gz"
    if not archive.exists():
        directory.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        command += ["--dest", str(directory), f"{name}=={version(name)}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        assert archive.exists(), f"could not get {archive.name} from the registry:\n{done}"
    return archive


def _unpack(archive: Path, into: Path) -> Path:
    """The test suite and the pytest configuration, out of the archive."""
    top = archive.name.removesuffix(".tar.gz")
    with tarfile.open(archive) as tar:
        wanted = [
            member
            for member in tar.getmembers()
            if member.name in (f"{top}/pyproject.toml",) or member.name.startswith(f"{top}/tests/")
        ]
        tar.extractall(into, members=wanted, filter="data")
    return into / top


async def _run_suite(name: str, sim: Simulator, tmp_path: Path) -> dict[str, Any]:
    source = _unpack(_sdist(name), tmp_path)
    report = tmp_path / f"{name}-report.json"
    base_url = sim.anthropic_base_url if name == "anthropic" else sim.openai_base_url
    env = {
        **os.environ,
        "TEST_API_BASE_URL": base_url,
        "BATCHTUI_SIM_URL": sim.base_url,
        "BATCHTUI_SDK_REPORT": str(report),
        "PYTHONPATH": str(PLUGIN_DIR),
    }
    command = [sys.executable, "-m", "pytest", "-q", "--tb=short", "-o", "addopts="]
    command += ["-p", "no:cacheprovider", "-p", "batchtui_sdk_plugin", *EXTRA_OPTIONS[name]]
    process = await asyncio.create_subprocess_exec(
        *command,
        *SUITES[name],
        cwd=source,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=900)
    text = output.decode(errors="replace")
    assert report.exists(), f"the {name} suite did not finish:\n{text[-4000:]}"
    data: dict[str, Any] = json.loads(report.read_text())
    data["returncode"], data["output"] = process.returncode, text
    return data


@pytest.mark.slow
@pytest.mark.parametrize("name", ["anthropic", "openai"])
async def test_the_sdks_own_resource_tests_pass(name: str, sim: Simulator, tmp_path: Path) -> None:
    run = await _run_suite(name, sim, tmp_path)
    results = run["results"]
    failed = [r for r in results if r["outcome"] not in ("passed", "xfailed")]
    assert not failed, "\n\n".join(f"{r['nodeid']} ({r['when']}):\n{r['text']}" for r in failed)
    assert run["returncode"] == 0, run["output"][-4000:]
    passed = [r for r in results if r["outcome"] == "passed"]
    assert len(passed) >= MINIMUM_RUN[name], run["output"][-4000:]
    # The expected failures (the files list only: no live answer to limit=0 is on record
    # there) fail for the reason given: the simulator refused limit=0.
    for result in (r for r in results if r["outcome"] == "xfailed"):
        assert "limit=0" in result["reason"], result
        assert "limit: Input should be between 1 and" in result["text"], result
    # The only tests not run are the SDK's own skips: respx mocks the httpx transport, which
    # the aiohttp variant of a test does not use, so the SDK skips that variant.
    reasons = {d["reason"] for d in run["deselected"]}
    assert reasons <= {f"aiohttp client is not compatible with {mock}" for mock in RESPX}, reasons
