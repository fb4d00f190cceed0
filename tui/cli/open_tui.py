"""Plain ``batchtui``: open the TUI on the configured profiles.

Textual, the store and the SDKs are imported here, inside the handler, so that ``batchtui
--help`` and the headless commands never pay for them. The cache is opened first and the list
painted from it; the providers (and their slow SDK imports) come up behind it, on the first
poll (see :class:`~tui.ui.services.Services`, the one wiring the demo and the tests share).
"""

from __future__ import annotations

import argparse
import asyncio

from tui.cli.common import Context


def run(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_open(args, context))


async def _open(args: argparse.Namespace, context: Context) -> int:
    from tui.ui.app import BatchApp
    from tui.ui.services import Services

    # No usable profile is no reason to refuse: the cache still opens, each profile without
    # a key is read-only and the status bar says why (tui.ui.services.key_problem); with no
    # profile at all, the empty list says how to make one.
    config = context.config
    context.paths.ensure_data_dir()
    services = Services(config, context.paths.database, env=context.env, read_only=args.read_only)
    async with services:
        app = BatchApp(services)
        await app.run_async()
    return app.return_code or 0
