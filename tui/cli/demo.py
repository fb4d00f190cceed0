"""``batchtui demo``: the TUI on the built-in simulator with a seeded workspace."""

from __future__ import annotations

import argparse

from tui.cli.common import add_command, not_yet_available


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers,
        "demo",
        not_yet_available("demo"),
        help="open the TUI on the built-in simulator with demo data (no API key needed)",
    )
