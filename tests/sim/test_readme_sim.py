"""Every command of README's "Simulator" section works as written (against a test simulator)."""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
from pathlib import Path

from simkit import chat_line, jsonl

from tui.cli.main import build_parser
from tui.core.config import load_config
from tui.sim import Simulator

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    match = re.search(r"^## Simulator\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README has no '## Simulator' section"
    return match[1]


def _commands(block_language: str) -> list[str]:
    blocks = re.findall(rf"```{block_language}\n(.*?)```", _section(), re.S)
    commands = []
    for block in blocks:
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()  # drop trailing comments
            if line:
                commands.append(line)
    return commands


def test_the_sim_command_line_parses() -> None:
    (line,) = [c for c in _commands("bash") if c.startswith("batchtui sim")]
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert args.port == 8765


def test_the_printed_config_points_batchtui_at_the_simulator(
    sim: Simulator, tmp_path: Path
) -> None:
    """README's two lines: the printed profiles load, privately, and name the simulator."""
    (write, open_tui) = [c for c in _commands("bash") if "sim.toml" in c]
    port = sim.base_url.rsplit(":", 1)[1]
    subprocess.run(write.replace("8765", port), shell=True, cwd=tmp_path, check=True, timeout=60)
    assert shlex.split(open_tui) == ["batchtui", "--config", "sim.toml"]
    path = tmp_path / "sim.toml"
    assert path.stat().st_mode & 0o777 == 0o600
    config = load_config(path, {}, required=True)
    urls = {p.provider.value: p.base_url for p in config.profiles.values()}
    assert urls == {"anthropic": sim.anthropic_base_url, "openai": sim.openai_base_url}
    assert all(p.resolve_key({}) for p in config.profiles.values())


async def test_every_curl_command_succeeds(sim: Simulator, tmp_path: Path) -> None:
    (tmp_path / "requests.jsonl").write_bytes(jsonl([chat_line("q1")]))
    curls = [c for c in _commands("bash") if c.startswith("curl")]
    assert len(curls) >= 12
    address = sim.base_url.removeprefix("http://")
    for command in curls:
        command = command.replace("127.0.0.1:8765", address)
        result = await asyncio.to_thread(
            subprocess.run,
            command + " -o /dev/null -w '%{http_code}'",
            shell=True,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (result.returncode, result.stdout) == (0, "200"), command
    assert sim.revoked_keys == {"sk-bad"}
    assert len(sim.state.anthropic) > 1  # the batch created by curl, then the demo


def test_python_client_snippet_runs() -> None:
    snippet = re.search(r"```python\n(.*?)```", _section(), re.S)
    assert snippet
    namespace: dict[str, object] = {}
    exec(snippet[1], namespace)  # builds the two clients; nothing is sent
    assert str(namespace["claude"].base_url).startswith("http://127.0.0.1:8765/anthropic")  # type: ignore[attr-defined]
