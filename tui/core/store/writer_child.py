"""The writer process's side of :mod:`tui.core.store.writer_process` (run as
``python -m tui.core.store.writer_child DATABASE BATCH_ID index|no-index``): read chunks of row
values from stdin, insert each in a transaction of its own, answer ``done <rows>`` or
``error <message>`` on stdout."""

from __future__ import annotations

import marshal
import signal
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tui.core.store.database import BUSY_TIMEOUT_MS, WRITER_PRAGMAS, describe_sqlite_error
from tui.core.store.result_sql import (
    APPEND,
    DEFER,
    INDEX_ROWS_AFTER,
    LAST_SEQ,
    MARK_INDEXED,
    RESET_INDEXED,
    UNINDEX_ALL,
    UNINDEX_INDEXED,
    UPSERT,
)
from tui.core.store.writer_process import FRAME_HEADER


class _Writer:
    """The child's end: one connection, one transaction per chunk."""

    def __init__(self, connection: sqlite3.Connection, batch_id: str, *, index: bool) -> None:
        self.connection = connection
        self.batch_id = batch_id
        self.index = index
        self.plain = True
        """Appending with plain INSERTs; False once a custom_id came twice (upserts)."""
        self.rows = 0

    def write(self, values: list[tuple[Any, ...]]) -> None:
        conn = self.connection
        if self.plain:
            conn.execute("BEGIN IMMEDIATE")
            try:
                (last,) = conn.execute(LAST_SEQ).fetchone()
                conn.executemany(APPEND, values)
                if self.index:
                    conn.execute(INDEX_ROWS_AFTER, (last or 0, self.batch_id))
                    conn.execute(MARK_INDEXED, (self.batch_id,))
            except sqlite3.IntegrityError:
                # A custom_id seen twice: upserts from now on, the index built at the end.
                conn.rollback()
                self.plain = False
                self._defer_search_index()
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
                self.rows += len(values)
                return
        with conn:  # sqlite3's context manager: commit, or roll back on an exception
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(UPSERT, values)
        self.rows += len(values)

    def _defer_search_index(self) -> None:
        """As :meth:`ResultRepository.defer_search_index`."""
        conn, ids = self.connection, (self.batch_id,) * 3
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute(DEFER, (self.batch_id,)).rowcount:
                conn.execute(UNINDEX_ALL, ids)
            else:
                conn.execute(UNINDEX_INDEXED, ids)
                conn.execute(RESET_INDEXED, (self.batch_id,))


def _frames(stream: IO[bytes]) -> Iterator[list[tuple[Any, ...]]]:
    """The chunks on ``stream`` until the end frame; a stream cut short just ends."""
    while True:
        header = stream.read(FRAME_HEADER.size)
        if len(header) < FRAME_HEADER.size:
            return
        (size,) = FRAME_HEADER.unpack(header)
        if size == 0:
            return
        payload = stream.read(size)
        if len(payload) < size:
            return  # the parent died mid-frame: that chunk was never whole
        yield marshal.loads(payload)


def _connect(database: str) -> sqlite3.Connection:
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA synchronous = NORMAL")
    for pragma in WRITER_PRAGMAS:
        connection.execute(pragma)
    return connection


def main(argv: list[str]) -> int:
    database, batch_id, index = argv
    try:
        connection = _connect(database)
        try:
            writer = _Writer(connection, batch_id, index=index == "index")
            for values in _frames(sys.stdin.buffer):
                writer.write(values)
        finally:
            connection.close()
    except sqlite3.Error as exc:
        _answer(f"error {describe_sqlite_error(Path(database), exc)}")
        return 1
    _answer(f"done {writer.rows}")
    return 0


def _answer(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group: the parent decides, and this process ends when
    # its stdin does, keeping every chunk it received whole.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(main(sys.argv[1:]))
