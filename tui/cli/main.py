"""Entry point of the ``batchtui`` command: global options, subcommands, error reporting.

Each group of subcommands lives in its own module and registers itself here. Heavy imports
(Textual, the SDKs) happen inside the handlers, so ``batchtui --help`` and the headless commands
start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tui import __version__
from tui.cli import (
    actions,
    attach,
    batches,
    cache_cmd,
    compare,
    config_cmd,
    cost,
    demo,
    lineage,
    open_tui,
    results,
    retry,
    sim,
    submit,
)
from tui.cli.common import Context
from tui.core.errors import BatchtuiError
from tui.core.paths import resolve_paths
from tui.core.text import sanitize

COMMAND_MODULES = (
    demo, sim, batches, submit, retry, results, attach, lineage, compare, actions, cost,
    cache_cmd, config_cmd,
)  # fmt: skip
"""Modules whose ``register(subparsers)`` adds their subcommands, in the order --help lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description="A terminal app for LLM batch jobs (Anthropic Message Batches, OpenAI Batch). "
        "With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    add_global_options(parser)
    parser.set_defaults(handler=open_tui.run)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    for command in subparsers.choices.values():
        # After the command too (`batchtui ls --data-dir X`); SUPPRESS: an option not repeated
        # there keeps the value given before the command instead of resetting it.
        add_global_options(command, default=argparse.SUPPRESS)
    return parser


def add_global_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """--config, --data-dir and --read-only, accepted before and after the subcommand."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: platform config dir; env BATCHTUI_CONFIG)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        default=default,
        help="where the cache database lives (default: platform data dir; env BATCHTUI_DATA_DIR)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=False if default is None else default,
        help="TUI: hide every action that changes anything at the provider",
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        context = Context(paths=resolve_paths(args.config, args.data_dir))
        if _reads_user_config(args):
            # Loaded up front, so a missing or malformed file is reported by every command,
            # even one (ls, show) that would otherwise never look at it.
            context.config  # noqa: B018
        return args.handler(args, context)
    except BatchtuiError as exc:
        # An error may quote a provider, a file or a label: nothing in it may reach the
        # terminal as an escape sequence.
        hint = f"; {exc.cli_hint}" if exc.cli_hint else ""
        print(f"batchtui: {sanitize(str(exc))}{hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`batchtui ls | head`): not worth a traceback. Point stdout at
        # /dev/null so the interpreter's last flush does not raise again, and exit as a
        # process killed by SIGPIPE would.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _reads_user_config(args: argparse.Namespace) -> bool:
    if args.handler in (demo.run, sim.run):
        return False  # they run on a config of their own
    if args.handler is config_cmd.run:
        return bool(args.action == "show")  # `config init` makes the file, `path` names it
    return True


if __name__ == "__main__":
    raise SystemExit(main())
