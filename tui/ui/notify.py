"""Batch-end notifications of the TUI: the terminal's own notification and the user's command.

The App calls :meth:`BatchEndNotifier.batch_ended` where it rings the bell. The escape sequence
goes out through Textual's driver, the one writer of the terminal (a ``print`` would land in the
middle of a frame); the command runs in a worker, and its failure becomes a warning toast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

    from tui.core.models import Batch
    from tui.ui.services import Services


class BatchEndNotifier:
    """What the App does when a batch ends, beyond its toast and bell."""

    def __init__(self, app: App[None], services: Services) -> None:
        self.app = app
        self.services = services

    def batch_ended(self, batch: Batch) -> None:
        # Loaded when a batch first ends, not at start-up (the App builds this notifier then).
        from tui.core.batch_end import summary, terminal_notification

        settings = self.services.config.settings
        if settings.notify_terminal:
            self.write_to_terminal(
                terminal_notification("batchtui", summary(batch), settings.notify_sequence)
            )
        if settings.on_batch_end:
            self.app.run_worker(
                self._run_command(batch),
                name="on_batch_end",
                group="batch-end",
                description="The on_batch_end command",
                exit_on_error=False,
            )

    def write_to_terminal(self, sequence: str) -> None:
        """Write through the driver; none while the App starts or stops, then nothing is sent."""
        driver = getattr(self.app, "_driver", None)  # Textual has no public raw-write API
        if driver is not None:
            driver.write(sequence)

    async def _run_command(self, batch: Batch) -> None:
        from tui.core.batch_end import run_batch_end_command

        config = self.services.config
        outcome = await run_batch_end_command(
            config.settings.on_batch_end, batch, config, base_env=self.services.env
        )
        if not outcome.ok:
            self.app.notify(
                f"on_batch_end failed: {outcome.message}",
                title="Batch-end command",
                severity="warning",
                timeout=10,
                markup=False,
            )
