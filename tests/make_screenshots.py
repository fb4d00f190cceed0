"""Regenerate the SVG screenshots in ``screenshots/`` from the demo data.

    python tests/make_screenshots.py            # every shot
    python tests/make_screenshots.py main-wide  # only the named ones

The data is the simulator's demo workspace (fixed seed, clock frozen at a fixed instant, which
the App also uses as "now"), imported and downloaded once into a temporary cache. Every shot
then runs the App on a copy of it as a user sees it: the App's first real poll of that
simulator, ten simulated minutes later, has ended (profiles synced, running batches moved,
their ETAs known), its toasts cleared, and the countdown to the next poll frozen
(``main_support.PolledBatchApp``). The simulator is served from a thread, so each shot's event
loop can reach it; the demo's keys stay in memory. Add a shot by appending a :class:`Shot` to
:data:`SHOTS`: ``app`` builds the App from the cache path and the simulator, ``steps`` drives
it with the Pilot before the picture is taken.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "ui")]

from call_log_support import CallLogApp  # noqa: E402
from main_support import (  # noqa: E402
    CachedBatchApp,
    PolledBatchApp,
    after_first_poll,
    copy_cache,
    demo_sim_in_thread,
    prepare_cache,
    settle,
)
from textual.app import App  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from tui.core.models import BatchStatus, ProviderKind  # noqa: E402
from tui.sim import Simulator  # noqa: E402

OUTPUT = ROOT / "screenshots"

Steps = Callable[[Pilot], Awaitable[None]]


@dataclass(frozen=True)
class Shot:
    """One screenshot: a file name, a terminal size, the App, and what to do before the shot."""

    name: str
    size: tuple[int, int]
    app: Callable[[Path, Simulator], App]
    steps: Steps | None = None
    title: str = "batchtui"


def main_app(database: Path, sim: Simulator) -> App:
    return PolledBatchApp(database, sim)


def call_log_app(database: Path, sim: Simulator) -> App:
    """The call log's fixed story (call_log_support), over the list as first opened."""
    return CallLogApp(database)


async def _select_running_anthropic(pilot: Pilot) -> None:
    table = pilot.app.main.table
    running = next(
        batch_id
        for batch_id in table.shown_ids
        if table.batches[batch_id].status is BatchStatus.IN_PROGRESS
        and table.batches[batch_id].provider is ProviderKind.ANTHROPIC
        and table.batches[batch_id].label
    )
    table.select(running)
    await settle(pilot)


async def confirm_cancel(pilot: Pilot) -> None:
    await _select_running_anthropic(pilot)
    await pilot.press("c")
    await settle(pilot)


async def detail_of_a_failed_batch(pilot: Pilot) -> None:
    await pilot.press("2", "down", "down", "down")
    await settle(pilot)


async def show_help(pilot: Pilot) -> None:
    await pilot.press("question_mark")
    await settle(pilot)


async def show_costs(pilot: Pilot) -> None:
    await pilot.press("dollar_sign")
    await settle(pilot)


async def requests_of_the_largest_batch(pilot: Pilot) -> None:
    table = pilot.app.main.table
    largest = max(table.shown_ids, key=lambda batch_id: table.batches[batch_id].counts.total)
    table.select(largest)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def detail_of_a_request(pilot: Pilot) -> None:
    await requests_of_the_largest_batch(pilot)
    # The first rows of the demo's largest batch are invalid requests; show an answer.
    await pilot.press(*["down"] * 26, "enter")
    await settle(pilot)
    await pilot.press("4")  # the usage and cost tab
    await settle(pilot)


async def show_call_log(pilot: Pilot) -> None:
    await pilot.press("at", *["down"] * 6)
    await settle(pilot)


def compare_app(database: Path, sim: Simulator) -> App:
    """The App on a cache holding the "eval: opus vs sonnet" pair (made beside ``database``)."""
    from compare_support import prepare_compare_cache

    # Called inside the shot's event loop: the cache is built in a thread with a loop of its own.
    with ThreadPoolExecutor(1) as pool:
        built = pool.submit(prepare_compare_cache, database.parent / "compare")
        pair_database, _a, _b = built.result()
    return CachedBatchApp(pair_database)


async def compare_the_pair(pilot: Pilot) -> None:
    from compare_support import open_compare_of_the_pair

    await open_compare_of_the_pair(pilot)


SHOTS: list[Shot] = [
    Shot("main-wide", (160, 48), main_app),
    Shot("main-80x24", (80, 24), main_app),
    Shot("needs-attention", (120, 36), main_app, detail_of_a_failed_batch),
    Shot("confirm-cancel", (120, 36), main_app, confirm_cancel),
    Shot("help", (100, 40), main_app, show_help),
    Shot("costs", (160, 48), main_app, show_costs),
    Shot("requests", (160, 48), main_app, requests_of_the_largest_batch),
    Shot("request-detail", (120, 36), main_app, detail_of_a_request),
    Shot("call-log", (120, 30), call_log_app, show_call_log),
    Shot("compare", (120, 36), compare_app, compare_the_pair),
]
"""Every screenshot, in README order; other screens append theirs here."""


async def take(shot: Shot, database: Path, sim: Simulator) -> str:
    app = shot.app(database, sim)
    async with app.run_test(size=shot.size) as pilot:
        await after_first_poll(pilot)
        if shot.steps is not None:
            await shot.steps(pilot)
        await settle(pilot)
        return app.export_screenshot(title=shot.title)


def main(names: list[str]) -> int:
    wanted = [shot for shot in SHOTS if not names or shot.name in names]
    unknown = set(names) - {shot.name for shot in SHOTS}
    if unknown:
        print(f"unknown shot(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    OUTPUT.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="batchtui-shots-") as tmp,
        demo_sim_in_thread() as sim,
    ):
        cache = prepare_cache(Path(tmp) / "cache")
        for index, shot in enumerate(wanted):
            database = copy_cache(cache, Path(tmp) / f"shot-{index}")
            svg = asyncio.run(take(shot, database, sim))
            path = OUTPUT / f"{shot.name}.svg"
            path.write_text(svg, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
