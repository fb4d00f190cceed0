"""The one-line live status at the top: profile health, batch counts, and when the next poll is.

The screen sets the attributes (attributes down); the bar only renders them. The countdown is
computed from a monotonic deadline each second, so it needs no message traffic.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import Static

from tui.core.events import ProfileHealth, ProfileStatus
from tui.formatting import ago, duration, safe
from tui.glyphs import FAILURE_COLOUR, failure_style, glyph

_HEALTH_LOOKS: dict[ProfileHealth, tuple[str, str, str]] = {
    ProfileHealth.UNKNOWN: ("○", "", "dim"),
    ProfileHealth.OK: ("●", "", "green"),
    ProfileHealth.OFFLINE: ("✗", "offline", FAILURE_COLOUR),
    ProfileHealth.UNAUTHORIZED: ("✗", "unauthorised", FAILURE_COLOUR),
    ProfileHealth.RATE_LIMITED: ("▲", "rate-limited", "bold yellow"),
    ProfileHealth.SERVER_ERROR: ("▲", "server error", "bold yellow"),
    ProfileHealth.MISCONFIGURED: ("✗", "misconfigured", FAILURE_COLOUR),
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
        """``time.monotonic()`` deadline of the next automatic poll."""
        self.last_ok: datetime | None = None
        self.now: datetime | None = None
        self.read_only = False

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.show()

    def _tick(self) -> None:
        if self.auto_poll and self.next_poll_at is not None and not self.polling:
            self.show()

    def show(self) -> None:
        """Re-render from the attributes (call after setting them)."""
        self.update(self._render_line())

    def _render_line(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        for name, status in self.profiles.items():
            symbol, word, style = _HEALTH_LOOKS[status.health]
            style = failure_style() if style == FAILURE_COLOUR else style
            line.append(f"{glyph(symbol)} ", style=style)
            line.append(safe(name))
            if word:
                line.append(f" {word}", style=style)
                if status.retry_after:
                    line.append(f" {duration_seconds(status.retry_after)}", style=style)
            line.append(" ")
        active, attention = self.counts
        line.append("│ ", style="dim")
        line.append(f"{active} active", style="bold" if active else "dim")
        if attention:
            line.append(f" · {attention} attention", style="yellow")
        line.append(" │ ", style="dim")
        line.append_text(self._poll_text())
        if self.read_only:
            line.append(" │ ", style="dim")
            line.append("read-only", style="bold magenta")
        return line

    def _poll_text(self) -> Text:
        if self.polling:
            text = Text("polling…", style="bold")
        elif not self.auto_poll:
            text = Text("auto-poll off", style="dim")
        elif self.next_poll_at is None:
            text = Text("")
        else:
            left = max(0.0, self.next_poll_at - time.monotonic())
            text = Text(f"next poll {duration_seconds(left)}")
        if self.last_ok is not None and self.now is not None:
            text.append(f" · synced {ago(self.last_ok, self.now)}", style="dim")
        return text


def duration_seconds(seconds: float) -> str:
    return duration(timedelta(seconds=round(seconds)))
