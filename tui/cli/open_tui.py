"""Plain ``batchtui``: open the TUI on the configured profiles.

Textual, the store and the SDKs are imported here, inside the handler, so that ``batchtui
--help`` and the headless commands never pay for them.
"""

from __future__ import annotations

import argparse
import asyncio

from tui.cli.common import Context


def run(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_open(args, context))


async def _open(args: argparse.Namespace, context: Context) -> int:
    from tui.app import BatchApp
    from tui.core.session import Session
    from tui.services import Services

    config = context.config
    config.require_profiles()
    context.paths.ensure_data_dir()
    async with Session.open(config, context.paths.database, env=context.env) as session:
        services = Services(session.store, session.engine, config, read_only=args.read_only)
        app = BatchApp(services)
        await app.run_async()
    return app.return_code or 0
