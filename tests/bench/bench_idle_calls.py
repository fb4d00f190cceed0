"""API calls per minute per profile while the TUI is open and nothing is active.

Not a test: run it and read the figures::

    python tests/bench/bench_idle_calls.py [--minutes 30] [--scale 60]

What a user's accounts pay while batchtui sits open with nothing to watch: one ``batchtui sim``
process with an ended, already-stored Anthropic batch and an empty OpenAI account; plain
``batchtui`` in a pseudo-terminal (tests/e2e/harness.py) on both profiles. The start-up poll
(listing both accounts, downloading the ended batch) is waited for and left out; then the
simulator's per-route counters are read, the TUI is left alone for ``--minutes`` simulated
minutes, and read again.

Time is compressed ``--scale`` times so that half an hour takes half a minute: the config's
``poll_interval`` and ``max_poll_interval`` (the defaults, 15 s and 300 s) are divided by the
scale, and the simulator runs at that speed, so every interval the TUI keeps is the user's,
shrunk by the same factor. Calls per simulated minute are therefore calls / ``--minutes``.

Goal: at most 1 call per minute per profile.

Figures (2026-12-06):

* main at f69b639 (and this branch on it): 0 calls in 30 simulated idle minutes for both
  profiles: 0.00 per minute. The TUI listed each account once at start (and on `r`), later
  polls asked only about active batches; batches made elsewhere appeared only on `r`.
* after merging main at 363bc9b (every poll lists the newest batches, so batches made
  elsewhere appear): 8 calls per profile in 30 simulated minutes, 0.27 per minute: met. The
  polls back off from ``poll_interval`` (15 s) to ``max_poll_interval`` (300 s) when nothing
  changes, so the steady rate is one list call per profile per 5 minutes (0.2 per minute).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from e2e_bench_support import (
    batchtui,
    create_ended_batch,
    make_workspace,
    run_child,
    start_sim,
    verdict,
)
from harness import SimProcess, Terminal

GOAL_PER_MINUTE = 1.0
DEFAULT_POLL, DEFAULT_MAX_POLL = 15.0, 300.0
PROFILES = {"work": "anthropic.", "oa": "openai."}
"""Each profile of the workspace and the prefix of its provider's routes in the counters."""


def calls(sim: SimProcess) -> dict[str, int]:
    """API calls so far per profile (the control API's own routes are not counted)."""
    counters = sim.counters()
    return {
        name: sum(n for route, n in counters.items() if route.startswith(prefix))
        for name, prefix in PROFILES.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated minutes idle")
    parser.add_argument("--scale", type=float, default=60.0, help="simulated s per real s")
    args = parser.parse_args()
    sim = start_sim()
    try:
        create_ended_batch(sim, 100)
        sim.control("POST", "speed", {"speed": args.scale})
        with tempfile.TemporaryDirectory() as tmp:
            space = make_workspace(
                sim,
                Path(tmp),
                poll_interval=DEFAULT_POLL / args.scale,
                max_poll_interval=DEFAULT_MAX_POLL / args.scale,
            )
            run_child(batchtui("sync"), space.env, space.root)  # the ended batch is stored
            terminal = Terminal([], env=space.env, cwd=space.root)
            try:
                terminal.wait_for(lambda text: "synced" in text and "● work ● oa" in text, 60)
                before = calls(sim)
                started = time.monotonic()
                # Leave it alone; the screen is read now and then only to notice a crash.
                while time.monotonic() - started < args.minutes * 60 / args.scale:
                    time.sleep(1)
                    assert terminal.process.isalive(), terminal.text()
                elapsed_minutes = (time.monotonic() - started) * args.scale / 60
                after = calls(sim)
                terminal.press("q")
                terminal.wait_exit(30)
            finally:
                terminal.close()
    finally:
        sim.stop()
    worst = 0.0
    for name in PROFILES:
        count = after[name] - before[name]
        rate = count / elapsed_minutes
        worst = max(worst, rate)
        print(
            f"profile {name}: {count} calls in {elapsed_minutes:.0f} simulated idle minutes: "
            f"{rate:.2f} per minute (before that, set-up sync and start-up poll: "
            f"{before[name]} calls)"
        )
    print(
        f"idle calls per minute per profile: {worst:.2f} (worst profile), goal <= "
        f"{GOAL_PER_MINUTE:.0f}: {verdict(worst <= GOAL_PER_MINUTE)}"
    )


if __name__ == "__main__":
    main()
