"""What every subcommand shares: the run's paths and config, and how errors reach the user."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import orjson

from tui.core.config import Config, load_config
from tui.core.errors import BatchtuiError, ConfigError, StoreNotWritable
from tui.core.paths import AppPaths
from tui.core.text import json_safe, sanitize

if TYPE_CHECKING:
    from tui.core.calllog import CallLog, CallRecord
    from tui.core.session import Session
    from tui.core.store import Store
    from tui.core.submit.submitter import SubmitProgress

EXIT_USAGE = 2
"""Exit code for bad input (config, arguments) and for commands not built yet."""


@dataclass
class Context:
    """The state of one invocation, handed to every subcommand."""

    paths: AppPaths
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @cached_property
    def config(self) -> Config:
        return load_config(self.paths.config_file, self.env, required=self.paths.config_explicit)


Handler = Callable[[argparse.Namespace, Context], int]


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Handler,
    help: str,
    description: str | None = None,
    examples: str | None = None,
) -> argparse.ArgumentParser:
    """Add a subcommand whose handler is ``handler(args, context) -> exit code``; its
    ``examples`` end its --help as written (line breaks kept)."""
    parser = subparsers.add_parser(name, help=help, description=description or help)
    parser.set_defaults(handler=handler)
    if examples is not None:
        parser.epilog = examples
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def not_yet_available(name: str) -> Handler:
    """A handler for a listed command whose feature has not landed yet."""

    def handler(args: argparse.Namespace, context: Context) -> int:
        print(f"batchtui {name}: not yet available in this version", file=sys.stderr)
        return EXIT_USAGE

    return handler


def print_json(data: object) -> None:
    """Print ``data`` as indented JSON whose strings cannot act on a terminal (see
    :func:`tui.core.text.json_safe`)."""
    document = json_safe(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    sys.stdout.write(document.decode() + "\n")
    sys.stdout.flush()


async def open_cache(context: Context) -> Store:
    """The cache, for a command that only reads it (ls, show, cost, results, lineage).

    When the data directory or the database cannot be written, an existing database is opened
    read-only instead, and a note on stderr says so: reading needs no write access.
    """
    from tui.core.store import Store

    try:
        context.paths.ensure_data_dir()
        return await Store.open(context.paths.database)
    except StoreNotWritable as exc:
        if not context.paths.database.is_file():
            raise
        store = await Store.open(context.paths.database, read_only=True)
        print(f"note: {sanitize(str(exc))}; reading it read-only", file=sys.stderr)
        return store


SDK_WAIT_WORTH_SAYING = 1.0
"""Seconds of a provider-asked wait (429/5xx ``retry-after``) from which the CLI says so."""


def announcing_call_log(also: Callable[[CallRecord], None] | None = None) -> CallLog:
    """A call log that says on stderr when the provider asks the SDK to wait before retrying.

    The SDKs retry a 429 or 5xx by themselves, sleeping through the ``retry-after``; without
    this line a long wait would look like a hang. ``also`` is given every call once it is over
    (``--log-calls``, :mod:`tui.cli.call_lines`)."""
    from tui.core.calllog import CallLog

    def announce(call: CallRecord) -> None:
        if also is not None:
            also(call)
        wait = call.retry_after
        if wait is not None and wait >= SDK_WAIT_WORTH_SAYING:
            what = "rate-limited" if call.status == 429 else "server error"
            print(
                f"profile {call.profile!r}: {what} (HTTP {call.status}); "
                f"waiting {wait:g} s before retrying",
                file=sys.stderr,
                flush=True,
            )

    return CallLog(on_finished=announce)


def confirm(yes: bool, question: str) -> bool:
    """``--yes``, or a "y" typed on a terminal; off a terminal without ``--yes``, an error."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise BatchtuiError(f"{question} Not a terminal: add --yes to go ahead without asking")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def print_progress(step: SubmitProgress) -> None:
    """A create flow's step (checked, uploaded, created...) on stderr, as it happens."""
    print(step, file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def session_or_store(
    context: Context, profile: str | None, *, offline_ok: bool
) -> AsyncIterator[tuple[Store, Session | None]]:
    """``(store, session)``; with ``offline_ok``, ``(store, None)`` when no profile is usable."""
    from tui.core.session import Session
    from tui.core.store import Store

    context.paths.ensure_data_dir()
    database = context.paths.database
    async with contextlib.AsyncExitStack() as stack:
        session = None
        try:
            session = await stack.enter_async_context(
                Session.open(context.config, database, profile=profile, env=context.env)
            )
        except ConfigError as exc:
            if not offline_ok:
                raise
            print(f"note: {exc}; working offline", file=sys.stderr)
        if session is None:
            store = await Store.open(database)
            stack.push_async_callback(store.close)
        else:
            store = session.store
        yield store, session
