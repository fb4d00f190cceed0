"""The confirmation modal for actions that change something at a provider.

Focus starts on **Cancel**, so a stray Enter never cancels or deletes a batch; Esc backs out
too. The body says what is at stake: requests still processing, money spent so far, results
that would be lost.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.core.models import Batch, ProviderKind, ResultsState
from tui.display.formatting import batch_name, count, money
from tui.ui.widgets.key_footer import KeyFooter


class ConfirmScreen(ModalScreen[bool]):
    """Ask before doing something that cannot be undone; dismisses with True to go ahead."""

    AUTO_FOCUS = "#cancel"
    BINDINGS = [Binding("escape,q", "back", "Back", id="confirm.back")]

    def __init__(self, title: str, stakes: Text, confirm_label: str) -> None:
        super().__init__()
        self.title_text = title
        self.stakes = stakes
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.stakes, id="confirm-stakes")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button(self.confirm_label, id="confirm", variant="error")
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_back(self) -> None:
        self.dismiss(False)


def cancel_stakes(batch: Batch, cost: float | None) -> Text:
    """What cancelling ``batch`` means: requests not yet run are dropped, finished ones stay."""
    c = batch.counts
    text = Text(end="")
    text.append(f"{batch_name(batch)}\n", style="bold")
    text.append(f"{c.processing:,} of {c.total:,} requests are still processing", style="yellow")
    text.append(" and will be canceled.\n")
    text.append(f"{count(c.finished)} finished requests keep their results")
    text.append(f"; cost so far {money(cost)}.\n" if cost is not None else ".\n")
    text.append("This cannot be undone.", style="bold")
    return text


def delete_stakes(batch: Batch, cost: float | None) -> Text:
    """What deleting means: the provider forgets it (OpenAI: its files); our copy stays."""
    text = Text(end="")
    text.append(f"{batch_name(batch)}\n", style="bold")
    spent = f", {money(cost)} spent" if cost is not None else ""
    if batch.provider is ProviderKind.OPENAI:
        # OpenAI has no batch delete: only the input, output and error files go.
        text.append(f"OpenAI deletes only this batch's files ({batch.counts.total:,} requests")
        text.append(f"{spent}): input, output and error. The batch itself stays listed there.\n")
    else:
        text.append(f"The provider deletes this batch ({batch.counts.total:,} requests{spent}).\n")
    if batch.results_state is ResultsState.COMPLETE:
        text.append("Its results are downloaded and stay in the local cache.\n", style="green")
    else:
        text.append("Its results are NOT downloaded: they will be lost.\n", style="bold red")
    text.append("This cannot be undone.", style="bold")
    return text
