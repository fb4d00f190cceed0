"""Plain ``batchtui``: open the TUI on the configured profiles.

Textual, the store and the SDKs are imported here, inside the handler, so that ``batchtui
--help`` and the headless commands never pay for them. The cache is opened first and the list
painted from it; the providers (and their slow SDK imports) come up behind it, on the first
poll (see :class:`~tui.services.Services`, the one wiring the demo and the tests share).
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
    from tui.services import Services

    config = context.config
    check_some_profile_usable(config, context.env)
    context.paths.ensure_data_dir()
    services = Services(config, context.paths.database, env=context.env, read_only=args.read_only)
    async with services:
        app = BatchApp(services)
        await app.run_async()
    return app.return_code or 0
