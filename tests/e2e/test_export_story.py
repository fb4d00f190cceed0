"""Exporting the results of several batches at once, end to end: two batches submitted with
``batchtui submit`` and run by ``batchtui sim``; in the real ``batchtui`` at 80x24 the user marks
both with Space, presses ctrl+e, reads the files it will write, and confirms."""

from __future__ import annotations

import json

from conftest import Workspace
from steps import open_list, write_requests


def test_mark_two_batches_and_export_their_results_a_file_each(make_workspace) -> None:
    space: Workspace = make_workspace("--error-rate", "0.25")
    for label in ("night-a", "night-b"):
        path = write_requests(space.root / f"{label}.jsonl", 12, prefix=label)
        space.run("submit", str(path), "--profile", "work", "--label", label, "--yes")
    space.sim.advance(3600 * 2)
    ids = {batch.id for batch in space.anthropic().messages.batches.list()}

    terminal = open_list(space, "night-a")
    terminal.wait_for("night-b")
    terminal.press(" ")  # marks the first row and moves to the second
    terminal.wait_for("◉")
    terminal.press(" ")
    terminal.wait_for(lambda text: text.count("◉") == 2)
    terminal.press("ctrl+e")
    text = terminal.wait_for("JSONL · all new files")
    assert "Export the results of 2 batch(es)" in text
    terminal.press("enter")  # the folder proposed is the working directory
    text = terminal.wait_for("2 file(s), 24 result(s) written")

    files = sorted(space.root.glob("*-results.jsonl"))
    assert sorted(f.name.removesuffix("-results.jsonl") for f in files) == sorted(ids)
    for file in files:
        rows = [json.loads(line) for line in file.read_text().splitlines()]
        assert len(rows) == 12
        assert {row["custom_id"].split("-")[0] for row in rows} == {"night"}
    terminal.press("q")
    assert terminal.wait_exit() == 0
