"""``batchtui sync|watch --log-calls FILE|-`` on the simulator: a line per API call, no key."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from test_batches_cli import ANTHROPIC_KEY, OPENAI_KEY, anthropic_batch, cli, openai_batch

from tui.sim import Simulator

__all__ = ["cli"]  # the fixture, shared with test_batches_cli

LINE = re.compile(
    r"^call at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z profile=(?P<profile>\S+) "
    r"method=(?P<method>[A-Z]+) path=(?P<path>/\S*) status=(?P<status>\d+|none)"
    r"(?: ms=(?P<ms>\d+))?(?: retry_after_s=(?P<wait>[\d.]+))?(?: attempt=(?P<attempt>\d+))?"
    r"(?: request_id=\S+)?(?: error=.+)?$"
)


def call_lines(text: str) -> list[re.Match[str]]:
    lines = [line for line in text.splitlines() if line.startswith("call ")]
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    return [m for m in matches if m is not None]


async def test_sync_log_calls_prints_every_call_with_the_429s_and_no_key(
    sim: Simulator, cli
) -> None:
    anthropic_batch(sim, hours_ago=2)
    openai_batch(sim)
    sim.faults.inject(route="anthropic.list", kind="429", count=2, retry_after_ms=20)
    code, out, err = await cli("sync", "--log-calls", "-")
    assert code == 0, err
    calls = call_lines(err)
    assert "call " not in out  # stdout keeps the summary a pipeline reads
    served = sum(sim.counters.values())
    assert len(calls) == served  # one line per call the simulator answered
    assert {c["profile"] for c in calls} == {"a", "o"}
    limited = [c for c in calls if c["status"] == "429"]
    assert len(limited) == 2
    # The simulator serves each API under a prefix of its own (/anthropic/v1/...).
    assert all(c["path"].endswith("/v1/messages/batches") for c in limited)
    assert all(c["wait"] == "0.02" for c in limited)
    listing = [c for c in calls if c["path"].endswith("/v1/messages/batches")]
    assert [c["attempt"] for c in listing][:3] == [
        None,
        "1",
        "2",
    ]
    assert all(c["ms"] is not None for c in calls)
    assert {c["method"] for c in calls} == {"GET"}
    assert ANTHROPIC_KEY not in err + out
    assert OPENAI_KEY not in err + out


async def test_sync_log_calls_to_a_file_appends_and_leaves_stderr_quiet(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    anthropic_batch(sim, hours_ago=2)
    log = tmp_path / "calls.log"
    code, _, err = await cli("sync", "--log-calls", str(log))
    assert code == 0, err
    first = call_lines(log.read_text())
    assert first
    assert "call " not in err
    await cli("sync", "--log-calls", str(log))
    assert len(call_lines(log.read_text())) > len(first)  # appended, not replaced
    text = log.read_text()
    assert ANTHROPIC_KEY not in text
    assert OPENAI_KEY not in text


async def test_a_call_without_an_answer_is_logged_with_why(sim: Simulator, cli) -> None:
    anthropic_batch(sim, count=2000, hours_ago=2)
    sim.faults.inject(route="anthropic.results", kind="drop", after_bytes=200_000)
    code, _, err = await cli("sync", "--profile", "a", "--log-calls", "-")
    assert code == 4
    results = [c for c in call_lines(err) if c["path"].endswith("/results")]
    assert results  # the download's call is there, whether or not its headers came


async def test_log_calls_to_a_file_that_cannot_be_written_is_a_usage_error(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    code, _, err = await cli("sync", "--log-calls", str(tmp_path / "no" / "such" / "dir.log"))
    assert code == 2
    assert "--log-calls: cannot write" in err


async def test_watch_log_calls_prints_its_polls(sim: Simulator, cli) -> None:
    anthropic_batch(sim, count=3)
    watch = asyncio.create_task(cli("watch", "--log-calls", "-", "--interval", "0"))
    async with asyncio.timeout(60):
        while sim.counters.get("anthropic.list", 0) < 2 and not watch.done():
            await asyncio.sleep(0.01)  # a condition, not a duration: watch has polled
    sim.clock.advance(hours=1)
    code, out, err = await watch
    assert code == 0, err
    assert any(c["path"].endswith("/v1/messages/batches") for c in call_lines(err))
    assert "no active batches" in out
