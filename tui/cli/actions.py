"""``batchtui cancel|delete``: actions on one batch at its provider."""

from __future__ import annotations

import argparse

from tui.cli.common import add_command, not_yet_available


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(subparsers, "cancel", not_yet_available("cancel"), help="cancel a running batch")
    add_command(
        subparsers,
        "delete",
        not_yet_available("delete"),
        help="delete an ended batch at its provider (the local copy stays)",
    )
