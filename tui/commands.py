"""The command palette (ctrl+p): every action of the batch list, found by name.

Commands run the same actions as the keys, through ``check_action``, so the palette can never do
what a key could not: in read-only mode the provider actions are not listed at all, and an
action that does not apply to the selected batch says why instead of running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.screens.main import MainScreen


class BatchCommands(Provider):
    """Actions on the batch list and the selected batch."""

    COMMANDS: tuple[tuple[str, str, str], ...] = (
        ("Poll now", "app.poll", "Refresh every active batch from the providers (r)"),
        ("Open requests of the selected batch", "open_requests", "Per-request inspector (Enter)"),
        ("Cancel the selected batch", "cancel_batch", "Asks first; shows what is at stake (c)"),
        ("Delete the selected batch", "delete_batch", "Ended batches only; asks first (d)"),
        ("Download results of the selected batch", "download", "Fetch results again (D)"),
        ("Submit a requests file", "submit", "Check, estimate, confirm, create (n)"),
        (
            "Retry failed requests of the selected batch",
            "retry",
            "Errored, expired and canceled ones; shows the plan, asks first (R)",
        ),
        ("Copy the batch id", "copy_id", "To the clipboard, also over SSH (y)"),
        ("Edit label and notes", "annotate", "Local only, never sent anywhere (e)"),
        ("Filter batches", "filter", "status:ended model:haiku profile:x text (/)"),
        ("Clear the filter", "clear_filter", "Show every batch of the view again (Esc)"),
        ("Sort by the next column", "cycle_sort", "created, status, time left, progress… (s)"),
        ("Reverse the sort order", "reverse_sort", "(S)"),
        ("Show full batch ids", "toggle_ids", "Toggle (i)"),
        ("View: Active", "view('active')", "Batches still running (1)"),
        ("View: Needs attention", "view('attention')", "Failures, or results not downloaded (2)"),
        ("View: Ended", "view('ended')", "Batches that ended (3)"),
        ("View: All", "view('all')", "Every batch (4)"),
        ("Help: keys", "app.help", "Every key binding (?)"),
    )

    def _main(self) -> MainScreen | None:
        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    def _available(self) -> Iterator[tuple[str, str, str]]:
        main = self._main()
        if main is None:
            return
        for title, action, help_text in self.COMMANDS:
            name = action.split("(")[0]
            if name.startswith("app."):
                yield title, action, help_text
                continue
            state = main.check_action(name, ())
            if state is False:
                continue  # hidden (read-only mode)
            reason = main.unavailable_reason(name) if state is None else None
            yield title, action, f"unavailable: {reason}" if reason else help_text

    def _runner(self, action: str) -> Callable[[], Awaitable[object]]:
        main = self._main()
        if action.startswith("app."):
            return partial(self.app.run_action, action.removeprefix("app."))
        name = action.split("(")[0]

        async def run() -> None:
            assert main is not None
            reason = main.unavailable_reason(name)
            if reason:
                main.notify(reason, severity="warning", markup=False)
                return
            await self.app.run_action(action, main)

        return run

    async def discover(self) -> Hits:
        for title, action, help_text in self._available():
            yield DiscoveryHit(title, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._available():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._runner(action), help=help_text)
