"""``batchtui submit|retry|results``: getting requests in and results out."""

from __future__ import annotations

import argparse

from tui.cli.common import add_command, not_yet_available


def register(subparsers: argparse._SubParsersAction) -> None:
    add_command(
        subparsers,
        "submit",
        not_yet_available("submit"),
        help="validate, estimate and submit a JSONL requests file",
    )
    add_command(
        subparsers,
        "retry",
        not_yet_available("retry"),
        help="resubmit a batch's failed requests as a new batch",
    )
    add_command(
        subparsers,
        "results",
        not_yet_available("results"),
        help="export a batch's results as JSONL or CSV",
    )
