"""Which batches the list shows, and in what order: quick views, filter queries and sort keys.

Pure functions over :class:`~tui.core.models.Batch`, so they are tested without an App. A filter
query is a space-separated list of tokens, all of which must match::

    status:ended model:haiku profile:work label:nightly id:msgbatch_01 !status:ended refunds

``key:value`` tokens match one field (substring, case-insensitive); a leading ``!`` inverts a
token; bare words match the id, label, notes, profile and models. Three fields take a time:
``created:7d`` (also ``24h``, ``2w``, ``today``, ``yesterday``, ``2026-11-01``: that day),
``ended:today`` (the same forms, on the end time) and ``since:2026-11-01`` (created on or after;
also ``since:7d``). Days are the viewer's, in the time zone of the clock the screen passes.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tui.core.attention import needs_attention
from tui.core.known_models import canonical_models
from tui.core.models import Batch
from tui.display.formatting import STATUS_LOOKS


class View(enum.StrEnum):
    """The quick filters shown as tabs above the list."""

    ACTIVE = "active"
    ATTENTION = "attention"
    ENDED = "ended"
    ALL = "all"

    @property
    def label(self) -> str:  # not `title`: that is str.title() on this StrEnum
        return _VIEW_TITLES[self]


_VIEW_TITLES = {
    View.ACTIVE: "Active",
    View.ATTENTION: "Needs attention",
    View.ENDED: "Ended",
    View.ALL: "All",
}



def in_view(batch: Batch, view: View) -> bool:
    if view is View.ACTIVE:
        return not batch.is_terminal
    if view is View.ENDED:
        return batch.is_terminal
    if view is View.ATTENTION:
        return needs_attention(batch)  # acknowledged or fixed by retries: no longer
    return True


def _status_words(batch: Batch) -> str:
    return f"{batch.status.value} {STATUS_LOOKS[batch.status].word} {batch.provider_status}"


_FIELDS: dict[str, Callable[[Batch], str]] = {
    "status": _status_words,
    "model": lambda b: " ".join((*canonical_models(b.models), *b.models)),
    "profile": lambda b: b.profile,
    "provider": lambda b: b.provider.value,
    "label": lambda b: b.label or "",
    "id": lambda b: b.id,
    "notes": lambda b: b.notes or "",
}
"""Fields a ``key:value`` token can name."""


def _free_text(batch: Batch) -> str:
    return " ".join((batch.id, batch.label or "", batch.notes or "", batch.profile, *batch.models))


TIME_FIELDS = ("created", "ended", "since")
"""Fields whose value is a time span (see the module docstring)."""

_AGE = re.compile(r"^(\d+)([hdw])$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}

TimeTerm = tuple[str, datetime, datetime | None, bool]
"""``(field, start, end or None, negated)``: the field's time falls in ``[start, end)``."""


def time_span(value: str, now: datetime) -> tuple[datetime, datetime | None] | None:
    """``7d`` (the last 7 days to now), ``today``, ``yesterday`` or ``YYYY-MM-DD`` (that day,
    in ``now``'s time zone); None if ``value`` is none of them."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if value == "today":
        return midnight, None
    if value == "yesterday":
        return midnight - timedelta(days=1), midnight
    age = _AGE.match(value)
    if age:
        return now - int(age[1]) * _UNITS[age[2]], None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
    return start, start + timedelta(days=1)


def _time_of(batch: Batch, field: str) -> datetime | None:
    return batch.ended_at if field == "ended" else batch.created_at


@dataclass(frozen=True)
class Query:
    """A parsed filter: ``(field or None, needle, negated)`` terms, all of which must match."""

    terms: tuple[tuple[str | None, str, bool], ...] = ()
    unknown: tuple[str, ...] = ()
    """Field names (or time values) the user typed that mean nothing (shown as a hint)."""
    times: tuple[TimeTerm, ...] = ()

    def matches(self, batch: Batch) -> bool:
        for field, needle, negated in self.terms:
            haystack = _FIELDS[field](batch) if field else _free_text(batch)
            if (needle in haystack.lower()) == negated:
                return False
        for field, start, end, negated in self.times:
            when = _time_of(batch, field)
            inside = when is not None and start <= when and (end is None or when < end)
            if inside == negated:
                return False
        return True

    def __bool__(self) -> bool:
        return bool(self.terms or self.times)


def parse_query(text: str, now: datetime | None = None) -> Query:
    """The filter ``text`` as a :class:`Query`; relative times count back from ``now``."""
    now = now or datetime.now(UTC)
    terms: list[tuple[str | None, str, bool]] = []
    times: list[TimeTerm] = []
    unknown: list[str] = []
    for token in text.split():
        negated = token.startswith("!")
        token = token.removeprefix("!")
        name, sep, needle = token.partition(":")
        field: str | None = name.lower()
        if not sep:
            field, needle = None, token
        elif field in TIME_FIELDS:
            span = time_span(needle.lower(), now) if needle else None
            if span is None:
                unknown.append(token)
                continue
            start, end = span
            end = None if field == "since" else end
            times.append(("ended" if field == "ended" else "created", start, end, negated))
            continue
        elif field not in _FIELDS:
            unknown.append(name)
            continue
        if needle:
            terms.append((field, needle.lower(), negated))
    return Query(tuple(terms), tuple(unknown), tuple(times))


@dataclass(frozen=True)
class SortColumn:
    """A column the list can be sorted by, and the natural direction of its first press."""

    key: str
    title: str
    value: Callable[[Batch, datetime], object]
    descending: bool = False


def _progress(batch: Batch, now: datetime) -> float:
    return batch.counts.finished / batch.counts.total if batch.counts.total else 0.0


def _left(batch: Batch, now: datetime) -> float:
    end = batch.results_available_until if batch.is_terminal else batch.processing_deadline()
    return (end - now).total_seconds()


_STATUS_ORDER = {status: index for index, status in enumerate(STATUS_LOOKS)}

SORT_COLUMNS: tuple[SortColumn, ...] = (
    SortColumn("created", "created", lambda b, now: b.created_at.timestamp(), descending=True),
    SortColumn("status", "status", lambda b, now: _STATUS_ORDER[b.status]),
    SortColumn("left", "time left", _left),
    SortColumn("progress", "progress", _progress, descending=True),
    SortColumn("label", "label", lambda b, now: (b.label is None, (b.label or "").lower())),
    SortColumn("profile", "profile", lambda b, now: b.profile),
    SortColumn("models", "model", lambda b, now: canonical_models(b.models)),
    SortColumn("id", "id", lambda b, now: b.id),
)
"""The order ``s`` cycles through; the first is the default (newest first)."""

SORTS_BY_KEY = {column.key: column for column in SORT_COLUMNS}


def sort_key(column: SortColumn, now: datetime) -> Callable[[Batch], tuple]:
    """A key for :func:`sorted`; ties fall back to newest first, then id, so order is stable."""

    def key(batch: Batch) -> tuple:
        return (column.value(batch, now), -batch.created_at.timestamp(), batch.id)

    return key
