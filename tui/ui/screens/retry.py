"""The retry modal: what a retry of a batch's failed requests would resend, then resend it.

``R`` means the same on both screens: the marked requests and groups when there are marks,
else the failures in view (every errored, expired and canceled request on the batch list; the
inspector's current tab, group and search). It plans in a worker, shows the plan (how many
requests of which outcome, the failures left out because they would fail again, requests whose
params are unknown) and asks like every confirm modal, with focus on **Cancel**. A plan that
sends nothing says why and leaves Retry disabled. A switch puts the invalid requests back in;
another resends the answers cut off at max_tokens instead, with a max_tokens the user types.
An OpenAI batch made elsewhere has its input file fetched from the provider (once) for params.

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
from textual.widgets import Button, Input, Label, Static, Switch

from tui.core.errors import BatchtuiError
from tui.core.models import Batch, ResultsState, ResultType
from tui.core.store import ResultFilter
from tui.core.submit import (
    RetryPlan,
    SubmitProgress,
    count_truncated,
    plan_retry,
    plan_truncated,
    submit_retry,
    suggested_max_tokens,
)
from tui.core.submit.input_file import can_fetch_input, complete_plan
from tui.display.formatting import batch_name, safe
from tui.ui.messages import CreateFailed
from tui.ui.screens.create_flow import CreateFlow
from tui.ui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from tui.core.store import Store
    from tui.ui.services import Services


async def plan_for_marks(
    store: Store,
    batch_id: str,
    *,
    custom_ids: Iterable[str] | None,
    error_keys: Iterable[str] | None,
    types: Iterable[ResultType] | None,
    include_invalid: bool,
    view: ResultFilter | None = None,
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
        store,
        batch_id,
        types=types,
        custom_ids=named,
        include_invalid=include_invalid,
        view=None if named is not None else view,  # marks win over the view
    )


class RetryScreen(CreateFlow[str | None], ModalScreen[str | None]):
    """Plan, confirm and submit a retry; see the module docstring."""

    STAY_MESSAGE = "Creating the retry batch: wait for it."
    WORKER_STEPS = {"retry": "retry", "retry-plan": "plan"}

    AUTO_FOCUS = "#retry-cancel"
    BINDINGS: ClassVar = [
        Binding("escape", "back", "Back", id="retry.back"),
        Binding("q", "back", "Back", show=False, id="retry.q"),
    ]

    class Planned(Message):
        """What the retry would resend (and what it leaves out)."""

        def __init__(self, plan: RetryPlan, truncated: int, note: str = "") -> None:
            super().__init__()
            self.plan = plan
            self.truncated = truncated
            """Answers of the batch cut off at max_tokens (the truncated retry's candidates)."""
            self.note = note
            """Why params could not be fetched from the provider, if it was tried and failed."""

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
        view: ResultFilter | None = None,
        truncated: bool = False,
    ) -> None:
        super().__init__()
        self.start_truncated = truncated
        self.services = services
        self.shown_batch = batch
        self.custom_ids = frozenset(custom_ids or ())
        self.error_keys = frozenset(error_keys or ())
        self.types = frozenset(types) if types else None
        self.view = view
        self.plan: RetryPlan | None = None
        self.force = False
        self.busy = False

    def compose(self) -> ComposeResult:
        marked = bool(self.custom_ids or self.error_keys)
        in_view = self.view is not None and self.view != ResultFilter()
        what = "the marked requests" if marked else "the failed requests"
        what += " in view" if in_view and not marked else ""
        with Vertical(id="retry-dialog"):
            yield Static(self._title(what), id="retry-title", markup=False)
            yield Static(Text("Planning…", style="dim"), id="retry-plan")
            with Horizontal(id="retry-invalid-row"):
                yield Switch(False, id="retry-include-invalid")
                yield Label("Also resend invalid and model-not-found failures", markup=False)
            with Horizontal(id="retry-truncated-row"):
                yield Switch(self.start_truncated, id="retry-truncated")
                yield Label("Instead: answers cut off at max_tokens, with max_tokens", markup=False)
                yield Input(id="retry-max-tokens", type="integer", max_length=7)
            yield Static("", id="retry-progress")
            with Horizontal(id="retry-buttons"):
                yield Button("Cancel", id="retry-cancel", variant="primary")
                yield Button("Retry", id="retry-confirm", variant="error", disabled=True)
        yield KeyFooter(compact=True)  # the modal's keys, not the screen's below

    def _title(self, what: str) -> str:
        if self.start_truncated:
            what = "the answers cut off at max_tokens"
        return f"Retry {what} of {batch_name(self.shown_batch)}?"

    def on_mount(self) -> None:
        self.query_one("#retry-truncated-row").display = False
        self.query_one("#retry-max-tokens").display = self.start_truncated
        self._replan()

    # --- user input (handlers only start workers) ---

    @property
    def truncated_mode(self) -> bool:
        return self.query_one("#retry-truncated", Switch).value

    def _max_tokens(self) -> int | None:
        value = self.query_one("#retry-max-tokens", Input).value.strip()
        return int(value) if value.isdigit() and int(value) > 0 else None

    def _replan(self) -> None:
        if self.busy:
            return
        self.plan = None
        self._update_buttons()
        include_invalid = self.query_one("#retry-include-invalid", Switch).value
        self.make_plan(include_invalid, self.truncated_mode, self._max_tokens())

    @on(Switch.Changed, "#retry-include-invalid")
    def _include_invalid_changed(self, event: Switch.Changed) -> None:
        event.stop()
        self._replan()

    @on(Switch.Changed, "#retry-truncated")
    def _truncated_changed(self, event: Switch.Changed) -> None:
        event.stop()
        self.query_one("#retry-max-tokens").display = event.value
        self.query_one("#retry-invalid-row").display = not event.value and self._has_invalid()
        self._replan()

    @on(Input.Changed, "#retry-max-tokens")
    def _max_tokens_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.truncated_mode:
            self._replan()

    def _has_invalid(self) -> bool:
        switch = self.query_one("#retry-include-invalid", Switch)
        return switch.value or bool(self.plan and self.plan.excluded_invalid)

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
        self.leave()

    # --- workers ---

    @work(
        exclusive=True,
        group="retry-plan",
        exit_on_error=False,
        name="retry-plan",
        description="Planning the retry",
    )
    async def make_plan(
        self, include_invalid: bool, truncated: bool, max_tokens: int | None
    ) -> None:
        store, batch_id = self.services.store, self.shown_batch.id
        note = ""
        try:
            if truncated:
                plan = await plan_truncated(store, batch_id, max_tokens or 1)
                if max_tokens is None:  # first flip: propose a value, the user edits it
                    plan.max_tokens = await suggested_max_tokens(store, plan)
            else:
                plan = await plan_for_marks(
                    store,
                    batch_id,
                    custom_ids=self.custom_ids,
                    error_keys=self.error_keys,
                    types=self.types,
                    include_invalid=include_invalid,
                    view=self.view,
                )
            if can_fetch_input(plan):
                # An async worker runs on the App's loop: the widget can be updated directly.
                self._show_progress("Fetching the input file from the provider…")
                plan, note = await self._with_input_file(plan)
            truncated_count = await count_truncated(store, batch_id)
        except BatchtuiError as exc:
            self.post_message(CreateFailed("plan", str(exc)))
            return
        self.post_message(self.Planned(plan, truncated_count, note))

    async def _with_input_file(self, plan: RetryPlan) -> tuple[RetryPlan, str]:
        """The plan with params read from the provider's copy of the input file (OpenAI)."""
        provider = (await self.services.providers()).get(plan.batch.profile)
        if provider is None:
            return plan, f"profile {plan.batch.profile!r} is not usable here: no input fetched"
        try:
            return await complete_plan(self.services.store, provider, plan), ""
        except BatchtuiError as exc:
            return plan, f"the input file could not be fetched: {exc}"

    @work(
        exclusive=True,
        group="retry",
        exit_on_error=False,
        name="retry",
        description="Creating the retry batch",
    )
    async def run_retry(self, plan: RetryPlan, force: bool) -> None:
        await self.create(
            "retry",
            lambda session: submit_retry(session, plan, force=force, progress=self.report_progress),
            self.Retried,
        )

    # --- outcomes ---

    def on_retry_screen_planned(self, message: RetryScreen.Planned) -> None:
        plan = message.plan
        if plan.truncated != self.truncated_mode:
            return  # planned before the switch flipped; the newer plan follows
        self.plan = plan
        self.force = False
        if plan.truncated:
            title = f"Resend the answers of {batch_name(self.shown_batch)} cut off at max_tokens?"
            self.query_one("#retry-title", Static).update(title)
        self.query_one("#retry-plan", Static).update(plan_text(plan, message.note))
        self._show_progress("")
        # Each switch only shows when it can change something.
        self.query_one("#retry-invalid-row").display = not plan.truncated and self._has_invalid()
        truncated_row = self.query_one("#retry-truncated-row")
        truncated_row.display = plan.truncated or bool(message.truncated)
        max_tokens = self.query_one("#retry-max-tokens", Input)
        if plan.max_tokens is not None and not max_tokens.value:
            with max_tokens.prevent(Input.Changed):
                max_tokens.value = str(plan.max_tokens)
        self._update_buttons()

    def show_failure(self, step: str, text: Text) -> None:
        self._show_progress(text)

    def show_refusal(self, why: str) -> None:
        text = Text(why + "\n", style="yellow")
        text.append("Resending creates another batch and pays again.")
        self._show_progress(text)

    def show_step(self, step: SubmitProgress) -> None:
        self._show_progress(safe(step))

    def on_retry_screen_retried(self, message: RetryScreen.Retried) -> None:
        batch = message.batch
        body = f"{safe(batch.id)} resends {self._count():,} request(s)."
        self.created(batch.id, body, "Retry batch created")

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
        if not count and self.plan is not None:
            button.label = "Nothing to retry"
        # Textual's Button redraws a new label in its old width: "Retry 13 requests" came
        # out as "Retry 13" until something else happened to lay the dialog out again.
        button.refresh(layout=True)
        self.query_one("#retry-include-invalid", Switch).disabled = self.busy
        self.query_one("#retry-truncated", Switch).disabled = self.busy
        self.query_one("#retry-max-tokens", Input).disabled = self.busy


def plan_text(plan: RetryPlan, note: str = "") -> Text:
    """The plan's own summary lines, why nothing would be sent, and a hint when not every
    result is cached yet."""
    text = Text(end="")
    for number, line in enumerate(plan.lines(resend_invalid="the switch below resends them")):
        style = "bold" if number == 0 else "yellow"
        text.append(safe(line) + "\n", style=style)
    if note:
        text.append(safe(note) + "\n", style="yellow")
    reason = plan.nothing_reason()
    if reason is not None:
        text.append(f"Nothing to retry: {safe(reason)}.\n", style="bold reverse")
    if plan.batch.results_state is not ResultsState.COMPLETE:
        text.append(
            "Not every result of this batch is downloaded yet: poll (r) to fetch the rest.\n",
            style="yellow",
        )
    text.append("The provider starts processing (and charging) right away.", style="dim")
    return text
