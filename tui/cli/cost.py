"""``batchtui cost``: what batches really cost, and what batching and caching saved."""

from __future__ import annotations

import argparse

from tui.cli.common import add_command, not_yet_available


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers,
        "cost",
        not_yet_available("cost"),
        help="cost tallies by batch, model, label, profile or day",
    )
