"""The behaviour every small form modal shares (label and notes, export path).

Enter in its field or its accept button accepts; Cancel, Esc or q back out with None. A dialog
says which button accepts and what accepting does (it may refuse, e.g. a path that cannot be
written, and stay open).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button, Input

ResultT = TypeVar("ResultT")


class FormDialog(ModalScreen[ResultT | None]):
    """A modal form that dismisses with what it asked for, or None if the user backed out."""

    ACCEPT_BUTTON: ClassVar[str]
    """The id of the button that accepts (any other button backs out)."""

    def action_accept(self) -> None:
        """Dismiss with what the form holds, if it can be used."""
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.ACCEPT_BUTTON:
            self.action_accept()
        else:
            self.dismiss(None)

    def action_back(self) -> None:
        self.dismiss(None)
