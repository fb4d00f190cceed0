"""Steps the end-to-end stories share: a requests file, the list after its first poll, a
confirmation answered yes, and the rows of the requests inspector as the screen shows them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import Workspace
from harness import Terminal

ROW = re.compile(r"^\s+([✓✗⧗⊘…]) (\S+)\s+(\S+)")
"""A row of the requests inspector: outcome glyph, custom_id, reason."""


def write_requests(path: Path, count: int, prefix: str = "e2e") -> Path:
    lines = (
        json.dumps(
            {
                "custom_id": f"{prefix}-{i:03d}",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 64,
                    "messages": [{"role": "user", "content": f"Question {i}"}],
                },
            }
        )
        for i in range(count)
    )
    path.write_text("\n".join(lines) + "\n")
    return path


FIRST_POLL_TIMEOUT = 90.0
"""Seconds the first poll may take: a safety net for a loaded machine, never a wait for luck."""


def open_list(space: Workspace, expected: str) -> Terminal:
    """Plain ``batchtui``; wait until the first poll (import, refresh, downloads) is over,
    both profiles reached, and the list shows ``expected``."""
    terminal = space.open_tui()
    # "synced" shows once a profile's round went well; "next poll" once the whole first poll
    # (its downloads included) is over and the next one is armed. The demo's first poll
    # downloads 20,000 results: on a loaded 2-core machine that alone has taken over 20 s.
    terminal.wait_for(
        lambda text: "● work ● oa" in text and "next poll" in text, timeout=FIRST_POLL_TIMEOUT
    )
    terminal.wait_for(expected)
    return terminal


def confirm(terminal: Terminal, title: str) -> None:
    """Answer yes in a confirm modal, whose focus starts on Cancel."""
    terminal.wait_for(title)
    terminal.press("tab", "enter")
    terminal.wait_until_gone(title)


def visible_rows(text: str) -> list[tuple[str, str, str]]:
    return [match.groups() for line in text.splitlines() if (match := ROW.match(line))]
