"""``batchtui cancel|delete``: actions on one batch at its provider.

Both ask for confirmation on a terminal; elsewhere (scripts, pipes) they need ``--yes``, so a
mistyped command in a script never cancels anything by itself. ``delete`` refuses a batch that
has not ended, before any network call. Only the batch's own profile needs a key.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from tui.cli.common import EXIT_USAGE, Context, add_command, open_cache
from tui.core.errors import BatchtuiError
from tui.core.models import Batch, ProviderKind

if TYPE_CHECKING:
    from tui.core.session import Session


def register(subparsers: argparse._SubParsersAction) -> None:
    cancel = add_command(subparsers, "cancel", run_cancel, help="cancel a running batch")
    cancel.add_argument("id", metavar="ID", help="batch id, or a unique prefix of one")
    cancel.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    delete = add_command(
        subparsers,
        "delete",
        run_delete,
        help="delete an ended batch at its provider (the local copy stays)",
    )
    delete.add_argument("id", metavar="ID", help="batch id, or a unique prefix of one")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def run_cancel(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_cancel(args, context))


def run_delete(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_delete(args, context))


async def _cancel(args: argparse.Namespace, context: Context) -> int:
    batch = await _find(args.id, context)
    if batch.is_terminal:
        raise BatchtuiError(f"batch {batch.id} has already ended ({batch.status.value})")
    c = batch.counts
    question = (
        f"Cancel batch {batch.id} ({batch.profile}, {c.finished:,}/{c.total:,} requests done)? "
        "Unfinished requests will not run."
    )
    if not _confirmed(question, args.yes):
        return EXIT_USAGE
    async with _session(batch, context) as session:
        canceled = await session.engine.cancel(batch.id)
    print(f"{canceled.id}: {canceled.status.value}")
    return 0


async def _delete(args: argparse.Namespace, context: Context) -> int:
    batch = await _find(args.id, context)
    if not batch.is_terminal:
        raise BatchtuiError(
            f"batch {batch.id} is {batch.status.value}: only an ended batch can be deleted; "
            f"cancel it first (`batchtui cancel {batch.id}`) and wait for it to end"
        )
    question = (
        f"Delete batch {batch.id} ({batch.profile}) at {batch.provider.value}? "
        "The provider's copy of its results goes; the local cache keeps its copy."
    )
    if not _confirmed(question, args.yes):
        return EXIT_USAGE
    async with _session(batch, context) as session:
        await session.engine.delete(batch.id)
    if batch.provider is ProviderKind.OPENAI:  # OpenAI has no batch delete
        print(f"{batch.id}: its files deleted at openai (kept in the local cache)")
    else:
        print(f"{batch.id}: deleted at {batch.provider.value} (kept in the local cache)")
    return 0


async def _find(id_or_prefix: str, context: Context) -> Batch:
    async with await open_cache(context) as store:
        return await store.batches.find(id_or_prefix)


def _session(batch: Batch, context: Context) -> AbstractAsyncContextManager[Session]:
    # The sync engine loads with the command that needs it, not with every `batchtui` start
    # (the TUI's first paint among them).
    from tui.core.session import Session

    return Session.open(
        context.config, context.paths.database, profile=batch.profile, env=context.env
    )


def _confirmed(question: str, yes: bool) -> bool:
    """``--yes``, or a "y" typed on a terminal; anything else declines, with a message."""
    if yes:
        return True
    if not sys.stdin.isatty():
        print("batchtui: not a terminal: pass --yes to confirm", file=sys.stderr)
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        print("nothing done", file=sys.stderr)
        return False
    return True
