"""The inspector's export modal: where to write the results in view, before anything is written.

It says what will be exported (how many results, which filter), proposes a file name in the
working directory, and checks the path as it is typed: the format it implies (a ``.csv`` name
writes CSV, anything else JSONL), whether a file there would be replaced, whether the folder
exists. It dismisses with the chosen path; the inspector does the writing in a worker.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from tui.core.export import format_for
from tui.core.store.results import ResultFilter
from tui.core.text import one_line
from tui.ui.screens.form_dialog import FormDialog
from tui.ui.widgets.key_footer import KeyFooter


class ExportScreen(FormDialog[Path]):
    """Ask where to export; dismisses with an absolute path, or None if the user backed out."""

    AUTO_FOCUS = "#export-path"
    ACCEPT_BUTTON = "export"
    BINDINGS = [Binding("escape,q", "back", "Back", id="export.back")]

    def __init__(self, scope: str, default: Path, *, cwd: Path) -> None:
        super().__init__()
        self.scope = scope
        self.default = default
        self.cwd = cwd

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static("Export results", id="export-title")
            yield Static(self.scope, id="export-scope", markup=False)
            yield Input(str(self.default), id="export-path", select_on_focus=False)
            yield Static("", id="export-note", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="export", variant="primary")
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def on_mount(self) -> None:
        self._check(self.query_one("#export-path", Input).value)

    def chosen(self, typed: str) -> Path | None:
        """The absolute path ``typed`` names (relative to the working directory), if any."""
        typed = typed.strip()
        if not typed:
            return None
        return (self.cwd / Path(typed).expanduser()).absolute()

    def problem(self, path: Path | None) -> str | None:
        """Why ``path`` cannot be written to, or None if it can be tried."""
        if path is None:
            return "Type a file name."
        if path.is_dir():
            return f"{path} is a folder: add a file name."
        if not path.parent.is_dir():
            return f"The folder {path.parent} does not exist."
        return None

    @on(Input.Changed, "#export-path")
    def _typed(self, event: Input.Changed) -> None:
        self._check(event.value)

    def _check(self, typed: str) -> None:
        path = self.chosen(typed)
        problem = self.problem(path)
        note = self.query_one("#export-note", Static)
        note.set_class(problem is not None, "-problem")
        if problem is not None or path is None:  # no path is a problem
            note.update(problem or "")
            return
        kind = "CSV" if format_for(path) == "csv" else "JSONL (name it .csv for CSV)"
        replaces = "replaces the file there" if path.exists() else "a new file"
        note.update(f"{kind} · {replaces} · readable only by you")

    def action_accept(self) -> None:
        path = self.chosen(self.query_one("#export-path", Input).value)
        if self.problem(path) is None:
            self.dismiss(path)


def filter_words(flt: ResultFilter) -> str:
    """What an export of the inspector's view holds, in words ("errored; search 'x'")."""
    words = [", ".join(sorted(t.value for t in flt.types))] if flt.types else []
    for name, value in (
        ("stop reason", flt.stop_reason),
        ("error type", flt.error_type),
        ("search", flt.search),
    ):
        if value:
            words.append(f"{name} {one_line(value, 60)!r}")
    if flt.error_key:
        words.append("one error group")
    return "; ".join(words) or "all outcomes"


def export_file_word(flt: ResultFilter) -> str:
    """What the proposed file name says of the filter: "errored", "filtered"..."""
    narrower = flt.stop_reason or flt.error_type or flt.search or flt.error_key
    if flt.types and len(flt.types) == 1:
        kind = next(iter(flt.types)).value
        return f"{kind}-filtered" if narrower else kind
    return "filtered" if flt.types or narrower else "results"
