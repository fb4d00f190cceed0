"""``batchtui attach ID FILE``: link the original requests file of a batch created elsewhere.

The params of every request of FILE are stored under the batch, so its failed requests can be
retried. Nothing is sent to the provider; the batch is looked up in the cache, or else at any
profile that has a key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_command, session_or_store
from tui.core.errors import BatchtuiError, NotFoundError

if TYPE_CHECKING:
    from tui.core.models import Batch
    from tui.core.session import Session
    from tui.core.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "attach",
        run_attach,
        help="link the original requests file of a batch created elsewhere",
        description="Store the params of every request of FILE under batch ID, so its failed "
        "requests can be retried. Nothing is sent to the provider.",
    )
    parser.add_argument("batch_id", metavar="ID", help="the batch (a unique prefix is enough)")
    parser.add_argument("file", type=Path, help="the JSONL file the batch was created from")
    parser.add_argument("--profile", metavar="P", help="profile to look the batch up with")


def run_attach(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_attach(args, context))


async def _attach(args: argparse.Namespace, context: Context) -> int:
    from tui.core.submit.attach import attach_file

    async with session_or_store(context, args.profile, offline_ok=True) as (store, session):
        batch = await _find_batch(store, session, args.batch_id)
        report = await attach_file(store, batch, args.file)
    print(f"stored params of {report.stored:,} request(s) under {batch.id}")
    return 0


async def _find_batch(store: Store, session: Session | None, batch_id: str) -> Batch:
    """The batch from the cache, or else from any open provider (then cached)."""
    try:
        return await store.batches.find(batch_id)
    except NotFoundError:
        if session is None:
            raise
    for provider in session.providers.values():
        with contextlib.suppress(BatchtuiError):
            batch = await provider.get_batch(batch_id)
            await store.batches.upsert([batch])
            return batch
    raise NotFoundError(f"no batch {batch_id!r} in the cache or at any profile")
