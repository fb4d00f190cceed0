"""Start-up and keys (issue 15), end to end: the installed ``batchtui`` in an 80x24 pty.

No key in the environment, a fresh install, the demo's start, q and Esc on every level, and
the ends of the lines at 80 columns (the status bar, the footer)."""

from __future__ import annotations

from pathlib import Path

from harness import Terminal


def last_lines(terminal: Terminal) -> tuple[str, str]:
    """The status bar (first line) and the footer (last line) as shown."""
    lines = terminal.lines()
    return lines[0], lines[-1]


def test_no_key_opens_the_cache_read_only_and_says_why(make_workspace) -> None:
    space = make_workspace("--demo")
    space.run("sync")  # the cache holds the account's batches
    del space.env["ANTHROPIC_API_KEY"]
    terminal = space.open_tui()
    text = terminal.wait_for("All 27")
    status, _footer = last_lines(terminal)
    assert "work" in status
    assert "✗" in status.split("work")[0][-3:]  # the profile is marked
    terminal.wait_for("● oa")  # the other profile polls as usual
    # Without its key, the profile's batches cannot be changed: c says why.
    terminal.press("c")
    terminal.wait_for("ANTHROPIC_API_KEY")
    assert "Cancel this batch?" not in terminal.text()
    assert "msgbatch" in text or "All 27" in text
    terminal.press("q")
    assert terminal.wait_exit() == 0


def test_an_unwritable_cache_opens_read_only_and_says_why(make_workspace) -> None:
    """A cache SQLite can read but not write (a read-only data directory; tests run as root,
    so its write-ahead log is blocked instead of using chmod): the list opens, nothing polls,
    and every change is refused with the reason."""
    space = make_workspace("--demo")
    space.run("sync")
    database = space.root / "data" / "batchtui.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    Path(f"{database}-wal").mkdir()
    calls_before = space.sim.counters()
    terminal = space.open_tui()
    terminal.wait_for("All 27")
    status, _footer = last_lines(terminal)
    assert "read-only: cache not writable" in status
    terminal.wait_for("Cache opened read-only")
    terminal.wait_until_gone("Cache opened read-only", timeout=15)
    terminal.press("c")
    text = terminal.wait_for("Read-only:")  # the reason, the path of the cache named
    assert "Cancel this batch?" not in text
    assert "batchtui.db: cannot" in text
    assert space.sim.counters() == calls_before  # no poll, no cancel: no call at all
    terminal.press("q")
    assert terminal.wait_exit() == 0


def test_a_fresh_install_opens_an_empty_list_with_a_hint(make_workspace) -> None:
    space = make_workspace()
    for variable in ("BATCHTUI_CONFIG", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        del space.env[variable]
    terminal = space.open_tui()
    text = terminal.wait_for("No batches yet")
    assert "batchtui sim" in text
    assert "batchtui config init" in text
    assert "no profile" in last_lines(terminal)[0]
    terminal.press("q")
    assert terminal.wait_exit() == 0


def test_the_demo_says_what_it_does_before_the_tui_starts(make_workspace) -> None:
    space = make_workspace()
    for variable in ("BATCHTUI_CONFIG", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        del space.env[variable]
    terminal = space.open_tui("demo")
    terminal.wait_for("support triage")
    output = terminal.output
    start = output.index(b"starting the batch API simulator")
    assert start < output.index(b"importing the demo batches") < output.index(b"\x1b[?1049h")
    terminal.press("q")
    assert terminal.wait_exit() == 0


def test_q_and_escape_go_back_level_by_level_and_q_quits_from_the_list(
    make_workspace,
) -> None:
    space = make_workspace("--demo")
    terminal = space.open_tui()
    terminal.wait_for(lambda text: "● work ● oa" in text and "synced" in text)
    terminal.press("enter")  # the newest batch's requests
    terminal.wait_for("Error groups")
    terminal.press("?")
    terminal.wait_for("Keys")
    terminal.press("q")  # closes the help
    terminal.wait_until_gone("Moving around")
    terminal.press("q")  # leaves the inspector, does not quit
    terminal.wait_for("All 27")
    terminal.press("s")
    terminal.wait_for("Sort the list by")
    terminal.press("escape")
    terminal.wait_until_gone("Sort the list by")
    assert terminal.process.isalive()
    terminal.press("q")
    assert terminal.wait_exit() == 0


def test_the_lines_at_80_columns_end_whole(make_workspace) -> None:
    space = make_workspace("--demo")
    terminal = space.open_tui()
    terminal.wait_for(lambda text: "● work ● oa" in text and "synced" in text)
    status, footer = last_lines(terminal)
    assert footer.rstrip().endswith("^p palette")
    assert "Qui▏" not in footer
    keys = footer.split("▏")[0]
    assert keys.rstrip().endswith(("Quit", "Help", "Poll", "Costs"))
    assert not status.endswith("…")
    assert "synced" in status or "next poll" in status
