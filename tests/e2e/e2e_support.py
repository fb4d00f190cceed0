"""Steps the end-to-end stories share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness import Terminal

if TYPE_CHECKING:
    from conftest import Workspace


def open_list(space: Workspace, expected: str) -> Terminal:
    """Plain ``batchtui``; wait until the first poll (import, refresh, downloads) is over,
    both profiles reached, and the list shows ``expected``."""
    terminal = space.open_tui()
    # "synced" shows once a profile's round went well; "next poll" once the whole first poll
    # (its downloads included) is over and the next one is armed.
    terminal.wait_for(lambda text: "● work ● oa" in text and "next poll" in text)
    terminal.wait_for(expected)
    return terminal
