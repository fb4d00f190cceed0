"""Plain ``batchtui``: open the TUI on the configured profiles."""

from __future__ import annotations

import argparse

from tui.cli.common import Context, not_yet_available


def run(args: argparse.Namespace, context: Context) -> int:
    return not_yet_available("(the TUI)")(args, context)
