"""``batchtui sim``: prints both base URLs, serves until interrupted, saves its state."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx2
import pytest

from tui.cli.sim import parse_faults


def _start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "sim", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    urls = {}
    lines: queue.Queue[str] = queue.Queue()
    stdout = process.stdout
    assert stdout is not None

    def read_lines() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=read_lines, daemon=True).start()
    while len(urls) < 3:  # wait for the server to print its addresses, but never for ever
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            process.kill()
            pytest.fail("batchtui sim printed no addresses within 30 s")
        name, _, url = line.partition(":")
        urls[name.strip()] = url.split()[0]
    return process, urls


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0


def test_sim_command_serves_both_apis_and_saves_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    process, urls = _start(
        "--speed",
        "0",
        "--seed",
        "3",
        "--state",
        str(state),
        "--faults",
        "openai.batches.list:500:1",
    )
    try:
        anthropic_url, openai_url = urls["Anthropic base URL"], urls["OpenAI base URL"]
        assert anthropic_url.endswith("/anthropic")
        assert openai_url.endswith("/openai/v1")
        with httpx2.Client(
            headers={"authorization": "Bearer sk-test", "anthropic-version": "2023-06-01"}
        ) as http:
            assert http.get(openai_url + "/batches").status_code == 500  # the injected fault
            assert http.get(openai_url + "/batches").status_code == 200
            body = {
                "requests": [
                    {"custom_id": "a", "params": {"model": "m", "max_tokens": 1, "messages": []}}
                ]
            }
            created = http.post(anthropic_url + "/v1/messages/batches", json=body).json()
    finally:
        _stop(process)
    assert created["id"] in state.read_text()

    process, urls = _start("--state", str(state))
    try:
        with httpx2.Client(headers={"x-api-key": "k", "anthropic-version": "2023-06-01"}) as http:
            url = f"{urls['Anthropic base URL']}/v1/messages/batches/{created['id']}"
            assert http.get(url).json()["id"] == created["id"]
    finally:
        _stop(process)


def test_fault_spec_parsing() -> None:
    assert parse_faults("anthropic.results:drop:1:after_bytes=200000, *:429:-") == [
        {"route": "anthropic.results", "kind": "drop", "count": 1, "after_bytes": 200000},
        {"route": "*", "kind": "429", "count": None},
    ]
    assert parse_faults("") == []
    with pytest.raises(ValueError, match="route:kind"):
        parse_faults("nonsense")
    with pytest.raises(ValueError, match="unknown option"):
        parse_faults("*:latency:1:bogus=1")


def test_bad_fault_spec_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "sim", "--faults", "*:teapot"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "teapot" in result.stderr
