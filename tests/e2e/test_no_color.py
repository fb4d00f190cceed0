"""``NO_COLOR=1`` in a real terminal: only greys are sent, and failures still stand out.

Textual's NO_COLOR filter turns every colour into a grey. Without hue, red would be the dimmest
text on screen; batchtui draws failures bold and reversed instead. Checked on what the terminal
received: the escape codes, and the emulated screen's cell attributes.
"""

from __future__ import annotations

import re

from steps import open_list

PALETTE = re.compile(rb"\x1b\[[0-9;]*?[34]8;5;(\d+)")
"""A 256-colour foreground or background in an SGR sequence (the terminal is xterm-256color)."""
GREYS = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}
"""The palette entries without hue: black, white, the cube's diagonal and the grey ramp."""


def test_without_colour_failures_are_bold_or_reversed_at_80x24(make_workspace) -> None:
    space = make_workspace("--demo")
    space.env["NO_COLOR"] = "1"
    terminal = open_list(space, "20k/20k ✗219")
    row = next(i for i, line in enumerate(terminal.lines()) if "20k/20k ✗219" in line)
    column = terminal.lines()[row].index("✗219")
    with terminal._changed:  # the reader thread feeds the screen: read it under its lock
        cell = terminal.screen.buffer[row][column]
    assert cell.data == "✗"
    assert cell.bold or cell.reverse, cell
    assert "failed" in terminal.text()  # the failed batch says so in words
    hues = {int(n) for n in PALETTE.findall(terminal.output)} - GREYS
    assert not hues, f"colours sent despite NO_COLOR: {sorted(hues)}"
    terminal.press("q")
    assert terminal.wait_exit() == 0
