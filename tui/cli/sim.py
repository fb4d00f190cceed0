"""``batchtui sim``: run the batch API simulator on loopback."""

from __future__ import annotations

import argparse

from tui.cli.common import add_command, not_yet_available


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers,
        "sim",
        not_yet_available("sim"),
        help="run the batch API simulator (both APIs) on loopback",
    )
