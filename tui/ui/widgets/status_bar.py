"""The one-line live status at the top: profile health, batch counts, and when the next poll is.

The screen sets the attributes (attributes down); the bar only renders them. Every second it
reads the clock and redraws if the line changed ("next poll 45s", "synced 12s ago"), so the
countdown and the age need no message traffic.

"synced" is the truth about the profiles, not about the poll worker: the oldest moment at which
a profile's calls last all succeeded (:attr:`ProfileStatus.last_ok`). A poll that failed, or
that a rate limit kept from asking anything, does not make it younger.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from tui.core.events import ProfileHealth, ProfileStatus
from tui.display.formatting import ago, safe
from tui.display.glyphs import FAILURE_COLOUR, failure_style, glyph

_HEALTH_LOOKS: dict[ProfileHealth, tuple[str, str, str]] = {
    ProfileHealth.UNKNOWN: ("○", "", "dim"),
    ProfileHealth.OK: ("●", "", "green"),
    ProfileHealth.OFFLINE: ("✗", "offline", FAILURE_COLOUR),
    ProfileHealth.UNAUTHORIZED: ("✗", "unauthorised", FAILURE_COLOUR),
    ProfileHealth.RATE_LIMITED: ("▲", "rate-limited", "bold yellow"),
    ProfileHealth.SERVER_ERROR: ("▲", "server error", "bold yellow"),
    ProfileHealth.MISCONFIGURED: ("✗", "misconfigured", FAILURE_COLOUR),
    ProfileHealth.BUSY: ("◌", "synced by another process", "cyan"),
}
"""Glyph, word (none when healthy) and colour of each profile state."""


class StatusBar(Static):
    """Profiles · batch counts · poll state, on one line."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.profiles: dict[str, ProfileStatus] = {}
        self.counts: tuple[int, int] = (0, 0)
        """(active batches, batches needing attention)."""
        self.polling = False
        self.auto_poll = True
        self.next_poll_at: float | None = None
        """Deadline of the next automatic poll, on :attr:`timer`."""
        self.timer: Callable[[], float] = time.monotonic
        """The monotonic clock of the countdown (the App's, ``Services.timer``)."""
        self.now: datetime | None = None
        self.clock: Callable[[], datetime] | None = None
        """Where the every-second redraw reads "now" (the App's clock)."""
        self.read_only = False
        self.read_only_why = ""
        """Why everything is read-only, in a few words (a cache that cannot be written)."""
        self._shown: tuple[str, list] | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.show()

    def _tick(self) -> None:
        if self.clock is not None:
            self.now = self.clock()
        self.show()

    def show(self) -> None:
        """Re-render from the attributes (call after setting them); a no-op if unchanged."""
        line = self._render_line()
        shown = (line.plain, list(line.spans))
        if shown != self._shown:
            self._shown = shown
            self.update(line)

    @property
    def last_ok(self) -> datetime | None:
        """When every usable profile last synced (the stalest of them), if any ever did."""
        moments = [
            status.last_ok
            for status in self.profiles.values()
            if status.last_ok is not None and status.health is not ProfileHealth.MISCONFIGURED
        ]
        return min(moments, default=None)

    def on_resize(self) -> None:
        self.show()

    def _render_line(self) -> Text:
        """The longest form that fits the width: the least useful details give way first, so
        the line never ends cut in the middle of a word (80 columns, a few profiles)."""
        width = self.content_size.width or 10_000  # before the first layout: in full
        line = Text()
        for detail in range(_DETAIL_LEVELS, -1, -1):
            line = self._line(detail)
            if line.cell_len <= width:
                break
        return line

    def _line(self, detail: int) -> Text:
        """The line at a level of ``detail``: 3 in full; 2 without "synced …"; 1 without the
        profiles' words (the glyph stays); 0 with the counts as bare numbers."""
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        if not self.profiles:
            line.append(
                "✗ no profile (set a key, or batchtui config init) " if detail else "✗ ", "bold red"
            )
        for name, status in self.profiles.items():
            symbol, word, style = _HEALTH_LOOKS[status.health]
            style = failure_style() if style == FAILURE_COLOUR else style
            if status.health is ProfileHealth.MISCONFIGURED and status.message:
                word = status.message  # why, e.g. "no key: ANTHROPIC_API_KEY unset"
            line.append(f"{glyph(symbol)} ", style=style)
            line.append(safe(name))
            if word and detail >= 2:
                line.append(f" {word}", style=style)
                wait = self._wait_left(status)
                if wait >= 0.5:
                    line.append(f", waiting {countdown(wait)}", style=style)
            line.append(" ")
        active, attention = self.counts
        line.append("│ ", style="dim")
        counted = f"{active} active" if detail else f"{active}"
        line.append(counted, style="bold" if active else "dim")
        if attention:
            line.append(f" · {attention} attention" if detail else f" · {attention}!", "yellow")
        line.append(" │ ", style="dim")
        if self.read_only_why:  # nothing polls: the reason takes the poll's place
            line.append(f"read-only: {safe(self.read_only_why)}", style="bold magenta")
            return line
        line.append_text(self._poll_text(synced=detail >= 3))
        if self.read_only:
            line.append(" │ ", style="dim")
            line.append("read-only", style="bold magenta")
        return line

    def _poll_text(self, *, synced: bool = True) -> Text:
        if self.polling:
            text = Text("polling…", style="bold")
        elif not self.auto_poll:
            text = Text("auto-poll off", style="dim")
        elif self.next_poll_at is None:
            text = Text("")
        else:
            left = max(0.0, self.next_poll_at - self.timer())
            text = Text(f"next poll {countdown(left)}")
        if synced and self.last_ok is not None and self.now is not None:
            text.append(f" · synced {ago(self.last_ok, self.now)}", style="dim")
        return text

    def _wait_left(self, status: ProfileStatus) -> float:
        """Seconds a rate-limited profile still waits before it is asked again."""
        if status.health is not ProfileHealth.RATE_LIMITED:
            return 0.0
        if status.resume_at is not None and self.now is not None:
            return max(0.0, (status.resume_at - self.now).total_seconds())
        return status.retry_after or 0.0


def countdown(seconds: float) -> str:
    """A countdown to the second: ``45s``, ``4m 05s``, ``1h 02m``."""
    whole = max(0, round(seconds))
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


_DETAIL_LEVELS = 3
