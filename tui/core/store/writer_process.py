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
import contextlib
import marshal
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from tui.core.errors import StoreError

FRAME_HEADER = struct.Struct(">I")

CHILD_MODULE = "tui.core.store.writer_child"

PIPE_BYTES = 1024 * 1024
"""The pipe's capacity asked for (Linux's default is 64 KiB): a chunk's values in few writes."""


class ProcessAppender:
    """The parent's end: the same ``write``/``flush`` as the in-process appender.

    A chunk is written to the pipe by a thread of its own (a blocking write, without the GIL),
    so the child reads it at its own pace while the event loop parses the next chunk; one
    chunk at a time is in flight, the next ``write`` waits for it (memory stays bounded)."""

    def __init__(self, process: subprocess.Popen[bytes], database: Path, batch_id: str) -> None:
        self.batch_id = batch_id
        self._process = process
        self._database = database
        self._finished = False
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer-pipe")
        self._sending: asyncio.Future[None] | None = None

    @classmethod
    async def start(cls, database: Path, batch_id: str, *, index: bool) -> ProcessAppender:
        # -P: not the working directory's ``tui`` package, if it has one (another checkout).
        command = [
            sys.executable, "-P", "-m", CHILD_MODULE, str(database), batch_id,
            "index" if index else "no-index",
        ]  # fmt: skip
        process = await asyncio.to_thread(
            subprocess.Popen,
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdin is not None  # asked for above
        _widen(process.stdin)
        return cls(process, database, batch_id)

    async def write(self, values: list[tuple[Any, ...]]) -> None:
        """Hand one chunk to the child; waits only for the previous chunk to be in the pipe."""
        payload = marshal.dumps(values)
        await self._send(FRAME_HEADER.pack(len(payload)) + payload)

    async def flush(self) -> None:
        """End the stream and wait until the child has committed every chunk sent."""
        if self._finished:
            return
        await self._send(FRAME_HEADER.pack(0))
        await self._sent()
        self._finished = True
        self._sender.shutdown(wait=False)
        out, err = await asyncio.to_thread(self._process.communicate)
        answer = out.decode(errors="replace").strip()
        if self._process.returncode != 0 or not answer.startswith("done"):
            raise StoreError(_failure(self._database, answer, err))

    async def abandon(self) -> None:
        """Unless flushed: close the child's stdin without waiting (a cancelled download); it
        keeps the chunks it received whole and exits by itself."""
        if self._finished:
            return
        self._finished = True
        stdin = self._process.stdin
        assert stdin is not None
        self._sender.submit(_close, stdin)  # after a write in flight, in the same thread
        self._sender.shutdown(wait=False)

    async def _send(self, frame: bytes) -> None:
        await self._sent()
        stdin = self._process.stdin
        assert stdin is not None
        loop = asyncio.get_running_loop()
        self._sending = loop.run_in_executor(self._sender, _write_all, stdin, frame)

    async def _sent(self) -> None:
        """Wait for the frame in flight; a child that died is a :class:`StoreError`."""
        sending, self._sending = self._sending, None
        if sending is None:
            return
        try:
            await sending
        except (BrokenPipeError, ConnectionResetError):
            self._finished = True
            self._sender.shutdown(wait=False)
            out, err = await asyncio.to_thread(self._process.communicate)
            answer = out.decode(errors="replace").strip()
            raise StoreError(_failure(self._database, answer, err)) from None


def _write_all(stream: IO[bytes], frame: bytes) -> None:
    stream.write(frame)
    stream.flush()


def _close(stream: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        stream.close()


def _widen(stream: IO[bytes]) -> None:
    """Ask for a larger pipe (Linux only; elsewhere, or when refused, the default stays)."""
    with contextlib.suppress(OSError, AttributeError):
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _failure(database: Path, answer: str, stderr: bytes) -> str:
    if answer.startswith("error "):
        return answer.removeprefix("error ")
    last = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
    return f"{database}: the writer process failed ({last[0]}); the download stays partial"
