"""The SQLite cache: opening it safely, upgrading its schema, and one object to reach it through.

Two connections: one writer (sync and ingest, serialised by a lock) and one reader (the panes),
so a long results ingest never makes the UI wait behind it. WAL mode lets them overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite

from tui.core.errors import StoreError, StoreNotWritable
from tui.core.store.migrations import LATEST_VERSION, MIGRATIONS

SqlParams = tuple[Any, ...] | dict[str, Any]
"""Parameters of one statement: positional (``?``) or named (``:name``)."""

BUSY_TIMEOUT_MS = 5000
"""How long a statement waits for another process's lock before we report it."""

WRITER_PRAGMAS = (
    # 16 MiB of page cache (the default is 2 MiB): a results ingest inserts into three indexes
    # in custom_id order per chunk but shuffled across chunks; with 2 MiB their pages were
    # evicted and re-read all the time. Memory is only taken as pages are used.
    "PRAGMA cache_size = -16384",
    "PRAGMA temp_store = MEMORY",
    # Checkpoint every 64 MiB of WAL rather than every 4 MiB: each checkpoint syncs the file
    # twice, and a 100,000-result ingest writes ~250 MB. The WAL is cut back to 64 MiB after.
    "PRAGMA wal_autocheckpoint = 16384",
    "PRAGMA journal_size_limit = 67108864",
)
"""Settings of the writer connection only (the reader keeps SQLite's defaults)."""


