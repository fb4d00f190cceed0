"""What the submit screen and the retry modal share: creating batches at a provider.

Both run the core's create call in a worker, follow its ``SubmitProgress`` callbacks, and get
one of three outcomes back as messages (:class:`~tui.ui.messages.CreateProgressed`,
:class:`~tui.ui.messages.CreateRefused` when the ledger says this went out before,
:class:`~tui.ui.messages.CreateFailed`). :class:`CreateFlow` is their common base: the busy flag
that keeps the screen open while a create is under way (closing it would cancel the worker in
the middle of a create), the error forwarding of the workers, and the outcome handlers. Each
screen says how an outcome shows through four small hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.text import Text
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.core.errors import BatchtuiError
from tui.core.submit import AlreadySubmitted, SubmitProgress
from tui.display.formatting import safe
from tui.ui.messages import CreateFailed, CreateProgressed, CreateRefused, WorkFailed

if TYPE_CHECKING:
    from tui.core.providers.base import Provider
    from tui.core.store import Store
    from tui.ui.services import Services

ResultT = TypeVar("ResultT")
CreatedT = TypeVar("CreatedT")


@dataclass
class ServicesSession:
    """The two things submitting needs of a session, taken from the App's services."""

    store: Store
    providers: Mapping[str, Provider]


async def session_of(services: Services) -> ServicesSession:
    """A submit-ready view of ``services``: the cache and the open providers."""
    return ServicesSession(services.store, await services.providers())


class CreateFlow(Screen[ResultT]):
    """The busy / stay logic, the workers' error forwarding and the create outcomes, once."""

    STAY_MESSAGE: ClassVar[str] = "Creating batches: wait for it."
    """Why the screen stays open when the user backs out while a create is under way."""
    WORKER_STEPS: ClassVar[Mapping[str, str]] = {}
    """Worker group -> the step a crash in it is reported as (a :class:`CreateFailed`)."""

    services: Services
    busy: bool
    """A create is under way: backing out only says to wait."""
    force: bool
    """Create even though the ledger says this went out before (the user asked)."""

    # --- what each screen shows (hooks) ---

    def show_failure(self, step: str, text: Text) -> None:
        """Show that ``step`` failed (``text`` says so, in red)."""
        raise NotImplementedError

    def show_refusal(self, why: str) -> None:
        """Show why the ledger refused (already sent); the next confirm creates anyway."""
        raise NotImplementedError

    def show_step(self, step: SubmitProgress) -> None:
        """Show one progress step of the create."""
        raise NotImplementedError

    def _update_buttons(self) -> None:
        raise NotImplementedError

    # --- leaving ---

    def leave(self) -> None:
        """Dismiss with None, unless a create is under way (then say to wait)."""
        if self.busy:
            self.action_stay()
            return
        self.dismiss(None)

    def action_stay(self) -> None:
        self.notify(self.STAY_MESSAGE, severity="warning", markup=False)

    def created(self, result: ResultT, body: str, title: str) -> None:
        """The create succeeded: say what was created, and hand ``result`` back."""
        self.busy = False
        self.app.notify(body, title=title, timeout=15, markup=False)
        self.dismiss(result)

    # --- in the workers ---

    async def create(
        self,
        step: str,
        create: Callable[[ServicesSession], Awaitable[CreatedT]],
        created: Callable[[CreatedT], Message],
    ) -> None:
        """Run the core's create call and post ``created(what it made)``; a refusal or a failure
        comes back as a message instead."""
        try:
            made = await create(await session_of(self.services))
        except AlreadySubmitted as exc:
            self.post_message(CreateRefused(str(exc)))
        except BatchtuiError as exc:  # AmbiguousSubmission too: its message says what to do
            self.post_message(CreateFailed(step, str(exc)))
        else:
            self.post_message(created(made))

    def report_progress(self, step: SubmitProgress) -> None:
        # Called by the core while it creates; post_message is safe from any thread.
        self.post_message(CreateProgressed(step))

    # --- outcomes ---

    def on_create_failed(self, message: CreateFailed) -> None:
        self.busy = False
        text = Text(f"{message.step} failed: ", style="bold red")
        text.append(safe(message.error, one_line=False))
        self.show_failure(message.step, text)
        self._update_buttons()

    def on_create_refused(self, message: CreateRefused) -> None:
        self.busy = False
        self.force = True
        self.show_refusal(safe(message.error, one_line=False))
        self._update_buttons()

    def on_create_progressed(self, message: CreateProgressed) -> None:
        self.show_step(message.step)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure in a step: report it, and let the user go on."""
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        self.post_message(WorkFailed(worker))
        step = self.WORKER_STEPS.get(worker.group)
        if step is not None:
            self.post_message(CreateFailed(step, str(worker.error)))
