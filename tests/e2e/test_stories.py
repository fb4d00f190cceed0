"""The mission's stories, end to end: the installed ``batchtui`` in an 80x24 pseudo-terminal,
on ``batchtui sim``, through the wiring a user gets (config file, keys in the environment).

Each test asserts on the screen text a user sees, and on what the provider (the simulator,
asked through the official SDK or its counters) says happened.
"""

from __future__ import annotations

import re

from steps import confirm, open_list, visible_rows, write_requests

# --- the stories -------------------------------------------------------------------------------


def test_the_list_shows_the_accounts_batches_and_q_restores_the_terminal(
    make_workspace,
) -> None:
    space = make_workspace("--demo")
    ids = [batch.id for batch in space.anthropic().messages.batches.list(limit=100)]
    terminal = open_list(space, "All 27")
    text = terminal.text()
    # The newest batches of the account, by the shortened id the list shows.
    assert ids[0].removeprefix("msgbatch_01")[:11] in text
    terminal.press("q")
    assert terminal.wait_exit() == 0
    tail = terminal.output[-400:]
    assert b"\x1b[?1049l" in tail  # back from the alternate screen
    assert b"\x1b[?25h" in tail  # cursor shown again


def test_readme_try_it_starts_the_demo_in_a_terminal(make_workspace) -> None:
    """``batchtui demo`` (README's "Try it") needs no config and no key: its own simulator,
    its own profiles, the demo's labels; q quits it cleanly."""
    space = make_workspace()
    for variable in ("BATCHTUI_CONFIG", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        del space.env[variable]
    terminal = space.open_tui("demo")
    terminal.wait_for(lambda text: "● anthropic ● openai" in text and "support triage" in text)
    terminal.press("q")
    assert terminal.wait_exit() == 0


def test_submit_a_file_from_the_tui_creates_exactly_one_batch(make_workspace) -> None:
    space = make_workspace()
    path = write_requests(space.root / "questions.jsonl", 5)
    terminal = open_list(space, "All 0")
    terminal.press("n")
    terminal.wait_for("Submit a requests file")
    terminal.type(path.name)  # relative to the working directory, as a user types it
    terminal.press("enter")  # check
    terminal.wait_for("5 anthropic requests")
    terminal.wait_for("cost:")  # the estimate; then the focus is on Submit
    terminal.press("enter")
    confirm(terminal, "Submit this file?")
    terminal.wait_for("All 1")
    batches = list(space.anthropic().messages.batches.list())
    assert len(batches) == 1
    assert batches[0].request_counts.processing == 5
    assert space.sim.counters()["anthropic.create"] == 1


def test_retry_resends_only_the_failed_requests_as_one_new_batch(make_workspace) -> None:
    space = make_workspace("--error-rate", "0.3")
    path = write_requests(space.root / "nightly.jsonl", 30, prefix="n")
    space.run("submit", str(path), "--profile", "work", "--label", "nightly", "--yes")
    space.sim.advance(3600 * 2)
    client = space.anthropic()
    [parent] = list(client.messages.batches.list())
    failed = {r.custom_id for r in client.messages.batches.results(parent.id)}
    failed -= {
        r.custom_id
        for r in client.messages.batches.results(parent.id)
        if r.result.type == "succeeded"
    }
    assert 0 < len(failed) < 30

    terminal = open_list(space, "nightly")
    assert f"✗{len(failed)}" in terminal.text()
    terminal.press("R")
    terminal.wait_for(f"retry {len(failed)} request(s)")
    terminal.press("tab", "enter")  # focus starts on Cancel; Retry is next
    terminal.wait_for("All 2")

    batches = list(client.messages.batches.list())
    assert len(batches) == 2
    assert space.sim.counters()["anthropic.create"] == 2
    child = next(b for b in batches if b.id != parent.id)
    space.sim.advance(3600 * 2)
    assert {r.custom_id for r in client.messages.batches.results(child.id)} == failed


def test_cancel_a_running_batch(make_workspace) -> None:
    space = make_workspace()
    client = space.anthropic()
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": f"c-{i}",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 64,
                    "messages": [{"role": "user", "content": "Hi"}],
                },
            }
            for i in range(50)
        ]
    )
    terminal = open_list(space, "running")
    terminal.press("c")
    confirm(terminal, "are still processing")
    terminal.wait_for("canceling")
    assert client.messages.batches.retrieve(batch.id).cancel_initiated_at is not None


def test_every_visible_row_belongs_to_the_chosen_filter(make_workspace) -> None:
    """The inspector on the demo's 20,000-request batch: outcome tabs, an error group, a stop
    reason and a search each show only matching rows (on screen, not in the widget)."""
    space = make_workspace("--demo")
    terminal = open_list(space, "20k/20k ✗219")
    lines = terminal.lines()
    row = next(i for i, line in enumerate(lines) if "20k/20k" in line)
    first = next(i for i, line in enumerate(lines) if line.startswith(" ◍"))
    short_id = lines[row].split()[2].rstrip("…")
    terminal.press(*["down"] * (row - first))
    terminal.wait_for(f"msgbatch_01{short_id}")  # the detail pane follows the cursor
    terminal.press("enter")
    terminal.wait_for("Errored 219")  # every result downloaded and counted

    terminal.press("3")
    text = terminal.wait_for("219 of 20,000")
    assert_rows(text, lambda glyph, _id, _reason: glyph == "✗")

    terminal.press("tab")  # to the error groups; their keys in the footer say it has the focus
    terminal.wait_for("Mark group")
    # The highlight stays on the group it was on while the list was still being counted, so
    # go to the top first: the second group, whatever was highlighted.
    terminal.press("home", "down", "enter")
    text = terminal.wait_for("93 of 20,000")
    assert_rows(text, lambda _g, _id, reason: reason == "overloaded")

    terminal.press("x", "2")  # clear the filters, then the Succeeded tab
    text = terminal.wait_for("19,781 of 20,000")
    assert_rows(text, lambda glyph, _id, _reason: glyph == "✓")

    # The stop-reason dropdown (two fields back from the list): its second reason.
    terminal.press("shift+tab", "shift+tab", "enter")
    terminal.wait_for("esc Dismiss menu")
    terminal.press("down", "down", "enter")
    text = terminal.wait_for(re.compile(r"max_tokens \(([\d,]+)\)\s+▼.*\b\1 of 20,000"))
    assert_rows(text, lambda glyph, _id, reason: glyph == "✓" and reason == "max_tokens")

    terminal.press("x", "2")  # clear the filters again
    terminal.wait_for("19,781 of 20,000")
    terminal.press("/")
    # Focus moves on the next turn of the app's loop: typed ahead, the text would go to the
    # list. The footer shows the search box's keys once it has the focus.
    terminal.wait_until_gone("space Mark")
    terminal.type("ticket-01234")  # the reply names the request it answers
    terminal.press("enter")
    text = terminal.wait_for(re.compile(r"\b1 of 20,000"))
    assert_rows(text, lambda _g, custom_id, _r: custom_id == "ticket-01234", least=1)


def assert_rows(text: str, belongs, least: int = 15) -> None:
    rows = visible_rows(text)
    assert len(rows) >= least, text
    wrong = [row for row in rows if not belongs(*row)]
    assert not wrong, f"rows outside the filter: {wrong}\n{text}"
