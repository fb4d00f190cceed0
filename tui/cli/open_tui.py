"""Plain ``batchtui``: open the TUI on the configured profiles.

Textual, the store and the SDKs are imported here, inside the handler, so that ``batchtui
--help`` and the headless commands never pay for them. The cache is opened first and the list
painted from it; the providers (and their slow SDK imports) come up behind it, on the first
poll, through :class:`~tui.services.DeferredEngine`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping

from tui.cli.common import Context
from tui.core.config import Config
from tui.core.errors import ConfigError


def run(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_open(args, context))


def check_some_profile_usable(config: Config, env: Mapping[str, str]) -> None:
    """Fail before the TUI starts if no profile has a key (what ``Session.open`` would say)."""
    problems = []
    for profile in config.require_profiles():
        try:
            profile.resolve_key(env)
            return
        except ConfigError as exc:
            problems.append(str(exc))
    raise ConfigError("; ".join(problems))


async def _open(args: argparse.Namespace, context: Context) -> int:
    from tui.app import BatchApp
    from tui.core.store import Store
    from tui.services import DeferredEngine, Services

    config = context.config
    check_some_profile_usable(config, context.env)
    context.paths.ensure_data_dir()
    store = await Store.open(context.paths.database)
    engine = DeferredEngine(store, config, env=context.env)
    try:
        app = BatchApp(Services(store, engine, config, read_only=args.read_only))
        await app.run_async()
    finally:
        await engine.close()
        await store.close()
    return app.return_code or 0
