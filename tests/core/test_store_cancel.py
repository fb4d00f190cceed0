"""A write cancelled half-way (a worker cancelled when its screen closes or the App quits)
leaves the cache as usable as before: no transaction left open on the writer connection."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui.core.store.database import Database


async def test_a_transaction_cancelled_while_it_begins_leaves_none_open(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "cache.db")
    try:
        entered = False

        async def write() -> None:
            nonlocal entered
            async with db.transaction():
                entered = True

        task = asyncio.create_task(write())
        await asyncio.sleep(0)  # the task now waits for its BEGIN to run on the writer thread
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert task.cancelled()
        assert not entered

        # The BEGIN ran on the writer's thread all the same; the next write must still work.
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE after_cancel (x)")
        assert not db.writer.in_transaction
        rows = await db.fetchall("SELECT name FROM sqlite_master WHERE name = 'after_cancel'")
        assert len(rows) == 1
    finally:
        await db.close()
