"""README stays true: CI runs exactly the test command README shows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fenced_command_after(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"## {heading}\n.*?```bash\n(.+?)\n```", text, re.S)
    assert match, f"no bash block under '## {heading}'"
    return match[1].strip()


def test_ci_runs_readme_test_command() -> None:
    command = fenced_command_after("Test")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines


def test_readme_try_it_is_one_command_that_installs_and_starts_the_demo() -> None:
    # tests/e2e/test_stories.py starts that demo in a terminal and quits it.
    assert fenced_command_after("Try it") == "pip install . && batchtui demo"
