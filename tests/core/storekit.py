"""Checks shared by the store tests."""

from __future__ import annotations

from tui.core.store import Store


async def search_index_is_exact(store: Store) -> None:
    """FTS5's own check of the index against the rows (only valid with nothing deferred)."""
    async with store.db.transaction() as conn:
        await conn.execute("INSERT INTO results_fts (results_fts) VALUES ('integrity-check')")
