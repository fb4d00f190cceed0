"""The "eval: haiku vs sonnet" story end to end: the same questions submitted twice with two
models through ``batchtui submit``, run by ``batchtui sim``; in the real ``batchtui`` at 80x24
the user marks both batches with Space, presses = and reads the comparison."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import Workspace
from steps import open_list, write_requests


def with_model(path: Path, model: str) -> Path:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        line["params"]["model"] = model
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_mark_two_batches_and_compare_them(make_workspace) -> None:
    space: Workspace = make_workspace("--error-rate", "0.25")
    for label, model in (("eval-haiku", "claude-haiku-4-5"), ("eval-sonnet", "claude-sonnet-4-5")):
        path = with_model(write_requests(space.root / f"{label}.jsonl", 12, prefix="q"), model)
        space.run("submit", str(path), "--profile", "work", "--label", label, "--yes")
    space.sim.advance(3600 * 2)

    terminal = open_list(space, "eval-sonnet")
    terminal.wait_for("eval-haiku")
    # Space marks the batch under the cursor (the first row) and moves down to the other one.
    terminal.press(" ")
    terminal.wait_for("◉")
    terminal.press(" ")
    terminal.wait_for("= Compare marked")  # the footer offers it once two are marked
    terminal.press("=")
    text = terminal.wait_for("All 12")  # the tallies are counted
    title = re.search(r"A eval-(\w+) · claude-\1-4-5   vs   B eval-(\w+) · claude-\2-4-5", text)
    assert title is not None, text
    assert {title[1], title[2]} == {"haiku", "sonnet"}
    assert "12 custom_ids, 12 in both" in text
    assert "Only A 0  Only B 0" in text
    rows = [line for line in text.splitlines() if " q-0" in line]
    assert rows[0].split()[2] == "q-000"
    assert "q-000 · side by side" in text
    first = rows[0].split()
    # The pane under the list shows the first pair in full: A's side, with its outcome.
    side_a = "errored: " if first[0] == "✗" else "Reply to q-000"
    assert side_a in text

    terminal.press("d")
    terminal.wait_for("q-000 · word diff A → B")
    terminal.press("escape")
    terminal.wait_for("All 2")
    terminal.press("q")
    assert terminal.wait_exit() == 0
