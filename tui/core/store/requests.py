"""What was sent: each request's params, kept so failed requests can be retried unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from tui.core.store.database import Database


class RequestRepository:
    """Reads and writes of the ``requests`` table (params stored as the JSON bytes sent)."""

    def __init__(self, db: Database):
        self._db = db

    async def put(self, batch_id: str, params: Iterable[tuple[str, bytes]]) -> int:
        """Store ``(custom_id, params_json)`` pairs; returns how many were written."""
        values = [(batch_id, custom_id, body) for custom_id, body in params]
        if not values:
            return 0
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT OR REPLACE INTO requests (batch_id, custom_id, params) VALUES (?, ?, ?)",
                values,
            )
        return len(values)

    async def get(self, batch_id: str, custom_ids: Iterable[str]) -> dict[str, bytes]:
        """Params of the given requests that are known (missing ones are left out)."""
        wanted = list(custom_ids)
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
            chunk = wanted[start : start + 500]
            rows = await self._db.fetchall(
                f"SELECT custom_id, params FROM requests WHERE batch_id = ? "
                f"AND custom_id IN ({', '.join('?' for _ in chunk)})",
                (batch_id, *chunk),
            )
            found.update({r[0]: bytes(r[1]) for r in rows})
        return found

    async def count(self, batch_id: str) -> int:
        return await self._db.fetch_int(
            "SELECT count(*) FROM requests WHERE batch_id = ?", (batch_id,)
        )

    async def custom_ids(self, batch_id: str, *, chunk: int = 5000) -> AsyncIterator[str]:
        """The custom_ids of a batch's stored requests, in order, without their params."""
        rows = self._db.in_custom_id_order(
            "custom_id", "requests", "batch_id = ?", (batch_id,), chunk=chunk
        )
        async for (custom_id,) in rows:
            yield custom_id

    async def iterate(
        self, batch_id: str, *, chunk: int = 2000
    ) -> AsyncIterator[tuple[str, bytes]]:
        """Every stored ``(custom_id, params_json)`` of a batch, in custom_id order."""
        rows = self._db.in_custom_id_order(
            "custom_id, params", "requests", "batch_id = ?", (batch_id,), chunk=chunk
        )
        async for custom_id, params in rows:
            yield custom_id, bytes(params)
