"""A small modal to edit a batch's local label and notes (never sent to a provider)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, TextArea

from tui.core.models import Batch
from tui.display.formatting import batch_name, safe
from tui.ui.screens.form_dialog import FormDialog
from tui.ui.widgets.key_footer import KeyFooter


class AnnotateScreen(FormDialog[tuple[str, str]]):
    """Dismisses with ``(label, notes)``, or None if the user backed out."""

    AUTO_FOCUS = "#annotate-label"
    ACCEPT_BUTTON = "save"
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="annotate.back"),
        Binding("ctrl+s", "accept", "Save", id="annotate.save"),
    ]

    def __init__(self, batch: Batch) -> None:
        super().__init__()
        self.shown_batch = batch
        # The fields show the stored text sanitised (it may hold escapes pasted from anywhere);
        # a field left as shown keeps the stored text, so opening and saving changes nothing.
        self.shown_label = safe(batch.label or "")
        self.shown_notes = safe(batch.notes or "", one_line=False)

    def compose(self) -> ComposeResult:
        with Vertical(id="annotate-dialog"):
            yield Label(f"Label and notes of {batch_name(self.shown_batch)}", markup=False)
            yield Input(self.shown_label, placeholder="label", id="annotate-label")
            yield TextArea(
                self.shown_notes,
                id="annotate-notes",
                soft_wrap=True,
                show_line_numbers=False,
            )
            with Horizontal(id="annotate-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def action_accept(self) -> None:
        """Dismiss with what was typed, as typed (sanitising is for display only)."""
        label = self.query_one("#annotate-label", Input).value
        notes = self.query_one("#annotate-notes", TextArea).text
        if label == self.shown_label:
            label = self.shown_batch.label or ""
        if notes == self.shown_notes:
            notes = self.shown_batch.notes or ""
        self.dismiss((label.strip(), notes.strip()))
