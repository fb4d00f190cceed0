"""The submit screen: pick a requests file, check it, see what it costs, then send it.

The flow is the CLI's ``batchtui submit`` in three steps, each in a worker:

1. **Check** reads and validates the whole file in a thread worker (``plan_file`` is
   synchronous and a large file takes a while). Every problem is listed with its line number;
   nothing can be submitted until the file is clean.
2. **Estimate** (an async worker, right after a clean check) counts tokens, prices them and
   looks in the submit ledger for an earlier submission of the same file.
3. **Submit** asks first in the usual confirm modal (focus on Cancel), then creates the batches
   through the ledger; a progress bar follows the ``SubmitProgress`` callbacks.

Every outcome comes back as a message nested in :class:`SubmitScreen`; the handlers only update
widgets. The screen dismisses with the new batch ids (or None when the user backs out), so the
screen that opened it can show them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import orjson
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from tui.core.errors import BatchtuiError
from tui.core.submit import (
    Estimate,
    FilePlan,
    FileScan,
    SubmitProgress,
    ValidationFailed,
    estimate_file,
    load_previous,
    output_history,
    plan_file,
    price_table_fn,
    submit_file,
)
from tui.core.submit.validate import detect_kind
from tui.display.formatting import safe
from tui.ui.messages import CreateFailed, CreateProgressed
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.create_flow import CreateFlow
from tui.ui.screens.submit_report import (
    estimate_text,
    invalid_summary,
    plan_summary,
    problems_text,
    submit_stakes,
)
from tui.ui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from tui.core.config import Profile
    from tui.core.models import Batch, ProviderKind
    from tui.ui.services import Services

DONE_STAGES = frozenset({"created", "adopted", "skipped"})
"""Progress stages after which a chunk's batch exists (``stored`` follows them)."""


class PathSuggester(Suggester):
    """Completes the last part of a path from the directory listing (dirs end with ``/``)."""

    def __init__(self) -> None:
        # No cache: files appear while the screen is open.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        # Listing a directory is quick but it is still I/O: keep it off the event loop.
        return await asyncio.to_thread(complete_path, value)


def complete_path(value: str) -> str | None:
    """The first entry that extends ``value`` (directories and JSONL files first)."""
    head, sep, stem = value.rpartition("/")
    directory = Path(os.path.expanduser(head + sep)) if sep else Path(".")
    try:
        names = [n for n in os.listdir(directory) if n.startswith(stem) and n != stem]
    except OSError:
        return None

    def rank(name: str) -> tuple[bool, bool, str]:
        wanted = (directory / name).is_dir() or name.endswith(".jsonl")
        return (name.startswith("."), not wanted, name)

    for name in sorted(names, key=rank):
        suffix = "/" if (directory / name).is_dir() else ""
        return f"{head}{sep}{name}{suffix}"
    return None


def peek_kind(path: Path) -> ProviderKind | None:
    """The provider format of the file's first JSON object line (the full check comes later)."""
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        for raw in handle:
            with contextlib.suppress(orjson.JSONDecodeError):
                obj = orjson.loads(raw)
                if isinstance(obj, dict):
                    return detect_kind(obj)
    return None


