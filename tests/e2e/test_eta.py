"""A running batch's ETA in the list (issue 15), in the real ``batchtui`` at 80x24: it appears in
the Left column once two polls have seen the batch move; until then the list says when its
requests expire."""

from __future__ import annotations

import re

from steps import open_list

ETA = re.compile(r"\beta (\d+[smhd]|now)\b")


def test_the_list_shows_an_eta_once_two_polls_saw_a_batch_move(make_workspace) -> None:
    space = make_workspace("--demo")
    terminal = open_list(space, "All 27")  # the first poll: one count of every batch
    text = terminal.text()
    assert "exp " in text
    assert not ETA.search(text)
    space.sim.advance(600)  # ten minutes pass at the provider; the OpenAI batches move
    terminal.press("r")  # poll now: the second count
    text = terminal.wait_for(ETA)
    row = next(line for line in text.splitlines() if ETA.search(line))
    assert "running" in row
    terminal.press("q")
    assert terminal.wait_exit() == 0
