"""``batchtui watch``: what happens when a batch ends (the command, the terminal notification).

``--exec CMD`` replaces the config's ``on_batch_end`` for this run; either runs once per batch
that ends while watched, without a shell, with the batch in its environment (see
:mod:`tui.core.batch_end`). Its failure is printed to stderr and the watch goes on.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable, Mapping

from tui.core.batch_end import run_batch_end_command, summary, terminal_notification
from tui.core.config import Config
from tui.core.errors import ConfigError
from tui.core.models import Batch


class WatchEnds:
    """Runs the batch-end command and notification, once per batch."""

    def __init__(
        self, config: Config, exec_command: str | None, *, env: Mapping[str, str] | None = None
    ) -> None:
        self.config = config
        self.env = env
        self.command = config.settings.on_batch_end
        if exec_command is not None:
            try:
                self.command = tuple(shlex.split(exec_command))
            except ValueError as exc:
                raise ConfigError(f"watch --exec: {exc}") from None
            if not self.command:
                raise ConfigError("watch --exec: the command is empty")
        self._done: set[str] = set()

    async def after(self, ended: Iterable[Batch]) -> None:
        for batch in ended:
            if batch.id in self._done:
                continue
            self._done.add(batch.id)
            self._notify(batch)
            if self.command:
                outcome = await run_batch_end_command(
                    self.command, batch, self.config, base_env=self.env
                )
                if not outcome.ok:
                    print(f"batch-end command failed: {outcome.message}", file=sys.stderr)

    def _notify(self, batch: Batch) -> None:
        settings = self.config.settings
        if settings.notify_terminal and sys.stdout.isatty():
            sequence = terminal_notification("batchtui", summary(batch), settings.notify_sequence)
            print(sequence, end="", flush=True)