class SubmitScreen(CreateFlow[list[str] | None]):
    """Check, estimate and submit a requests file; see the module docstring."""

    STAY_MESSAGE = "Submitting: wait until the batches are created."
    WORKER_STEPS = {
        "submit-check": "check",
        "submit-estimate": "estimate",
        "submit-confirm": "submit",
        "submit": "submit",
    }

    HELP_TITLE = "Submitting a file"
    """The heading of this screen's keys in the ? screen."""

    AUTO_FOCUS = "#submit-path"
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Back", id="submit.back"),
        Binding("ctrl+r", "check", "Check", id="submit.check"),
        Binding("q", "close", "Back", show=False, id="submit.q"),
    ]

    # --- messages from the workers ---

    class Checked(Message):
        """A clean check: the file's plan (its profile chosen, its chunks cut)."""

        def __init__(self, plan: FilePlan) -> None:
            super().__init__()
            self.plan = plan

    class Invalid(Message):
        """The file has problems (each with its line number); nothing can be sent."""

        def __init__(self, scan: FileScan) -> None:
            super().__init__()
            self.scan = scan

    class Estimated(Message):
        """Tokens, cost and cache warnings, and earlier submissions of the same file."""

        def __init__(self, plan: FilePlan, estimate: Estimate) -> None:
            super().__init__()
            self.plan = plan
            self.estimate = estimate

    class Submitted(Message):
        """Every batch of the file exists at the provider (and in the store)."""

        def __init__(self, batches: list[Batch]) -> None:
            super().__init__()
            self.batches = batches

    def __init__(self, services: Services, *, path: str | Path | None = None) -> None:
        super().__init__()
        self.services = services
        self.initial_path = str(path) if path is not None else ""
        self.plan: FilePlan | None = None
        self.estimate: Estimate | None = None
        self.force = False
        """Submit even though the ledger says this file went out before (user asked)."""
        self.busy = False

    COMPACT_BELOW = 32
    """Terminal rows under which the form's fields and buttons are one line high each, so the
    estimate has room (at 80x24 the bordered form left it a single line)."""

    def compose(self) -> ComposeResult:
        profiles = self.services.usable_profiles()
        with Vertical(id="submit-form"):
            yield Static("Submit a requests file", id="submit-title")
            with Horizontal(classes="submit-row"):
                yield Label("File", classes="submit-label")
                yield Input(
                    self.initial_path,
                    placeholder="path/to/requests.jsonl (→ accepts a completion)",
                    suggester=PathSuggester(),
                    id="submit-path",
                )
            with Horizontal(classes="submit-row"):
                yield Label("Profile", classes="submit-label")
                yield Select(
                    [(name, name) for name in profiles],
                    prompt="from the file's format",
                    value=profiles[0] if len(profiles) == 1 else Select.NULL,
                    id="submit-profile",
                )
            with Horizontal(classes="submit-row"):
                yield Label("Label", classes="submit-label")
                yield Input(placeholder="local label (default: the file name)", id="submit-label")
            with Horizontal(id="submit-buttons"):
                yield Button("Check", id="submit-check", variant="primary")
                yield Button("Submit", id="submit-go", variant="error", disabled=True)
                yield Button("Close", id="submit-close")
        with VerticalScroll(id="submit-report"):
            yield Static(self._intro(), id="submit-summary")
            yield Static("", id="submit-problems")
            yield Static("", id="submit-estimate")
        with Vertical(id="submit-progress-box"):
            yield ProgressBar(id="submit-progress", show_eta=False)
            yield Static("", id="submit-progress-text")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fit_height(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_height(event.size.height)

    def _fit_height(self, rows: int) -> None:
        compact = rows < self.COMPACT_BELOW
        self.set_class(compact, "-compact")
        for widget in self.query("#submit-form Input, #submit-form Select, #submit-form Button"):
            widget.compact = compact  # type: ignore[attr-defined]  # all three have it

    def _intro(self) -> Text:
        if self.services.read_only:
            return Text("Read-only mode: files can be checked, not submitted.", style="yellow")
        if not self.services.usable_profiles():
            return Text("No usable profile: add a key to the config to submit.", style="yellow")
        return Text("Choose a JSONL requests file and press Check.", style="dim")

    # --- user input (handlers only start workers) ---

    @on(Button.Pressed, "#submit-check")
    def _check_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_check()

    @on(Input.Submitted, "#submit-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_check()

    @on(Button.Pressed, "#submit-go")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.plan is None or self.estimate is None or self.busy:
            return
        label = self.query_one("#submit-label", Input).value.strip()
        self.plan.job.label = label or self.plan.path.stem
        self.confirm_and_submit(self.plan, self.estimate, self.force)

    @on(Button.Pressed, "#submit-close")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    @on(Input.Changed, "#submit-path")
    @on(Select.Changed, "#submit-profile")
    def _inputs_changed(self) -> None:
        """A checked plan belongs to one file and profile: any change asks for a new check."""
        if self.plan is not None and not self.busy:
            self._forget_plan("Changed since the check: press Check again.")

    def action_check(self) -> None:
        if self.busy:
            return
        raw = self.query_one("#submit-path", Input).value.strip()
        if not raw:
            self._show_summary(Text("Type the path of a requests file first.", style="yellow"))
            return
        self._forget_plan("Checking every line…")
        profile = self.query_one("#submit-profile", Select).value
        label = self.query_one("#submit-label", Input).value.strip() or None
        chosen = None if profile is Select.NULL else str(profile)
        self.check_file(Path(os.path.expanduser(raw)), chosen, label)

    def action_close(self) -> None:
        self.leave()

    # --- workers ---

    @work(
        thread=True,
        exclusive=True,
        group="submit-check",
        exit_on_error=False,
        name="check",
        description="Checking the requests file",
    )
    def check_file(self, path: Path, profile_name: str | None, label: str | None) -> None:
        """Validate and plan ``path`` (reads the whole file: runs in a thread)."""
        try:
            profile = self._profile_for(path, profile_name)
            plan = plan_file(path, profile, label)
        except ValidationFailed as exc:
            self.post_message(self.Invalid(exc.scan))
            return
        except BatchtuiError as exc:
            self.post_message(CreateFailed("check", str(exc)))
            return
        self.post_message(self.Checked(plan))

    def _profile_for(self, path: Path, name: str | None) -> Profile:
        """The chosen profile, or the only usable one for the file's provider."""
        profiles = self.services.config.profiles
        if name is not None:
            return profiles[name]
        usable = [profiles[n] for n in self.services.usable_profiles()]
        if not usable:
            raise BatchtuiError("no usable profile: add a key to the config")
        kind = peek_kind(path)
        if kind is None:
            return usable[0]  # the check itself will say what is wrong with the file
        matching = [p for p in usable if p.provider == kind]
        if not matching:
            raise BatchtuiError(f"no usable {kind.value} profile for this file")
        if len(matching) > 1:
            names = ", ".join(p.name for p in matching)
            raise BatchtuiError(f"several profiles could submit this file ({names}): pick one")
        return matching[0]

    @work(
        exclusive=True,
        group="submit-estimate",
        exit_on_error=False,
        name="estimate",
        description="Estimating tokens and cost",
    )
    async def estimate_plan(self, plan: FilePlan) -> None:
        """Tokens and cost (count_tokens at the provider where it has one), earlier runs."""
        store = self.services.store
        provider = (await self.services.providers()).get(plan.job.profile)
        price = price_table_fn(self.services.config.price_overrides)
        try:
            estimate = await estimate_file(plan, provider, price, await output_history(store))
            await load_previous(store, plan)
        except BatchtuiError as exc:
            self.post_message(CreateFailed("estimate", str(exc)))
            return
        self.post_message(self.Estimated(plan, estimate))

    @work(exclusive=True, group="submit-confirm", exit_on_error=False, name="confirm-submit")
    async def confirm_and_submit(self, plan: FilePlan, estimate: Estimate, force: bool) -> None:
        """Ask first (focus on Cancel); only a yes starts the submission."""
        title = "Submit this file again?" if force else "Submit this file?"
        screen = ConfirmScreen(title, submit_stakes(plan, estimate, force), "Submit")
        if await self.app.push_screen_wait(screen):
            # Busy at once (this runs on the event loop): closing the screen now would cancel
            # the submit worker in the middle of a create.
            self.busy = True
            self.run_submit(plan, force)

    @work(
        exclusive=True,
        group="submit",
        exit_on_error=False,
        name="submit",
        description="Submitting the file",
    )
    async def run_submit(self, plan: FilePlan, force: bool) -> None:
        """Create the batches; progress and the outcome come back as messages."""
        self.post_message(CreateProgressed(SubmitProgress(0, len(plan.job.chunks), "starting", 0)))
        await self.create(
            "submit",
            lambda session: submit_file(session, plan, force=force, progress=self.report_progress),
            self.Submitted,
        )

    # --- outcomes (messages up from the workers) ---

    def on_submit_screen_checked(self, message: SubmitScreen.Checked) -> None:
        self.plan = message.plan
        self._select_profile(message.plan.job.profile)
        self._show_summary(plan_summary(message.plan))
        self._show_problems(None)
        self.query_one("#submit-estimate", Static).update(Text("Estimating…", style="dim"))
        self.estimate_plan(message.plan)

    def on_submit_screen_invalid(self, message: SubmitScreen.Invalid) -> None:
        self._forget_plan(invalid_summary(message.scan))
        self._show_problems(message.scan)

    def show_failure(self, step: str, text: Text) -> None:
        self.query_one("#submit-progress-box").remove_class("-shown")
        if step == "submit":
            self.query_one("#submit-estimate", Static).update(text)
        else:
            self._forget_plan(text)

    def on_submit_screen_estimated(self, message: SubmitScreen.Estimated) -> None:
        if message.plan is not self.plan:
            return  # the inputs changed while estimating
        self.estimate = message.estimate
        previous = message.plan.already_submitted
        self.force = bool(previous)
        self.query_one("#submit-estimate", Static).update(estimate_text(message.estimate))
        if previous:
            self._explain_already(f"Already submitted as {', '.join(previous)}.")
        self._update_buttons()
        self.query_one("#submit-go", Button).focus()

    def show_step(self, step: SubmitProgress) -> None:
        self.busy = True
        self._update_buttons()
        self.query_one("#submit-progress-box").add_class("-shown")
        bar = self.query_one("#submit-progress", ProgressBar)
        bar.total = step.chunk_count
        if step.stage == "starting":
            bar.progress = 0
        elif step.stage in DONE_STAGES:
            bar.advance(1)
        self.query_one("#submit-progress-text", Static).update(Text(safe(step)))

    def show_refusal(self, why: str) -> None:
        self.query_one("#submit-progress-box").remove_class("-shown")
        self._explain_already(why)

    def on_submit_screen_submitted(self, message: SubmitScreen.Submitted) -> None:
        ids = [batch.id for batch in message.batches]
        title = f"Submitted: {len(ids)} batch{'es' if len(ids) != 1 else ''} created"
        self.created(ids, "\n".join(safe(i) for i in ids), title)

    # --- widgets ---

    def _forget_plan(self, summary: str | Text) -> None:
        self.plan = None
        self.estimate = None
        self.force = False
        self._show_summary(summary)
        self._show_problems(None)
        self.query_one("#submit-estimate", Static).update("")
        self._update_buttons()

    def _select_profile(self, name: str) -> None:
        select = self.query_one("#submit-profile", Select)
        if select.value != name:
            with self.prevent(Select.Changed):
                select.value = name

    def _show_summary(self, summary: str | Text) -> None:
        text = summary if isinstance(summary, Text) else Text(summary)
        self.query_one("#submit-summary", Static).update(text)

    def _show_problems(self, scan: FileScan | None) -> None:
        problems = self.query_one("#submit-problems", Static)
        problems.set_class(scan is not None, "-shown")
        problems.update(problems_text(scan) if scan is not None else "")

    def _explain_already(self, why: str) -> None:
        text = Text(why + "\n", style="yellow")
        text.append(
            "Submitting again creates new batches (and pays again). "
            "Press 'Submit anyway' only if that is what you want.",
        )
        self._show_summary(text)

    def _update_buttons(self) -> None:
        button = self.query_one("#submit-go", Button)
        ready = self.plan is not None and self.estimate is not None
        button.disabled = self.busy or not ready or self.services.read_only
        button.label = "Submit anyway" if self.force else "Submit"
        button.refresh(layout=True)  # a new label keeps the old width otherwise (see retry.py)
        self.query_one("#submit-check", Button).disabled = self.busy
