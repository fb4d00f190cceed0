"""The local SQLite cache of batches, request params and results.

Widgets and commands never write SQL: they call the repositories hanging off :class:`Store`::

    store = await Store.open(paths.database)
    batches = await store.batches.list()
    page = await store.results.page(batch_id, ResultFilter(types={ResultType.ERRORED}))
    pairs = await store.comparison.page(batch_a, batch_b, CompareFilter(Only.DIFFERS))
    await store.close()
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.store.batches import BatchRepository
from tui.core.store.comparison import ComparisonRepository
from tui.core.store.database import Database
from tui.core.store.requests import RequestRepository
from tui.core.store.results import ErrorGroup, ResultFilter, ResultRepository, UsageGroup

if TYPE_CHECKING:
    from tui.core.store.housekeeping import Housekeeping

__all__ = ["ErrorGroup", "ResultFilter", "Store", "UsageGroup"]


class Store:
    """The open cache: one object handed to the sync engine, the commands and the App."""

    def __init__(self, db: Database):
        self.db = db
        self.batches = BatchRepository(db)
        self.requests = RequestRepository(db)
        self.results = ResultRepository(db)
        self.comparison = ComparisonRepository(db)

    @cached_property
    def housekeeping(self) -> Housekeeping:
        """Sizes and pruning (``batchtui cache``), loaded on first use: not at the TUI's start."""
        from tui.core.store.housekeeping import Housekeeping

        return Housekeeping(self.db)

    @classmethod
    async def open(cls, path: Path, *, read_only: bool = False) -> Store:
        """Open or create the database at ``path``; raises :class:`StoreError` if unusable.
        ``read_only`` opens an existing one without writing anything (not even an upgrade)."""
        if read_only:
            return cls(await Database.open_read_only(path))
        return cls(await Database.open(path))

    @property
    def path(self) -> Path:
        return self.db.path

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
