"""The sort picker (``s``): every column the batch list sorts by, chosen by name or by its key.

Replaces cycling through eight sorts one press at a time. Each column has a letter (``c``reated,
``s``tatus, time ``l``eft…); Enter or the letter picks it. Picking the column already in use
reverses its order, as a click on a sorted header does in most tables.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.ui.batch_view import SORT_COLUMNS, SortColumn
from tui.ui.widgets.key_footer import KeyFooter

SORT_KEYS = {
    "created": "c",
    "status": "s",
    "left": "l",
    "progress": "p",
    "label": "a",
    "profile": "f",
    "models": "m",
    "id": "i",
}
"""The letter that picks each column in the picker."""


class SortScreen(ModalScreen[SortColumn | None]):
    """Pick the column to sort by; dismisses with it (or None on Esc / q)."""

    BINDINGS: ClassVar = [
        Binding("escape,q", "back", "Back", id="sort.back"),
        Binding("j", "down", "Down", show=False),
        Binding("k", "up", "Up", show=False),
    ]

    def __init__(self, current: SortColumn, reverse: bool) -> None:
        super().__init__()
        self.current = current
        self.reverse = reverse

    def compose(self) -> ComposeResult:
        with Vertical(id="sort-dialog"):
            yield Static("Sort the list by", id="sort-title")
            yield OptionList(*(self._option(c) for c in SORT_COLUMNS), id="sort-columns")
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def _option(self, column: SortColumn) -> Option:
        text = Text.assemble((SORT_KEYS[column.key], "bold"), f"  {column.title}")
        if column is self.current:
            text.append("  (now; again reverses)", style="dim")
        return Option(text, id=column.key)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = SORT_COLUMNS.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(next(c for c in SORT_COLUMNS if c.key == event.option.id))

    def on_key(self, event: Key) -> None:
        for column in SORT_COLUMNS:
            if event.key == SORT_KEYS[column.key]:
                event.stop()
                self.dismiss(column)
                return

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)
