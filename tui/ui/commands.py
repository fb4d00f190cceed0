"""The command palette (ctrl+p): every action of the current screen, found by name.

On the batch list, a curated list with what each action does; on any other screen (the
inspector, a request, a modal), that screen's own keys, by their description.

Commands run the same actions as the keys, through ``check_action``, so the palette can never do
what a key could not: in read-only mode the provider actions are not listed at all, and an
action that does not apply to the selected batch says why instead of running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.ui.screens.main import MainScreen


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
        (
            "Export results of the marked batches (or the selected one)",
            "export_results",
            "One JSONL or CSV file per batch, in a folder you name (ctrl+e)",
        ),
        ("Copy the batch id", "copy_id", "To the clipboard, also over SSH (y)"),
        ("Edit label and notes", "annotate", "Local only, never sent anywhere (e)"),
        ("Show or hide the cost pane", "toggle_costs", "What the batches in view cost ($)"),
        ("Filter batches", "filter", "status:ended model:haiku created:7d text (/)"),
        ("Clear the filter", "clear_filter", "Show every batch of the view again (Esc)"),
        ("Sort by a column", "sort", "Pick created, status, time left, progress… (s)"),
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

    def _commands(self) -> Iterator[tuple[str, Callable[[], Awaitable[object]], str]]:
        if self._main() is not None:
            for title, action, help_text in self._available():
                yield title, self._runner(action), help_text
            return
        yield from self._screen_commands()

    def _screen_commands(self) -> Iterator[tuple[str, Callable[[], Awaitable[object]], str]]:
        """The keys of another screen (and its focused widgets): batchtui's own, each once."""
        screen = self.screen
        heading = getattr(screen, "HELP_TITLE", "This screen")
        seen: set[str] = set()
        for node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not (binding.id and binding.description) or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            help_text = f"{heading} ({key})" if enabled else f"{heading}: unavailable now"
            yield binding.description, partial(self.app.run_action, binding.action, node), help_text

    async def discover(self) -> Hits:
        for title, runner, help_text in self._commands():
            yield DiscoveryHit(title, runner, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, runner, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), runner, help=help_text)
