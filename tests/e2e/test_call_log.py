"""The ``@`` call log in the real ``batchtui``: the calls of the first poll, the 429s the SDK
retried, and no key on screen."""

from __future__ import annotations

from conftest import ANTHROPIC_KEY, OPENAI_KEY
from steps import open_list


def test_at_shows_the_sessions_calls_with_the_rate_limited_ones(make_workspace) -> None:
    space = make_workspace("--demo")
    # The list of batches is refused twice; the SDK retries and the third try gets through.
    space.sim.control("POST", "faults", {"route": "anthropic.list", "kind": "429", "count": 2})
    terminal = open_list(space, "All 27")
    terminal.press("@")
    terminal.wait_for("API calls this session")
    terminal.press("t")  # only the trouble: the first calls are far down the list by now
    # The two 429s listed, and the pane below following the highlighted one (its full route).
    text = terminal.wait_for(
        lambda screen: screen.count("⚠ 429") == 2 and "/v1/messages/batches" in screen
    )
    assert "⚠ 2 rate-limited, failed or unanswered" in text
    assert ANTHROPIC_KEY not in text
    assert OPENAI_KEY not in text
    terminal.press("escape")
    terminal.wait_for("All 27")
    terminal.press("q")
    assert terminal.wait_exit() == 0
