"""``batchtui demo``: the TUI on the built-in simulator with a seeded workspace.

Everything stays in one process and one asyncio loop: the simulator listens on a free loopback
port, the profiles point at it with dummy keys held only in memory (never written to a file),
and the cache lives in a temporary directory that is removed on exit unless ``--data-dir`` is
given. The simulated clock runs ``--speed`` times faster than the wall clock, so running
batches visibly progress while you watch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_command

if TYPE_CHECKING:
    from tui.core.config import Config
    from tui.core.store import Store
    from tui.sim import Simulator

DEMO_KEYS = {"anthropic": "sk-ant-demo-key", "openai": "sk-demo-key"}
"""Keys the simulator accepts; they only ever live in this process's memory."""


DEMO_LABELS = (
    "support triage",
    "nightly summaries",
    "refund classifier",
    "eval: opus vs sonnet",
    "backfill 2025-Q3",
    "prompt-cache trial",
    "ticket tagging v2",
)
"""Labels the demo gives its batches, as a user would have (labels are local, never sent)."""

COMPARISON_LABELS = ("eval: opus", "eval: sonnet")
"""The labels of the demo's pair of batches worth comparing (same questions, two models)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "demo",
        run,
        help="open the TUI on the built-in simulator with demo data (no API key needed)",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated world")
    parser.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="simulated seconds per real second (default 60: a minute passes every second)",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_demo(args, context))


@contextlib.contextmanager
def _data_dir(args: argparse.Namespace, context: Context) -> Iterator[Path]:
    """``--data-dir`` if the user gave one, else a private temporary directory."""
    if getattr(args, "data_dir", None):
        yield context.paths.ensure_data_dir()
        return
    import tempfile  # only here: every `batchtui` start loads this module

    with tempfile.TemporaryDirectory(prefix="batchtui-demo-") as tmp:
        yield Path(tmp)


def demo_config(sim: Simulator, data_dir: Path) -> Config:
    """Two profiles on the simulator, polled often so the demo stays lively."""
    from tui.core.config import Config, Profile, Settings
    from tui.core.models import ProviderKind

    profiles = {
        "anthropic": Profile(
            "anthropic",
            ProviderKind.ANTHROPIC,
            api_key=DEMO_KEYS["anthropic"],
            base_url=sim.anthropic_base_url,
        ),
        "openai": Profile(
            "openai", ProviderKind.OPENAI, api_key=DEMO_KEYS["openai"], base_url=sim.openai_base_url
        ),
    }
    settings = Settings(poll_interval=5.0, max_poll_interval=20.0)
    return Config(path=data_dir / "demo.toml", profiles=profiles, settings=settings)


async def label_demo_batches(store: Store) -> None:
    """Label two batches in three, oldest first, so the demo looks lived in (deterministic)."""
    batches = sorted(await store.batches.list(), key=lambda b: (b.created_at, b.id))
    for index, batch in enumerate(batches):
        if index % 3 != 2:
            label = DEMO_LABELS[index % len(DEMO_LABELS)]
            await store.batches.annotate(batch.id, label=label)
    if batches:
        note = "Re-run the failed rows with a larger max_tokens before Friday."
        await store.batches.annotate(batches[-1].id, notes=note)


def say(step: str) -> None:
    """A progress line, printed before the TUI takes the screen (the first start takes seconds:
    the SDKs are imported and the demo's batches imported from the simulator)."""
    print(f"batchtui demo: {step}", file=sys.stderr, flush=True)


async def store_demo_requests(sim: Simulator, store: Store) -> int:
    """Keep each demo batch's request params in the cache, as a submitted file would have.

    The demo's batches are made inside the simulator, not by ``batchtui submit``, so without
    this the cache would know their results but not what was sent, and retry would dead-end.
    Only batches the cache knows are stored (the params are the bytes the simulator keeps).
    """
    known = {batch.id for batch in await store.batches.list()}
    stored = 0
    for batches in (sim.state.anthropic, sim.state.openai):
        for batch_id, batch in batches.items():
            if batch_id in known:
                table = batch.table
                stored += await store.requests.put(
                    batch_id, zip(table.custom_ids, table.params, strict=True)
                )
    return stored


async def _demo(args: argparse.Namespace, context: Context) -> int:
    say("starting the batch API simulator…")
    from tui.sim import SimOptions, Simulator
    from tui.sim.scenarios import seed_model_comparison
    from tui.ui.app import BatchApp
    from tui.ui.services import Services

    # Quitting while results stream resets the connection; aiohttp would log that as an
    # error with a traceback onto the terminal the TUI just handed back.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    sim = Simulator(SimOptions(seed=args.seed, speed=args.speed))
    await sim.start(host="127.0.0.1", port=0)
    try:
        sim.seed_demo_workspace()
        pair = seed_model_comparison(sim)  # two batches worth comparing (= on the list)
        with _data_dir(args, context) as data_dir:
            services = Services(
                demo_config(sim, data_dir),
                data_dir / "batchtui.db",
                env={},
                read_only=args.read_only,
                clock=lambda: sim.clock.now().astimezone(),
                engine_clock=sim.clock.now,
            )
            async with services:
                say(f"importing the demo batches from {sim.base_url}…")
                await services.engine.import_all()  # the list is full on the first paint
                await label_demo_batches(services.store)
                for batch_id, label in zip(pair, COMPARISON_LABELS, strict=True):
                    await services.store.batches.annotate(batch_id, label=label)
                # Written on the cache's writer connection while the App paints from its
                # reader: the params cost half a second the first paint need not wait for.
                requests = asyncio.create_task(store_demo_requests(sim, services.store))
                say("opening the TUI (q quits)")
                app = BatchApp(services)
                await app.run_async()
                await requests
    finally:
        await sim.stop()
    return app.return_code or 0
