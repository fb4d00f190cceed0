"""BatchApp: wiring only. Services in, the main screen up, polling on a re-armed timer.

The cached batches are read on Load, before the main screen is built, so its first frame
usually shows them (see :meth:`BatchApp.on_load`). The App owns the one thing every screen
shares, the poll loop:

* ``sync_batches`` is an exclusive worker in the ``sync`` group; the first run imports every
  batch of every profile, later runs (and ``r``) read the newest page of each profile's list,
  which refreshes the running batches and finds new ones, tell what other batchtui processes
  stored in the shared cache, and download ended results.
* The sync engine reports what changed through its ``on_event`` callback. Events are buffered
  and delivered to the main screen as one :class:`~tui.ui.messages.SyncEventsArrived` per burst, so
  importing a thousand batches repaints once, not a thousand times.
* The next poll is armed with ``set_timer(engine.next_delay())`` only when a poll has finished
  (successfully or not), in the single ``Worker.StateChanged`` handler; polls never overlap and
  a slow or failing API is never hammered. A cancelled poll does not re-arm.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from tui.core.events import BatchChanged, ProfileHealth, SyncEvent
from tui.display import glyphs
from tui.display.formatting import batch_name, progress_text, safe
from tui.ui.commands import BatchCommands
from tui.ui.messages import FollowsSyncEvents, SyncEventsArrived, WorkFailed
from tui.ui.notify import BatchEndNotifier
from tui.ui.screens.batch_actions import PROVIDER_ACTIONS
from tui.ui.screens.main import MainScreen
from tui.ui.services import Services

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from tui.core.models import Batch
    from tui.ui.screens.requests import RequestsScreen

_PALETTE_KEY = Binding("ctrl+p", "command_palette", "Commands")
"""How the ? screen lists Textual's command palette key."""

_MOVING = [
    Binding("up", "", "Move in a list, scroll a pane", key_display="↑ ↓ j k"),
    Binding("pageup", "", "Page through the list", key_display="PgUp PgDn"),
    Binding("home", "", "First / last", key_display="Home End g G"),
    Binding("tab", "", "Next pane (detail, costs, groups): then ↑ ↓ scroll it", key_display="Tab"),
]
"""How the ? screen lists the keys every list and pane shares (Textual's and the widgets')."""

_USER_WORK = frozenset({"action", "submit", "retry", "requests-export", "export"})
"""Worker groups of work the user started and would lose by quitting (polls resume)."""


def _is_user_work(worker: Worker) -> bool:
    return worker.is_running and worker.group in _USER_WORK


_CACHE_HEAD_START = 0.3
"""Seconds the first frame may wait for the cached batches (a thousand take about 25 ms)."""


