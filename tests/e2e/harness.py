"""End-to-end harness: the installed ``batchtui`` in a real pseudo-terminal, read as text.

Two real processes, as a user runs them:

* :class:`SimProcess` is ``batchtui sim`` on a free loopback port, driven through its control
  API (``/_sim/``) like any other client would;
* :class:`Terminal` starts the ``batchtui`` console script of this environment in a pty of a
  given size (80x24 by default), feeds everything it writes into a ``pyte`` screen emulator on
  a reader thread, and lets a test send keys and read the screen as plain text.

Waiting is always for something on the screen (or a process exit) with a deadline, never a
sleep: :meth:`Terminal.wait_for` wakes whenever new output has been fed to the emulator.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ptyprocess
import pyte

BIN = Path(sys.executable).parent
"""The environment's scripts: ``batchtui`` is the console script pip installed there."""

DEFAULT_TIMEOUT = 20.0
"""Seconds a screen may take to show what a test waits for (a cold SDK import is ~3 s)."""

KEYS = {
    "enter": "\r",
    "tab": "\t",
    "shift+tab": "\x1b[Z",
    "escape": "\x1b",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "home": "\x1b[H",
    "end": "\x1b[F",
    "pagedown": "\x1b[6~",
    "pageup": "\x1b[5~",
    "space": " ",
    "backspace": "\x7f",
    "ctrl+e": "\x05",
    "ctrl+u": "\x15",
}
"""What a terminal sends for each named key (xterm)."""


class ScreenTimeout(AssertionError):
    """What a test waited for never appeared; the message holds the screen as it was."""


class SimProcess:
    """``batchtui sim`` in a child process on a free port, with its control API at hand."""

    def __init__(self, *args: str, env: Mapping[str, str] | None = None) -> None:
        command = [str(BIN / "batchtui"), "sim", "--port", "0", *args]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.anthropic_base_url = self._read_url("Anthropic base URL:")
        self.openai_base_url = self._read_url("OpenAI base URL:")
        self.base_url = self.anthropic_base_url.removesuffix("/anthropic")

    def _read_url(self, prefix: str) -> str:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(prefix):
                return line.split(prefix, 1)[1].strip()
        stderr = self.process.stderr.read() if self.process.stderr else ""
        raise RuntimeError(f"batchtui sim did not start: {stderr}")

    def control(self, method: str, route: str, body: Any = None) -> Any:
        """Call the simulator's control API (``/_sim/<route>``) and decode its JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/_sim/{route}", data, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock/advance", {"seconds": seconds})

    def counters(self) -> dict[str, int]:
        return self.control("GET", "counters")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Terminal:
    """One ``batchtui`` process in a pseudo-terminal of ``columns`` x ``rows``."""

    def __init__(
        self,
        args: list[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        columns: int = 80,
        rows: int = 24,
    ) -> None:
        self.screen = pyte.Screen(columns, rows)
        self._stream = pyte.ByteStream(self.screen)
        self._changed = threading.Condition()
        self._raw = bytearray()
        """Everything the app wrote, for the checks on how it left the terminal."""
        self.process = ptyprocess.PtyProcess.spawn(
            [str(BIN / "batchtui"), *args],
            env=dict(env),
            cwd=str(cwd),
            dimensions=(rows, columns),
        )
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    # --- output ---------------------------------------------------------------------------------

    def _read(self) -> None:
        pending = b""
        while True:
            try:
                data = self.process.read(65536)
            except EOFError:
                break
            if SYNC_QUERY in data:
                # Answer as a terminal with synchronized output does: Textual then brackets
                # every frame, and the screen below is only ever a whole frame (a real
                # terminal paints atomically; without this a test could read half a frame).
                self.process.write(SYNC_SUPPORTED)
            whole, pending = split_frames(pending + data)
            with self._changed:
                self._raw += data
                self._stream.feed(whole)
                self._changed.notify_all()
        with self._changed:
            self._stream.feed(pending)
            self._changed.notify_all()

    @property
    def output(self) -> bytes:
        with self._changed:
            return bytes(self._raw)

    def text(self) -> str:
        """The screen as the user sees it: one line per row, trailing spaces dropped."""
        with self._changed:
            return "\n".join(line.rstrip() for line in self.screen.display)

    def lines(self) -> list[str]:
        return self.text().split("\n")

    def wait_for(
        self,
        expected: str | re.Pattern[str] | Callable[[str], bool],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> str:
        """Wait until the screen shows ``expected`` (text, regex or predicate); return it."""
        check = _matcher(expected)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                text = "\n".join(line.rstrip() for line in self.screen.display)
                if check(text):
                    return text
                left = deadline - time.monotonic()
                if left <= 0 or (not self._reader.is_alive() and not check(text)):
                    raise ScreenTimeout(f"waited {timeout}s for {expected!r}; screen:\n{text}")
                self._changed.wait(left)

    def wait_until_gone(self, unexpected: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        return self.wait_for(lambda text: unexpected not in text, timeout)

    # --- input ----------------------------------------------------------------------------------

    def press(self, *keys: str) -> None:
        """Send named keys (``enter``, ``down``…) or single characters, one write each.

        A name not in :data:`KEYS` is refused: written as it is, ``dollar_sign`` would type
        ``d`` (delete) and six other keys."""
        for key in keys:
            if key not in KEYS and len(key) != 1:
                raise ValueError(f"no key named {key!r}: add it to KEYS or type() the text")
            self.process.write(KEYS.get(key, key).encode())

    def type(self, text: str) -> None:
        self.process.write(text.encode())

    # --- the end --------------------------------------------------------------------------------

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Wait for the process to end (its side of the pty closes first); its exit status."""
        self._reader.join(timeout)
        if self._reader.is_alive():
            raise ScreenTimeout(f"batchtui still running after {timeout}s:\n{self.text()}")
        self.process.wait()
        status = self.process.exitstatus
        return status if status is not None else -(self.process.signalstatus or 1)

    def close(self) -> None:
        if self.process.isalive():
            self.process.terminate(force=True)
        self._reader.join(5)


SYNC_QUERY = b"\x1b[?2026$p"
"""DECRQM: does the terminal support synchronized output (mode 2026)?"""
SYNC_SUPPORTED = b"\x1b[?2026;2$y"
"""The answer: supported, currently off."""
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"


def split_frames(data: bytes) -> tuple[bytes, bytes]:
    """``data`` cut where it is safe to show: (what to feed now, what to hold back).

    Output inside an unfinished synchronized update is held until its end marker, and so is a
    tail that may be the start of a marker split across two reads."""
    start = data.rfind(SYNC_START)
    if start != -1 and data.find(SYNC_END, start) == -1:
        return data[:start], data[start:]
    for size in range(len(SYNC_START) - 1, 0, -1):
        if data.endswith(SYNC_START[:size]):
            return data[:-size], data[-size:]
    return data, b""


def _matcher(expected: str | re.Pattern[str] | Callable[[str], bool]) -> Callable[[str], bool]:
    if isinstance(expected, str):
        return lambda text: expected in text
    if isinstance(expected, re.Pattern):
        return lambda text: expected.search(text) is not None
    return expected
