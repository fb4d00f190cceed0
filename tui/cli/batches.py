"""``batchtui sync|ls|show|watch``: the cache and the sync engine from a shell."""

from __future__ import annotations

import argparse

from tui.cli.common import add_command, not_yet_available


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers,
        "sync",
        not_yet_available("sync"),
        help="one pass: import batches, refresh active ones, download ended results",
    )
    add_command(subparsers, "ls", not_yet_available("ls"), help="list cached batches")
    add_command(subparsers, "show", not_yet_available("show"), help="show one batch")
    add_command(
        subparsers,
        "watch",
        not_yet_available("watch"),
        help="poll until every active batch has ended, printing each transition",
    )
