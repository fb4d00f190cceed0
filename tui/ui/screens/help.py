"""The ``?`` screen: every key binding of the screen underneath, and of the App, in one list."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.ui.widgets.key_footer import KeyFooter

HelpSection = tuple[str, Sequence[Binding]]


class HelpScreen(ModalScreen[None]):
    """A scrollable table of bindings; Esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, sections: Sequence[HelpSection], notes: Sequence[str] = ()) -> None:
        super().__init__()
        self.sections = sections
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static("Keys", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(self.help_table(), id="help-table")
            yield Static(Text("Esc closes · ctrl+p finds any action by name", style="dim"))
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def help_table(self) -> Table:
        """Every binding, by section (what the screen shows; tests read it too)."""
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for title, bindings in self.sections:
            table.add_row(Text(title, style="underline"), "")
            for binding in bindings:
                table.add_row(self.app.get_key_display(binding), binding.description)
            table.add_row("", "")
        for note in self.notes:
            table.add_row("", Text(note, style="dim"))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
