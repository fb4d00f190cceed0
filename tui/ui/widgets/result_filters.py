"""The filter bar over the requests list: outcome tabs with counts, stop reason, error type, search.

It only collects what the user asked for and posts it up as one :class:`ResultFilters.Changed`;
the screen turns that into a store filter. Typing in the search box is debounced (a timer
restarted on every key), so a query runs once the user pauses, not on every keystroke; Enter
applies it at once.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Select

from tui.core.models import ResultType
from tui.ui.widgets.tab_strip import TabStrip
from tui.ui.widgets.untrusted import one_line

OUTCOMES: tuple[tuple[str, str, ResultType | None], ...] = (
    ("all", "All", None),
    ("succeeded", "Succeeded", ResultType.SUCCEEDED),
    ("errored", "Errored", ResultType.ERRORED),
    ("expired", "Expired", ResultType.EXPIRED),
    ("canceled", "Canceled", ResultType.CANCELED),
)
"""Tab id, label and outcome of each outcome tab (keys 1-5 on the requests screen)."""

SEARCH_DELAY = 0.15
"""Seconds of no typing before a search runs."""


def _options(values: dict[str, int]) -> list[tuple[Text, str]]:
    # A Text, not a str: a str prompt is parsed as markup, and these values come from a provider.
    return [(Text(f"{one_line(v, 40)} ({n:,})"), v) for v, n in values.items()]


class ResultFilters(Vertical):
    """Outcome tabs, then a row with the search box and the two selects."""

    class Changed(Message):
        """The user changed a filter; the fields are the bar's whole state."""

        def __init__(
            self,
            outcome: ResultType | None,
            stop_reason: str | None,
            error_type: str | None,
            search: str,
            submitted: bool = False,
        ) -> None:
            super().__init__()
            self.submitted = submitted
            """Enter in the search box: the user is done typing."""
            self.outcome = outcome
            self.stop_reason = stop_reason
            self.error_type = error_type
            self.search = search

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._search_timer: Timer | None = None
        self._stop_reasons: dict[str, int] = {}
        self._error_types: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield TabStrip(((key, label) for key, label, _ in OUTCOMES), active="all", id="outcomes")
        with Horizontal(id="filter-row"):
            yield Input(placeholder="/ search text and errors", id="search", compact=True)
            yield Select([], prompt="stop reason", id="stop-reason", compact=True)
            yield Select([], prompt="error type", id="error-type", compact=True)
            yield Label("", id="match-count")

    # --- state (read by the screen) ---

    @property
    def outcome(self) -> ResultType | None:
        active = self.query_one("#outcomes", TabStrip).active
        return {key: t for key, _, t in OUTCOMES}.get(active)

    @property
    def stop_reason(self) -> str | None:
        value = self.query_one("#stop-reason", Select).value
        return value if isinstance(value, str) else None

    @property
    def error_type(self) -> str | None:
        value = self.query_one("#error-type", Select).value
        return value if isinstance(value, str) else None

    @property
    def search(self) -> str:
        return self.query_one("#search", Input).value.strip()

    # --- attributes down ---

    def set_counts(self, counts: dict[ResultType, int]) -> None:
        """Show each outcome's count in its tab."""
        total = sum(counts.values())
        tabs = self.query_one("#outcomes", TabStrip)
        for key, label, outcome in OUTCOMES:
            n = total if outcome is None else counts.get(outcome, 0)
            tabs.set_label(key, f"{label} {n:,}")

    def set_choices(self, stop_reasons: dict[str, int], error_types: dict[str, int]) -> None:
        """Fill the selects; they keep their value if it is still offered."""
        for selector, values, attribute in (
            ("#stop-reason", stop_reasons, "_stop_reasons"),
            ("#error-type", error_types, "_error_types"),
        ):
            if values == getattr(self, attribute):
                continue
            setattr(self, attribute, values)
            select = self.query_one(selector, Select)
            current = select.value
            with self.prevent(Select.Changed):
                select.set_options(_options(values))
                if isinstance(current, str) and current in values:
                    select.value = current

    def set_match_count(self, text: str) -> None:
        self.query_one("#match-count", Label).update(text)

    def select_outcome(self, outcome: ResultType | None) -> None:
        """Activate an outcome's tab (posts Changed like a click would)."""
        self.query_one("#outcomes", TabStrip).active = "all" if outcome is None else outcome.value

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def clear(self) -> None:
        """Back to everything: all outcomes, no stop reason, error type or search."""
        with self.prevent(Select.Changed, Input.Changed, TabStrip.Changed):
            self.query_one("#search", Input).value = ""
            self.query_one("#stop-reason", Select).clear()
            self.query_one("#error-type", Select).clear()
            self.query_one("#outcomes", TabStrip).active = "all"
        self._post_changed()

    # --- messages up ---

    def _post_changed(self, submitted: bool = False) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self.post_message(
            self.Changed(self.outcome, self.stop_reason, self.error_type, self.search, submitted)
        )

    @on(TabStrip.Changed)
    def _tab_changed(self, event: TabStrip.Changed) -> None:
        event.stop()
        self._post_changed()

    @on(Select.Changed)
    def _selection_changed(self, event: Select.Changed) -> None:
        # Submitted: a choice made, the focus goes back to the list (not left on the dropdown).
        event.stop()
        self._post_changed(submitted=True)

    @on(Input.Changed, "#search")
    def _search_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._post_changed)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._post_changed(submitted=True)