class BatchApp(App[None]):
    """The batchtui terminal app; see the module docstring."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    """Absolute, so subclasses elsewhere (tests, screenshots) find the same stylesheet."""
    TITLE = "batchtui"
    COMMANDS: ClassVar = App.COMMANDS | {BatchCommands}
    BINDINGS: ClassVar = [
        Binding("r", "poll", "Poll", id="app.poll"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.main = MainScreen(services)
        self.batch_end = BatchEndNotifier(self, services)
        self._pending: list[SyncEvent] = []
        self._poll_timer: Timer | None = None
        self._imported = False
        self._cache_shown = False
        self._owns_services = False
        glyphs.use(services.config.settings.glyphs, no_color=self.no_color)
        theme = services.config.settings.theme
        if theme in self.available_themes:
            self.theme = theme
        self._saved_theme = self.theme
        """The theme the config file holds (or this session started with)."""

    def get_default_screen(self) -> MainScreen:
        return self.main

    async def on_load(self) -> None:
        # An App run in an event loop of its own (snapshot tests) opens its services here, and
        # closes them when it ends; the batchtui command opens them before and closes after.
        if not self.services.is_open:
            await self.services.open()
            self._owns_services = True
        # Read the cache before the screen is built, so the first frame has the rows. Run
        # alongside the building, the read is slow (sqlite hands the GIL over for every row
        # while the UI thread is busy) and the list is laid out and painted twice. A slow
        # cache delays the first frame by at most the head start, then fills in when read.
        # Read in time, the batches are handed down before the screen composes its table.
        worker: Worker[list[Batch]] = self.load_batches()  # @work(...) loses the type
        with contextlib.suppress(TimeoutError, WorkerFailed, WorkerCancelled):
            await asyncio.wait_for(asyncio.shield(worker.wait()), _CACHE_HEAD_START)
        if worker.state is WorkerState.SUCCESS and worker.result is not None:
            self._show_cached(worker.result)  # else when it ends (on_worker_state_changed)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_chosen)
        self.services.engine.on_event = self._on_sync_event
        if self.services.cache_problem is not None:
            words = self.services.read_only_words()
            self.notify(words, title="Cache opened read-only", severity="warning", markup=False)
        if self.services.auto_poll:
            self.sync_batches()

    async def on_unmount(self) -> None:
        if self._owns_services:
            await self.services.close()

    def _theme_chosen(self, theme: object) -> None:
        if self.theme != self._saved_theme:
            self._saved_theme = self.theme
            self.save_theme(self.theme)

    @work(thread=True, group="settings", exit_on_error=False, description="Saving the theme")
    def save_theme(self, theme: str) -> None:
        """The palette's theme, kept in the config file for the next start."""
        from tui.core.errors import ConfigError
        from tui.core.settings_file import save_setting

        try:
            save_setting(self.services.config.path, "theme", theme)
        except ConfigError as exc:
            self.notify(f"Theme kept for this session only: {safe(exc)}", markup=False)

    # --- workers --------------------------------------------------------------------------------

    @work(group="store", exit_on_error=False, name="load", description="Reading the cache")
    async def load_batches(self) -> list[Batch]:
        return await self.services.store.batches.list()

    @work(
        group="sync",
        exclusive=True,
        exit_on_error=False,
        name="sync",
        description="Polling the batch APIs",
    )
    async def sync_batches(self) -> None:
        """One poll; the first one imports every batch (all pages) of every profile."""
        engine = self.services.engine
        if not self._imported:
            await engine.import_all()
            # Import again next time if a profile could not be reached this time.
            self._imported = all(
                status.health in (ProfileHealth.OK, ProfileHealth.MISCONFIGURED)
                for status in engine.statuses.values()
            )
        await engine.poll_once()

    @work(group="warm", exit_on_error=False, name="warm", description="Loading the inspector")
    async def warm_inspector(self) -> None:
        from tui.ui.warmup import warm_inspector

        await warm_inspector(self)

    @work(group="index", exit_on_error=False, name="index", description="Indexing for search")
    async def index_for_search(self) -> None:
        """Build the search index of batches ``batchtui sync`` downloaded (it leaves that to
        the TUI, the index's only reader), one at a time, behind the first paint."""
        store = self.services.store
        if store.db.read_only:
            return
        for batch_id in await store.results.downloaded_without_search_index():
            await store.results.build_search_index(batch_id)

    # --- sync events, batched -------------------------------------------------------------------

    def _on_sync_event(self, event: SyncEvent) -> None:
        """Called by the engine, inside the sync worker: buffer, and post once per burst."""
        if self._pending:
            self._pending.append(event)  # already announced by the message not yet handled
            return
        self._pending = [event]
        self.post_message(SyncEventsArrived(self._pending))

    def _show_cached(self, batches: list[Batch]) -> None:
        if self._cache_shown:
            return
        self._cache_shown = True
        self.main.show_batches(batches)
        # Pricing reads every result; let the list paint first. So does the inspector's
        # warm-up: its imports and styles then no longer wait on the first Enter.
        self.call_after_refresh(self.main.load_costs)
        self.call_after_refresh(self.warm_inspector)
        self.call_after_refresh(self.index_for_search)

    def on_sync_events_arrived(self, message: SyncEventsArrived) -> None:
        self._pending = []
        self.main.apply_events(message.events)
        # A pushed screen that shows live data (the inspector: its batch's download progress)
        # takes the same burst; the main screen is always updated above.
        if isinstance(self.screen, FollowsSyncEvents):
            self.screen.apply_sync_events(message.events)
        for event in message.events:
            if isinstance(event, BatchChanged) and event.ended and event.previous is not None:
                self._announce_end(event)

    def _announce_end(self, event: BatchChanged) -> None:
        batch = event.batch
        summary = progress_text(batch.counts).plain
        severity: SeverityLevel = "information" if batch.counts.failed == 0 else "warning"
        self.notify(
            f"{batch_name(batch)}: {batch.status.value} · {summary}",
            title="Batch ended",
            severity=severity,
            timeout=10,
            markup=False,
        )
        if self.services.config.settings.bell:
            self.bell()
        self.batch_end.batch_ended(batch)

    def on_requests_screen_retry_requested(self, message: RequestsScreen.RetryRequested) -> None:
        """R in the request inspector: plan and confirm a retry of the marked requests."""
        batch = self.main.table.batches.get(message.batch_id)
        if batch is None:
            self.notify("That batch is no longer in the list.", severity="warning", markup=False)
            return
        self.main.open_retry(
            batch,
            message.custom_ids,
            message.error_keys,
            view=message.view,
            truncated=message.truncated,
        )

    # --- worker outcomes and the poll timer -----------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures become visible, and where polling re-arms."""
        worker = event.worker
        if event.state is WorkerState.ERROR:
            self.report_failure(worker)
        if worker.name == "load" and event.state is WorkerState.SUCCESS:
            self._show_cached(worker.result or [])  # load_batches returns a list
        if worker.group == "sync":
            self._sync_state_changed(event.state)

    def on_work_failed(self, message: WorkFailed) -> None:
        """A screen's worker failed (``Worker.StateChanged`` does not bubble; this does)."""
        self.report_failure(message.worker)

    def report_failure(self, worker: Worker) -> None:
        """A worker raised: say what failed and why (screens forward their workers here)."""
        what = worker.description or worker.name
        self.notify(
            f"{what} failed: {safe(worker.error)}", severity="error", timeout=10, markup=False
        )

    def _sync_state_changed(self, state: WorkerState) -> None:
        if state is WorkerState.RUNNING:
            self.main.set_poll_state(polling=True, next_at=None)
            return
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        next_at = None
        if self.services.auto_poll and state is not WorkerState.CANCELLED:
            delay = self.services.engine.next_delay()
            self._poll_timer = self.set_timer(delay, self._poll_due, name="poll")
            next_at = self.services.timer() + delay
        self.main.set_poll_state(polling=False, next_at=next_at)

    def _poll_due(self) -> None:
        self._poll_timer = None
        self.sync_batches()

    # --- actions --------------------------------------------------------------------------------

    def action_poll(self) -> None:
        if self.services.cache_problem is not None:  # a poll writes what it hears
            self.notify(self.services.read_only_words(), severity="warning", markup=False)
            return
        if any(w.group == "sync" and w.is_running for w in self.workers):
            self.notify("Already polling.", timeout=2, markup=False)
            return
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self.sync_batches()

    async def action_quit(self) -> None:
        """q quits from the batch list only (sub-screens bind q to Back), and asks first while
        a cancel, delete, download, submit, retry or export is under way."""
        if self.screen is not self.main:
            return
        busy = [w.description or w.name for w in self.workers if _is_user_work(w)]
        if not busy:
            self.exit()
            return
        from tui.ui.screens.confirm import ConfirmScreen

        stakes = Text("Still running: " + ", ".join(dict.fromkeys(busy)) + ".\n", end="")
        stakes.append("Quitting now stops it; what reached the provider stays there.")
        screen = ConfirmScreen("Quit while work is in flight?", stakes, "Quit")
        self.push_screen(screen, lambda ok: self.exit() if ok else None)

    def action_help(self) -> None:
        if self.screen is self.main:
            sections, notes = self._main_help()
        else:  # the inspector, a request, submit: that screen's keys, not the batch list's
            sections, notes = self._screen_help(self.screen), []
        from tui.ui.screens.help import HelpScreen  # loaded on first use, not at start-up

        self.push_screen(HelpScreen(sections, notes))

    def _screen_help(self, screen: Screen) -> list[tuple[str, list[Binding]]]:
        """The keys of ``screen`` and its focused widgets, then the App's, each action once.

        Only batchtui's own bindings (they all have ids), not Textual's scrolling and focus
        keys; those the screen's state merely disables are listed, those it hides are not."""
        own: dict[str, Binding] = {}
        everywhere: dict[str, Binding] = {}
        for node, binding, _enabled, _tooltip in screen.active_bindings.values():
            if binding.id and binding.description:
                (everywhere if node is self else own).setdefault(binding.action, binding)
        title = getattr(screen, "HELP_TITLE", "This screen")
        everywhere_keys = [*everywhere.values(), _PALETTE_KEY]
        return [
            (title, list(own.values())),
            ("Everywhere", everywhere_keys),
            ("Moving around", _MOVING),
        ]

    def _main_help(self) -> tuple[list, list[str]]:
        screen_bindings = [
            b
            for b in MainScreen.BINDINGS
            if isinstance(b, Binding)  # all of them are
            and not (self.services.read_only and b.action in PROVIDER_ACTIONS)
        ]
        sections = [
            (MainScreen.HELP_TITLE, screen_bindings),
            ("Everywhere", [*self.BINDINGS, _PALETTE_KEY]),
            ("Moving around", _MOVING),
        ]
        notes = [
            "Filter tokens: status: model: profile: provider: label: id: notes:, ! negates;"
            " times: created:7d ended:today since:2026-11-01 (also 24h, 2w, yesterday)."
        ]
        if self.services.cache_problem is not None:
            notes.append(self.services.read_only_words())
        elif self.services.read_only:
            notes.append("Read-only mode: submit, retry, cancel, delete and download are off.")
        return sections, notes
