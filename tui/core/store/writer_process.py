"""A large download's rows inserted by a second process, so that the two cores share the work.

In one process the rows of a download cannot be parsed and inserted at the same time: the
``sqlite3`` module binds every value of every row holding the GIL, so a writer thread only
takes turns with the parser (measured: slower, not faster). A child process has a GIL of its
own. :class:`ProcessAppender` starts ``python -m tui.core.store.writer_child`` on the
database and sends it each chunk's row values (marshalled, through its stdin); the child
inserts each chunk in a transaction of its own, exactly as the in-process appender does (same
statements, see :mod:`tui.core.store.result_sql`), while the parent parses the next ones.

Crash safety is the in-process appender's: every chunk is one transaction, so whatever the
child committed is whole, and the batch stays ``PARTIAL`` until the parent hears the child
committed the last chunk (:meth:`ProcessAppender.flush`) and marks it complete. If the
parent dies, the child sees its stdin end: it keeps the chunks it received whole and exits.
If the child dies, the parent's next write or flush raises a :class:`StoreError`.

The protocol: frames of a 4-byte big-endian length and a :mod:`marshal` dump of a list of row
tuples (:data:`~tui.core.store.codec.RESULT_COLUMNS`); an empty frame ends the stream. The
child answers one line on stdout: ``done <rows>``, or ``error <message>``.
"""

from __future__ import annotations

import asyncio
import marshal
import struct
import sys
from pathlib import Path
from typing import Any

from tui.core.errors import StoreError

FRAME_HEADER = struct.Struct(">I")

CHILD_MODULE = "tui.core.store.writer_child"

PIPE_BUFFER = 8 * 1024 * 1024
"""Bytes of chunks the parent may queue for the child (~5 chunks of 2,000 results) before a
write waits: enough that the parser never waits for an insert in progress."""


class ProcessAppender:
    """The parent's end: the same ``write``/``flush`` as the in-process appender."""

    def __init__(self, process: asyncio.subprocess.Process, database: Path, batch_id: str) -> None:
        self.batch_id = batch_id
        self._process = process
        self._database = database
        self._finished = False

    @classmethod
    async def start(cls, database: Path, batch_id: str, *, index: bool) -> ProcessAppender:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            CHILD_MODULE,
            str(database),
            batch_id,
            "index" if index else "no-index",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin is not None  # asked for above
        process.stdin.transport.set_write_buffer_limits(high=PIPE_BUFFER)
        return cls(process, database, batch_id)

    async def write(self, values: list[tuple[Any, ...]]) -> None:
        """Queue one chunk for the child; waits only while the pipe's buffer is full."""
        payload = marshal.dumps(values)
        await self._send(FRAME_HEADER.pack(len(payload)) + payload)

    async def flush(self) -> None:
        """End the stream and wait until the child has committed every chunk sent."""
        if self._finished:
            return
        self._finished = True
        await self._send(FRAME_HEADER.pack(0))
        stdin = self._process.stdin
        assert stdin is not None
        stdin.close()
        out, err = await self._process.communicate()
        answer = out.decode(errors="replace").strip()
        if self._process.returncode != 0 or not answer.startswith("done"):
            raise StoreError(_failure(self._database, answer, err))

    async def abandon(self) -> None:
        """Unless flushed: close the child's stdin without waiting (a cancelled download); it
        keeps the chunks it received whole and exits by itself."""
        if self._finished:
            return
        self._finished = True
        if self._process.stdin is not None:
            self._process.stdin.close()

    async def _send(self, frame: bytes) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(frame)
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self._finished = True
            out, err = await self._process.communicate()
            raise StoreError(
                _failure(self._database, out.decode(errors="replace").strip(), err)
            ) from None


def _failure(database: Path, answer: str, stderr: bytes) -> str:
    if answer.startswith("error "):
        return answer.removeprefix("error ")
    last = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
    return f"{database}: the writer process failed ({last[0]}); the download stays partial"
