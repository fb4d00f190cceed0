"""How batchtui writes things on screen: status glyphs, durations, money, ids and safe text.

Everything here is a pure function of its arguments (the current time is always passed in), so
the same batch renders the same way in a test, a screenshot and a live session. Text that comes
from a provider, a model or a user (labels, notes, error messages) is untrusted: it goes through
:func:`safe` and into a :class:`rich.text.Text`, which never interprets markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text

from tui.core.ids import distinctive_part
from tui.core.known_models import canonical_models
from tui.core.models import Batch, BatchStatus, RequestCounts
from tui.core.text import sanitize
from tui.display.glyphs import failure_style, glyph
from tui.display.presentation import DASH, count, money

__all__ = ["DASH", "count", "money"]  # re-exported: one money and count format everywhere

_BREAKS = re.compile(r"[\t\n]+")

def safe(value: object, *, one_line: bool = True) -> str:
    """Strip escape sequences and control characters; fold line breaks if ``one_line``."""
    text = sanitize(None if value is None else str(value))
    return _BREAKS.sub(" ", text) if one_line else text


def plain(value: object, style: str = "", *, one_line: bool = True) -> Text:
    """Untrusted text as a Text: no markup is ever interpreted."""
    return Text(safe(value, one_line=one_line), style=style, no_wrap=one_line, end="")


@dataclass(frozen=True)
class StatusLook:
    """How one normalised status is drawn: a glyph that survives NO_COLOR, a word, a colour."""

    symbol: str
    word: str
    colour: str
    failure: bool = False
    """A failure: emphasised by :func:`~tui.display.glyphs.failure_style` (never dim uncoloured)."""

    @property
    def style(self) -> str:
        return failure_style() if self.failure else self.colour

    @property
    def glyph(self) -> str:
        """The symbol as this terminal draws it (ASCII where it cannot: :mod:`~.glyphs`)."""
        return glyph(self.symbol)


STATUS_LOOKS: dict[BatchStatus, StatusLook] = {
    BatchStatus.VALIDATING: StatusLook("◌", "validating", "cyan"),
    BatchStatus.IN_PROGRESS: StatusLook("◐", "running", "bold bright_blue"),
    BatchStatus.FINALIZING: StatusLook("◑", "finalizing", "cyan"),
    BatchStatus.CANCELING: StatusLook("◍", "canceling", "yellow"),
    BatchStatus.ENDED: StatusLook("✓", "ended", "green"),
    BatchStatus.CANCELED: StatusLook("⊘", "canceled", "yellow"),
    BatchStatus.EXPIRED: StatusLook("⧗", "expired", "red", failure=True),
    BatchStatus.FAILED: StatusLook("✗", "failed", "bold red", failure=True),
}
"""One glyph and colour per status, the same for both providers (glyphs are one cell wide)."""


def status_text(status: BatchStatus) -> Text:
    look = STATUS_LOOKS[status]
    return Text(f"{look.glyph} {look.word}", style=look.style, no_wrap=True, end="")


def duration(delta: timedelta) -> str:
    """A compact, two-unit duration: ``2d 3h``, ``3h 12m``, ``12m``, ``45s``."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return DASH
    if then > now:
        return "just now"
    return f"{duration(now - then)} ago"


def timestamp(moment: datetime | None, now: datetime) -> str:
    """An absolute time in the viewer's zone (the zone of ``now``), to the minute."""
    if moment is None:
        return DASH
    local = moment.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("today %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def short_id(batch_id: str, width: int = 12) -> str:
    """The distinctive part of an id (provider prefixes dropped), cut to ``width`` with ``…``;
    every command accepts it back (see :mod:`tui.core.ids`)."""
    core = safe(distinctive_part(batch_id))
    return core if len(core) <= width else core[: width - 1] + "…"


def progress_text(counts: RequestCounts, width: int | None = None) -> Text:
    """``118/400``, then failures worth a look: ``✗`` errored, ``⊘`` canceled, ``⧗`` expired.

    Given a ``width``, a text that would not fit is shortened rather than cut at its end (where
    the failures are): first the done part becomes a percentage, then the failures are summed
    into one ``✗``."""
    text = _progress(counts, f"{count(counts.finished)}/{count(counts.total)}", split=True)
    if width is None or text.cell_len <= width:
        return text
    share = f"{counts.finished * 100 // counts.total}%" if counts.total else "0%"
    text = _progress(counts, share, split=True)
    return text if text.cell_len <= width else _progress(counts, share, split=False)


def _progress(counts: RequestCounts, done: str, *, split: bool) -> Text:
    text = Text(no_wrap=True, end="")
    done_style = "green" if counts.total and counts.processing == 0 else ""
    text.append(done, style=done_style)
    failure = failure_style()
    failures = (
        [
            ("✗", counts.errored, failure),
            ("⊘", counts.canceled, "yellow"),
            ("⧗", counts.expired, failure),
        ]
        if split
        else [("✗", counts.failed, failure)]
    )
    for symbol, value, style in failures:
        if value:
            text.append(f" {glyph(symbol)}{count(value)}", style=style)
    return text


def short_duration(delta: timedelta) -> str:
    """The largest unit only: ``3d``, ``23h``, ``12m``, ``45s`` (for narrow cells)."""
    return duration(delta).split()[0]


def time_left(batch: Batch, now: datetime, eta: datetime | None = None) -> Text:
    """Labelled, as the clocks mean different things: while running, ``eta 2h`` until the
    batch should end at the pace its count history shows (``eta``), or ``exp 23h`` until its
    unfinished requests expire when there is no ETA or expiry comes first (in red then: at
    this pace it will not finish); once ended, ``del 28d`` until the provider deletes results."""
    if batch.deleted_remotely:
        return Text("deleted", style="dim", end="")
    if not batch.is_terminal:
        deadline = batch.processing_deadline()
        if eta is not None and eta < deadline:
            to_go = eta - now
            words = f"eta {short_duration(to_go)}" if to_go.total_seconds() > 0 else "eta now"
            return Text(words, end="")
        left = deadline - now
        late = eta is not None or left < timedelta(hours=2)
        words = f"exp {short_duration(left)}" if left.total_seconds() > 0 else "exp due"
        return Text(words, style="red" if late else "", end="")
    left = batch.results_available_until - now
    if left.total_seconds() <= 0:
        return Text("gone", style="dim", end="")
    style = "yellow" if left < timedelta(days=3) else "dim"
    return Text(f"del {short_duration(left)}", style=style, end="")


def models_text(models: tuple[str, ...]) -> str:
    """A batch's models in one cell: the first and how many more, a dated snapshot id counted
    as its model (the alias and ``claude-haiku-4-5-20251001`` are one model)."""
    models = canonical_models(models)
    if not models:
        return DASH
    first = safe(models[0])
    return first if len(models) == 1 else f"{first} +{len(models) - 1}"


def batch_name(batch: Batch) -> str:
    """What a toast or a modal calls a batch: its label if it has one, else its short id."""
    return safe(batch.label) if batch.label else short_id(batch.id, 20)
