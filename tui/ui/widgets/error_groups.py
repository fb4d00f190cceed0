"""The error groups panel: a batch's failures grouped by outcome, error type and message.

"1,200 errored" is not something one can act on; "1,150 of max_tokens too large, 50 overloaded"
is. The store groups failures by a normalised message (ids and numbers blanked out); this panel
lists the groups, largest first. Enter filters the requests list to a group, Space marks a group
for retry. At most a few hundred groups exist, so an ``OptionList`` is the right widget here.
"""

from __future__ import annotations

from collections.abc import Collection

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.core.store import ErrorGroup
from tui.ui.widgets.result_cells import mark_glyph, outcome_look
from tui.ui.widgets.untrusted import one_line


def group_prompt(group: ErrorGroup, *, marked: bool, active: bool, width: int = 32) -> Text:
    """Two lines: count, outcome and error type; then the example message (untrusted),
    cut to ``width`` cells so each group takes exactly two lines."""
    glyph, colour = outcome_look(group.type)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(mark_glyph() if marked else " ", style="bold cyan")
    text.append(f" {glyph} ", style=colour)
    text.append(f"{group.count:,}", style="bold")
    text.append(f"  {one_line(group.error_type, 60) or group.type.value}", style=colour)
    if active:
        text.append("  ◀ filter", style="reverse")
    message = one_line(group.message, 300) or "(no message)"
    if len(message) > width - 3:
        message = message[: max(width - 4, 1)] + "…"
    text.append("\n   ")
    text.append(message, style="dim")
    return text


class ErrorGroupsPanel(OptionList):
    """Failure groups of one batch; the screen hands down the groups, marks and active filter."""

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark group", id="requests.mark_group"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class GroupSelected(Message):
        """Enter on a group: filter the list to it (``key`` None clears the group filter)."""

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    class GroupMarkToggled(Message):
        """Space on a group: mark or unmark all its requests for retry."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.groups: list[ErrorGroup] = []
        self.marked: Collection[str] = frozenset()
        self.active_key: str | None = None

    def show(
        self,
        groups: list[ErrorGroup],
        *,
        marked: Collection[str] = frozenset(),
        active_key: str | None = None,
    ) -> None:
        """Replace the listed groups. With the focus here, the highlight stays on the same group
        (if it still exists); without it, the highlight goes back to the top, so that the
        first key pressed here starts from the first group, not from one the counts moved."""
        highlighted = self.highlighted_group if self.has_focus else None
        self.groups, self.marked, self.active_key = groups, marked, active_key
        self.clear_options()
        width = self.scrollable_content_region.width or 32
        self.add_options(
            Option(
                group_prompt(g, marked=g.key in marked, active=g.key == active_key, width=width),
                id=g.key,
            )
            for g in groups
        )
        keys = [g.key for g in groups]
        if highlighted is not None and highlighted.key in keys:
            self.highlighted = keys.index(highlighted.key)
        elif groups:
            self.highlighted = 0
        self.border_subtitle = f"{len(groups)} groups" if groups else "no failures"

    @property
    def highlighted_group(self) -> ErrorGroup | None:
        if self.highlighted is None or self.highlighted >= len(self.groups):
            return None
        return self.groups[self.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id
        self.post_message(self.GroupSelected(None if key == self.active_key else key))

    def action_toggle_mark(self) -> None:
        group = self.highlighted_group
        if group is not None:
            self.post_message(self.GroupMarkToggled(group.key))
