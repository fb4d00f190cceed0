"""The retry modal: what a retry of a batch's failed requests would resend, then resend it.

Opened by ``R`` on the batch list (every errored, expired and canceled request) or from the
request inspector (the marked requests and error groups). It plans in a worker, shows the plan
(how many requests of which outcome, the failures left out because they would fail again, requests
whose params are unknown) and asks like every confirm modal, with focus on **Cancel**. A
switch puts the invalid requests back in; the plan is made again when it flips.

On confirm, ``submit_retry`` runs in a worker and creates one new batch that records its
parent. The modal dismisses with the new batch id, or None if nothing was sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, Switch
from textual.worker import Worker, WorkerState

from tui.core.errors import BatchtuiError
from tui.core.models import Batch, ResultsState, ResultType
from tui.core.submit import (
    AlreadySubmitted,
    RetryPlan,
    SubmitProgress,
    plan_retry,
    submit_retry,
)
from tui.formatting import batch_name, safe
from tui.messages import CreateFailed, CreateProgressed, CreateRefused, WorkFailed
from tui.screens.submit import session_of
from tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from tui.core.store import Store
    from tui.services import Services


async def plan_for_marks(
    store: Store,
    batch_id: str,
    *,
    custom_ids: Iterable[str] | None,
    error_keys: Iterable[str] | None,
    types: Iterable[ResultType] | None,
    include_invalid: bool,
) -> RetryPlan:
    """The plan for marked requests *or* marked groups (the inspector's marks are a union).

    ``plan_retry`` intersects its selectors, so the groups are first turned into the
    custom_ids they hold, then planned together with the marked ones.
    """
    ids = set(custom_ids or ())
    keys = set(error_keys or ())
    if keys:
        grouped = await plan_retry(store, batch_id, error_keys=keys, include_invalid=True)
        ids.update(grouped.custom_ids, grouped.missing_params)
    named = ids if (custom_ids or keys) else None
    return await plan_retry(
        store, batch_id, types=types, custom_ids=named, include_invalid=include_invalid
    )


class RetryScreen(ModalScreen[str | None]):
    """Plan, confirm and submit a retry; see the module docstring."""

    AUTO_FOCUS = "#retry-cancel"
    BINDINGS: ClassVar = [
        Binding("escape", "back", "Back", id="retry.back"),
        Binding("q", "back", "Back", show=False, id="retry.q"),
    ]

    class Planned(Message):
        """What the retry would resend (and what it leaves out)."""

        def __init__(self, plan: RetryPlan) -> None:
            super().__init__()
            self.plan = plan

    class Retried(Message):
        """The retry batch exists at the provider and in the store, its parent recorded."""

        def __init__(self, batch: Batch) -> None:
            super().__init__()
            self.batch = batch

    def __init__(
        self,
        services: Services,
        batch: Batch,
        *,
        custom_ids: Iterable[str] | None = None,
        error_keys: Iterable[str] | None = None,
        types: Iterable[ResultType] | None = None,
    ) -> None:
        super().__init__()
        self.services = services
        self.shown_batch = batch
        self.custom_ids = frozenset(custom_ids or ())
        self.error_keys = frozenset(error_keys or ())
        self.types = frozenset(types) if types else None
        self.plan: RetryPlan | None = None
        self.force = False
        self.busy = False

    def compose(self) -> ComposeResult:
        marked = bool(self.custom_ids or self.error_keys)
        what = "the marked requests" if marked else "the failed requests"
        with Vertical(id="retry-dialog"):
            yield Static(
                f"Retry {what} of {batch_name(self.shown_batch)}?", id="retry-title", markup=False
            )
            yield Static(Text("Planning…", style="dim"), id="retry-plan")
            with Horizontal(id="retry-invalid-row"):
                yield Switch(False, id="retry-include-invalid")
                yield Label("Also resend invalid and model-not-found failures", markup=False)
            yield Static("", id="retry-progress")
            with Horizontal(id="retry-buttons"):
                yield Button("Cancel", id="retry-cancel", variant="primary")
                yield Button("Retry", id="retry-confirm", variant="error", disabled=True)
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def on_mount(self) -> None:
        self.make_plan(include_invalid=False)

    # --- user input (handlers only start workers) ---

    @on(Switch.Changed, "#retry-include-invalid")
    def _include_invalid_changed(self, event: Switch.Changed) -> None:
        event.stop()
        if not self.busy:
            self.plan = None
            self._update_buttons()
            self.make_plan(include_invalid=event.value)

    @on(Button.Pressed, "#retry-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Button.Pressed, "#retry-confirm")
    def _confirm_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if self.plan is not None and self.plan.count and not self.busy:
            if self.services.read_only:
                self.notify("Read-only mode: nothing is sent.", severity="warning", markup=False)
                return
            self.busy = True
            self._update_buttons()
            self._show_progress("Creating the retry batch…")
            self.run_retry(self.plan, self.force)

    def action_back(self) -> None:
        if self.busy:
            self.action_stay()
            return
        self.dismiss(None)

    def action_stay(self) -> None:
        self.notify("Creating the retry batch: wait for it.", severity="warning", markup=False)

    # --- workers ---

    @work(
        exclusive=True,
        group="retry-plan",
        exit_on_error=False,
        name="retry-plan",
        description="Planning the retry",
    )
    async def make_plan(self, include_invalid: bool) -> None:
        try:
            plan = await plan_for_marks(
                self.services.store,
                self.shown_batch.id,
                custom_ids=self.custom_ids,
                error_keys=self.error_keys,
                types=self.types,
                include_invalid=include_invalid,
            )
        except BatchtuiError as exc:
            self.post_message(CreateFailed("plan", str(exc)))
            return
        self.post_message(self.Planned(plan))

    @work(
        exclusive=True,
        group="retry",
        exit_on_error=False,
        name="retry",
        description="Creating the retry batch",
    )
    async def run_retry(self, plan: RetryPlan, force: bool) -> None:
        try:
            batch = await submit_retry(
                await session_of(self.services), plan, force=force, progress=self._on_progress
            )
        except AlreadySubmitted as exc:
            self.post_message(CreateRefused(str(exc)))
            return
        except BatchtuiError as exc:
            self.post_message(CreateFailed("retry", str(exc)))
            return
        self.post_message(self.Retried(batch))

    def _on_progress(self, step: SubmitProgress) -> None:
        # Called by the core while it submits; post_message is safe from any thread.
        self.post_message(CreateProgressed(step))

    # --- outcomes ---

    def on_retry_screen_planned(self, message: RetryScreen.Planned) -> None:
        self.plan = message.plan
        self.force = False
        self.query_one("#retry-plan", Static).update(plan_text(message.plan))
        # The switch only matters when the selection holds failures that would fail again.
        switch = self.query_one("#retry-include-invalid", Switch)
        row = self.query_one("#retry-invalid-row")
        row.display = switch.value or bool(message.plan.excluded_invalid)
        self._update_buttons()

    def on_create_failed(self, message: CreateFailed) -> None:
        self.busy = False
        text = Text(f"{message.step} failed: ", style="bold red")
        text.append(safe(message.error, one_line=False))
        self._show_progress(text)
        self._update_buttons()

    def on_create_refused(self, message: CreateRefused) -> None:
        self.busy = False
        self.force = True
        text = Text(safe(message.error, one_line=False) + "\n", style="yellow")
        text.append("Resending creates another batch and pays again.")
        self._show_progress(text)
        self._update_buttons()

    def on_create_progressed(self, message: CreateProgressed) -> None:
        self._show_progress(safe(message.step))

    def on_retry_screen_retried(self, message: RetryScreen.Retried) -> None:
        self.busy = False
        batch = message.batch
        self.app.notify(
            f"{safe(batch.id)} resends {self._count():,} request(s).",
            title="Retry batch created",
            timeout=15,
            markup=False,
        )
        self.dismiss(batch.id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure: report it, and let the user go on."""
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        self.post_message(WorkFailed(worker))
        if worker.group in ("retry", "retry-plan"):
            step = "plan" if worker.group == "retry-plan" else "retry"
            self.post_message(CreateFailed(step, str(worker.error)))

    # --- widgets ---

    def _count(self) -> int:
        return self.plan.count if self.plan is not None else 0

    def _show_progress(self, text: str | Text) -> None:
        progress = self.query_one("#retry-progress", Static)
        progress.update(text if isinstance(text, Text) else Text(text))
        progress.set_class(bool(text), "-shown")

    def _update_buttons(self) -> None:
        button = self.query_one("#retry-confirm", Button)
        count = self._count()
        button.disabled = self.busy or not count or self.services.read_only
        verb = "Retry anyway" if self.force else "Retry"
        button.label = f"{verb} {count:,} request{'s' if count != 1 else ''}" if count else verb
        self.query_one("#retry-include-invalid", Switch).disabled = self.busy


def plan_text(plan: RetryPlan) -> Text:
    """The plan's own summary lines, plus a hint when not every result is cached yet."""
    text = Text(end="")
    for number, line in enumerate(plan.lines(resend_invalid="the switch below resends them")):
        style = "bold" if number == 0 else "yellow"
        text.append(safe(line) + "\n", style=style)
    if not plan.count:
        text.append("Nothing to retry.\n", style="bold")
    if plan.batch.results_state is not ResultsState.COMPLETE:
        text.append(
            "Not every result of this batch is downloaded yet: poll (r) to fetch the rest.\n",
            style="yellow",
        )
    text.append("The provider starts processing (and charging) right away.", style="dim")
    return text