def describe_sqlite_error(path: Path, exc: sqlite3.Error) -> str:
    """One line a person can act on, for any SQLite failure."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{path}: the database is locked by another process (is another batchtui running?)"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"{path}: the database file is corrupt ({text}); move it aside and run "
            "`batchtui sync` to rebuild the cache from the providers"
        )
    if _is_unwritable(text):
        return f"{path}: cannot write the database ({text}); check the directory's permissions"
    return f"{path}: database error: {text}"


def _is_unwritable(text: str) -> bool:
    return "readonly" in text or "unable to open" in text


class Database:
    """The open database file: a writer and a reader connection."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self.writer = writer
        self.reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating if needed, mode 0600) and upgrade the database at ``path``."""
        path = Path(path)
        writer = reader = None
        try:
            _create_private_file(path)
            writer = await _connect(path)
            for pragma in WRITER_PRAGMAS:
                await writer.execute(pragma)
            await _check_readable(writer)
            await _migrate(writer)
            reader = await _connect(path)
            await reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            for connection in (writer, reader):
                if connection is not None:
                    await connection.close()
            error = StoreNotWritable if _is_unwritable(str(exc)) else StoreError
            raise error(describe_sqlite_error(path, exc)) from None
        except OSError as exc:
            raise StoreNotWritable(f"{path}: cannot create the database: {exc.strerror}") from None
        return cls(path, writer, reader)

    @classmethod
    async def open_read_only(cls, path: Path) -> Database:
        """Open an existing, up-to-date database for reading only (one connection serves as
        writer and reader; a write raises a :class:`StoreError`). For a data directory that
        cannot be written: SQLite cannot make its WAL index there, so when a plain read-only
        open fails the file is opened as immutable (a snapshot; nobody can write it either)."""
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"{path}: no database here")
        connection = None
        try:
            for mode in ("mode=ro", "immutable=1"):
                try:
                    connection = await aiosqlite.connect(
                        f"{path.resolve().as_uri()}?{mode}", uri=True, isolation_level=None
                    )
                    connection.row_factory = sqlite3.Row
                    await _check_readable(connection)
                    break
                except sqlite3.OperationalError:
                    if connection is not None:
                        await connection.close()
                        connection = None
                    if mode == "immutable=1":
                        raise
            assert connection is not None
            await connection.execute("PRAGMA query_only = ON")
            async with connection.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            version = row[0] if row is not None else None  # a pragma always answers one row
            if version != LATEST_VERSION:
                raise sqlite3.DatabaseError(
                    f"schema version {version}, this batchtui needs {LATEST_VERSION}, and "
                    "upgrading needs write access"
                )
        except sqlite3.Error as exc:
            if connection is not None:
                await connection.close()
            raise StoreError(describe_sqlite_error(path, exc)) from None
        database = cls(path, connection, connection)
        database.read_only = True
        return database

    read_only = False
    """Opened by :meth:`open_read_only`."""

    async def close(self) -> None:
        await self.reader.close()
        if self.writer is not self.reader:
            await self.writer.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        async with self._write_lock:
            try:
                try:
                    # Inside the rollback's reach: cancelled while it waits, the BEGIN still
                    # runs on the writer's thread, and would leave every later write failing
                    # with "cannot start a transaction within a transaction".
                    await self.writer.execute("BEGIN IMMEDIATE")
                    yield self.writer
                    await self.writer.commit()  # a failed (busy) commit leaves it open too
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):  # none open: nothing to undo
                        await self.writer.rollback()
                    raise
            except sqlite3.Error as exc:
                raise StoreError(describe_sqlite_error(self.path, exc)) from None

    @contextlib.asynccontextmanager
    async def writer_turn(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer outside any transaction, other writes waiting (for VACUUM, which cannot
        run inside one)."""
        async with self._write_lock:
            try:
                yield self.writer
            except sqlite3.Error as exc:
                raise StoreError(describe_sqlite_error(self.path, exc)) from None

    async def fetchall(self, sql: str, params: SqlParams = ()) -> list[sqlite3.Row]:
        """Run a read on the reader connection.

        Executed and fetched in one step on the connection's thread: a statement left open
        between the two (while another coroutine's read ran) would hold its snapshot, and that
        read would not see what the writer committed meanwhile (a poll's new counts, say)."""
        try:
            return list(await self.reader.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(self.path, exc)) from None

    async def in_custom_id_order(
        self, columns: str, table: str, where: str, params: tuple[Any, ...], *, chunk: int
    ) -> AsyncIterator[sqlite3.Row]:
        """``SELECT columns FROM table WHERE where`` in custom_id order, ``chunk`` rows per
        query (keyset paging: each query starts after the last custom_id seen), so a batch of
        100,000 rows is streamed, never held. ``columns`` must include ``custom_id``."""
        last = ""
        while True:
            rows = await self.fetchall(
                f"SELECT {columns} FROM {table} WHERE {where} AND custom_id > ? "
                "ORDER BY custom_id LIMIT ?",
                (*params, last, chunk),
            )
            for row in rows:
                yield row
            if len(rows) < chunk:
                return
            last = rows[-1]["custom_id"]

    async def data_version(self) -> int:
        """A number that changes whenever a commit (this process's writer or another
        process's) may have changed the database since the reader last asked; see SQLite's
        ``PRAGMA data_version``."""
        row = await self.fetchone("PRAGMA data_version")
        return int(row[0]) if row is not None else 0

    async def fetchone(self, sql: str, params: SqlParams = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetch_int(self, sql: str, params: SqlParams = ()) -> int:
        """The integer an aggregate (``SELECT count(*) ...``), which always answers one row."""
        row = await self.fetchone(sql, params)
        if row is None or not isinstance(row[0], int):
            raise StoreError(f"{self.path}: expected one integer from {sql.split()[1]!r}")
        return row[0]


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Create it 0600 ourselves: sqlite would use the umask, and results are private data.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)


async def _connect(path: Path) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    try:
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable across application crashes in WAL mode; only an OS crash may lose
        # the last transactions, which the next sync downloads again.
        await connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await connection.close()  # its worker thread would otherwise keep the process alive
        raise
    return connection


async def _check_readable(connection: aiosqlite.Connection) -> None:
    """Fail early and clearly on a file that is not an SQLite database.

    A full ``quick_check`` would read every page (seconds on a large cache) at every start;
    reading the schema catches a foreign or truncated file, and later damage surfaces as a
    :class:`StoreError` from the query that meets it.
    """
    async with connection.execute("SELECT count(*) FROM sqlite_master") as cursor:
        await cursor.fetchone()


async def _migrate(connection: aiosqlite.Connection) -> None:
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    assert row is not None  # PRAGMA user_version always answers one row
    (version,) = row
    if version > LATEST_VERSION:
        raise sqlite3.DatabaseError(
            f"schema version {version} is newer than this batchtui understands ({LATEST_VERSION});"
            " upgrade batchtui"
        )
    for step_version, script in MIGRATIONS:
        if step_version <= version:
            continue
        # executescript commits first; the version bump is part of the same script so a crash
        # mid-upgrade leaves the old version number and the step runs again.
        await connection.executescript(
            f"BEGIN;\n{script}\nPRAGMA user_version = {step_version};\nCOMMIT;"
        )
