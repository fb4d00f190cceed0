"""``batchtui sim``: run the batch API simulator on loopback until Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.common import EXIT_USAGE, Context, add_command

if TYPE_CHECKING:
    from tui.sim import Simulator


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "sim",
        run,
        help="run the batch API simulator (both APIs) on loopback",
        description="Run the Anthropic Message Batches and OpenAI Batch API simulator on "
        "loopback. Point the official SDKs at the printed base URLs with any API key.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second (0 freezes)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and outcomes")
    parser.add_argument(
        "--state", type=Path, metavar="FILE", help="restore state from FILE and save it on exit"
    )
    parser.add_argument(
        "--expire-rate", type=float, default=0.02, help="share of batches that expire (0-1)"
    )
    parser.add_argument(
        "--error-rate", type=float, default=0.02, help="share of requests that fail (0-1)"
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help="faults to inject, e.g. 'anthropic.results:drop:1:after_bytes=200000,*:429:3' "
        "(route:kind[:count[:key=value...]], comma-separated; count '-' = for ever)",
    )
    parser.add_argument("--demo", action="store_true", help="start with the demo workspace")
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print a batchtui config (one profile per API) for a simulator on --host/--port, "
        "and exit",
    )


SIM_KEY = "sk-sim"
"""The key the printed config holds: the simulator accepts any non-empty key."""


def sim_config_text(host: str, port: int) -> str:
    """A config file whose two profiles use the simulator at ``host:port``."""
    import tomli_w

    from tui.sim.anthropic_api import PREFIX as ANTHROPIC_PREFIX
    from tui.sim.openai_api import PREFIX as OPENAI_PREFIX

    base = f"http://{host}:{port}"
    document = {
        "profiles": {
            "sim-anthropic": {
                "provider": "anthropic",
                "api_key": SIM_KEY,
                "base_url": base + ANTHROPIC_PREFIX,
            },
            "sim-openai": {
                "provider": "openai",
                "api_key": SIM_KEY,
                "base_url": base + OPENAI_PREFIX,
            },
        }
    }
    header = (
        f"# batchtui on the simulator at {base} (start it with `batchtui sim --port {port}`).\n"
        "# Save with mode 0600 (the file holds a key, if only a fake one), then run\n"
        "# `batchtui --config FILE`.\n"
    )
    return header + tomli_w.dumps(document)


def parse_faults(spec: str) -> list[dict[str, object]]:
    """``route:kind[:count[:key=value...]]`` items, comma-separated, as ``Faults.inject`` kwargs."""
    faults: list[dict[str, object]] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        fields = item.split(":")
        if len(fields) < 2:
            raise ValueError(f"fault {item!r}: expected route:kind[:count[:key=value...]]")
        fault: dict[str, object] = {"route": fields[0], "kind": fields[1]}
        if len(fields) > 2 and fields[2]:
            fault["count"] = None if fields[2] == "-" else int(fields[2])
        for option in fields[3:]:
            key, _, value = option.partition("=")
            if key not in ("seconds", "after_bytes", "retry_after_ms", "retry_after"):
                raise ValueError(f"fault {item!r}: unknown option {key!r}")
            if key == "retry_after_ms" and value == "-":
                fault[key] = None  # no retry-after-ms: clients wait retry_after seconds
                continue
            fault[key] = float(value) if key == "seconds" else int(value)
        faults.append(fault)
    return faults


def run(args: argparse.Namespace, context: Context) -> int:
    if args.print_config:
        if args.port == 0:
            print("batchtui sim --print-config: name the port (--port N)", file=sys.stderr)
            return EXIT_USAGE
        print(sim_config_text(args.host, args.port), end="")
        return 0
    from tui.sim import SimOptions, Simulator

    try:
        faults = parse_faults(args.faults or "")
    except ValueError as exc:
        print(f"batchtui sim: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = SimOptions(
        seed=args.seed,
        speed=args.speed,
        expire_rate=args.expire_rate,
        error_rate=args.error_rate,
        state_file=args.state,
    )
    sim = Simulator(options)
    try:
        for fault in faults:
            # parse_faults allows only inject()'s keyword names, each with its type.
            sim.faults.inject(**fault)  # type: ignore[arg-type]
    except ValueError as exc:
        print(f"batchtui sim: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.demo and not sim.state.anthropic and not sim.state.openai:
        sim.seed_demo_workspace()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sim, args.host, args.port))
    return 0


async def _serve(sim: Simulator, host: str, port: int) -> None:
    await sim.start(host=host, port=port)
    print(f"Anthropic base URL: {sim.anthropic_base_url}")
    print(f"OpenAI base URL:    {sim.openai_base_url}")
    print(f"Control API:        {sim.base_url}/_sim/  (any API key works; Ctrl+C stops)")
    sys.stdout.flush()
    stopped = asyncio.Event()
    # SIGTERM stops as cleanly as Ctrl+C does, so --state is saved either way.
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    try:
        await stopped.wait()
    finally:
        await sim.stop()
