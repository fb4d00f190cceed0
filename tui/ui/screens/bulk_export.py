"""Export the results of several batches at once (the marked ones on the list): the one
confirmation, then the writing.

The modal lists every file it will write (one per batch, named by
:func:`~tui.core.export.export_file_name`, in one folder), the batches it leaves out (no results
downloaded), and whether a file there would be replaced; the format is JSONL unless CSV is
ticked. It dismisses with a :class:`BulkExport`; :func:`write_exports` then writes each file
with :func:`~tui.core.export.export_to_file`, the inspector's one export, so formats, escaping
and private, whole-or-nothing files are the same. A batch that fails is reported and the others
are still written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Static

from tui.core.errors import BatchtuiError
from tui.core.export import export_file_name, export_to_file
from tui.core.models import Batch, ResultsState
from tui.core.store import Store
from tui.display.formatting import batch_name, safe
from tui.ui.screens.form_dialog import FormDialog
from tui.ui.widgets.key_footer import KeyFooter

LISTED = 10
"""Files named one by one in the modal; the rest are counted."""


def exportable(batch: Batch) -> bool:
    """Whether any of the batch's results are stored here (all, or a download under way)."""
    return batch.results_state in (ResultsState.COMPLETE, ResultsState.PARTIAL)


def file_names(batches: list[Batch], format: str) -> list[str]:
    """One file name per batch, in order; names that would collide get ``-2``, ``-3``..."""
    names: list[str] = []
    for batch in batches:
        name = export_file_name(batch.id, "results", format)
        stem, number = name.removesuffix(f".{format}"), 2
        while name in names:
            name, number = f"{stem}-{number}.{format}", number + 1
        names.append(name)
    return names


@dataclass(frozen=True)
class BulkExport:
    """What the user confirmed: which batch goes to which file."""

    files: list[tuple[Batch, Path]]


@dataclass
class BulkExportReport:
    """What was written, and what was not (and why), batch by batch."""

    written: list[tuple[Batch, Path, int]]
    failed: list[tuple[Batch, str]]

    def summary(self) -> str:
        results = sum(count for _, _, count in self.written)
        lines = [f"{len(self.written)} file(s), {results:,} result(s) written:"]
        lines += [f"{safe(path)} ({count:,})" for _, path, count in self.written[:LISTED]]
        if len(self.written) > LISTED:
            lines.append(f"… and {len(self.written) - LISTED} more")
        return "\n".join(lines)

    def failures(self) -> str:
        lines = [f"{len(self.failed)} batch(es) not exported:"]
        lines += [f"{safe(batch.id)}: {safe(reason)}" for batch, reason in self.failed]
        return "\n".join(lines)


async def write_exports(store: Store, export: BulkExport) -> BulkExportReport:
    """Write every file of ``export``; a batch that fails does not stop the others."""
    report = BulkExportReport([], [])
    for batch, path in export.files:
        try:
            count = await export_to_file(store, batch.id, path)
        except BatchtuiError as exc:
            report.failed.append((batch, str(exc)))
        else:
            report.written.append((batch, path, count))
    return report


class BulkExportScreen(FormDialog[BulkExport]):
    """Ask where to export the results of ``batches``; see the module docstring."""

    ACCEPT_BUTTON = "export"
    AUTO_FOCUS = "#export-path"
    BINDINGS = [Binding("escape,q", "back", "Back", id="bulk-export.back")]

    def __init__(self, batches: list[Batch], *, cwd: Path) -> None:
        super().__init__()
        self.targets = [batch for batch in batches if exportable(batch)]
        self.skipped = [batch for batch in batches if not exportable(batch)]
        self.cwd = cwd

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static(
                f"Export the results of {len(self.targets)} batch(es)", id="export-title"
            )
            yield Static(id="export-scope", markup=False)
            yield Input(str(self.cwd), id="export-path", select_on_focus=False)
            yield Checkbox("CSV instead of JSONL", id="export-csv")
            yield Static("", id="export-note", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"Export {len(self.targets)}", id="export", variant="primary")
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def on_mount(self) -> None:
        self._check()

    @property
    def format(self) -> str:
        return "csv" if self.query_one("#export-csv", Checkbox).value else "jsonl"

    def folder(self) -> Path | None:
        typed = self.query_one("#export-path", Input).value.strip()
        return (self.cwd / Path(typed).expanduser()).absolute() if typed else None

    def files(self) -> list[tuple[Batch, Path]]:
        folder = self.folder() or self.cwd
        names = file_names(self.targets, self.format)
        return [(batch, folder / name) for batch, name in zip(self.targets, names, strict=True)]

    def problem(self) -> str | None:
        folder = self.folder()
        if folder is None:
            return "Type the folder to write the files in."
        if not folder.is_dir():
            return f"The folder {folder} does not exist."
        return None

    @on(Input.Changed, "#export-path")
    @on(Checkbox.Changed, "#export-csv")
    def _changed(self) -> None:
        self._check()

    def _check(self) -> None:
        files = self.files()
        self.query_one("#export-scope", Static).update(self._scope(files))
        problem = self.problem()
        note = self.query_one("#export-note", Static)
        note.set_class(problem is not None, "-problem")
        if problem is not None:
            note.update(problem)
            return
        replaced = sum(path.exists() for _, path in files)
        replaces = f"{replaced} replace(s) a file there" if replaced else "all new files"
        note.update(f"{self.format.upper()} · {replaces} · readable only by you")

    def _scope(self, files: list[tuple[Batch, Path]]) -> Text:
        text = Text(end="")
        for batch, path in files[:LISTED]:
            text.append(f"{safe(path.name)}", style="bold")
            if batch.label:
                text.append(f"  {batch_name(batch)}")
            if batch.results_state is ResultsState.PARTIAL:
                text.append("  download unfinished: what is stored", style="yellow")
            text.append("\n")
        if len(files) > LISTED:
            text.append(f"… and {len(files) - LISTED} more\n")
        if self.skipped:
            text.append(
                f"{len(self.skipped)} marked batch(es) left out: no results downloaded "
                "(D downloads them once a batch has ended)\n",
                style="yellow",
            )
        return text

    def action_accept(self) -> None:
        if self.problem() is None and self.targets:
            self.dismiss(BulkExport(self.files()))
