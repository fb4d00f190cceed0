"""What happens when a batch ends, besides the bell: a terminal notification and a command.

Both the TUI and ``batchtui watch`` use these:

* :func:`terminal_notification` is the escape sequence (OSC 9 or OSC 777) that iTerm2, kitty,
  WezTerm, foot, Windows Terminal and others turn into a desktop notification, even over SSH.
  Its text comes from a provider or a user (a label), so it is stripped of every control
  character: nothing in it can end the sequence early or start another.
* :func:`run_batch_end_command` runs the ``on_batch_end`` command (or ``watch --exec``) without
  a shell, with the batch in its environment (``BATCHTUI_BATCH_ID``, ``BATCHTUI_STATUS``, the
  counts, ...). The inherited environment loses every variable that holds an API key. The
  command is stopped after a timeout; its failure is reported, never raised.
* :func:`outcome_exit_code` is ``watch ID --exit-on-end``'s exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tui.core.config import STANDARD_KEY_VARIABLES, Config
from tui.core.models import Batch, BatchStatus
from tui.core.text import one_line

EXIT_SUCCEEDED = 0
"""The batch ended and every request succeeded."""
EXIT_SOME_FAILED = 10
"""The batch ended, but some requests errored, expired or were canceled."""
EXIT_CANCELED = 11
EXIT_EXPIRED = 12
EXIT_FAILED = 13
"""The provider refused the batch (OpenAI's ``failed``: an invalid input file)."""

_EXIT_BY_STATUS = {
    BatchStatus.CANCELED: EXIT_CANCELED,
    BatchStatus.EXPIRED: EXIT_EXPIRED,
    BatchStatus.FAILED: EXIT_FAILED,
}

OUTPUT_SHOWN = 200
"""Characters of a failed command's output repeated in the message."""


def outcome_exit_code(batch: Batch) -> int:
    """The exit status that tells a script how an ended batch came out."""
    if batch.status in _EXIT_BY_STATUS:
        return _EXIT_BY_STATUS[batch.status]
    return EXIT_SOME_FAILED if batch.counts.failed else EXIT_SUCCEEDED


def summary(batch: Batch) -> str:
    """One line about an ended batch, for a notification."""
    c = batch.counts
    name = one_line(batch.label, limit=60) or batch.id
    return (
        f"{name}: {batch.status.value}, {c.succeeded:,} succeeded, {c.failed:,} failed "
        f"of {c.total:,}"
    )


def terminal_notification(title: str, body: str, sequence: str = "osc9") -> str:
    """The escape sequence that asks the terminal for a desktop notification."""
    title, body = _field(title), _field(body)
    if sequence == "osc777":
        return f"\x1b]777;notify;{title.replace(';', ',')};{body}\x07"
    return f"\x1b]9;{title}: {body}\x07"


def _field(text: str) -> str:
    # one_line drops escapes and control characters (BEL and ESC end an OSC sequence).
    return one_line(text, limit=200)


# --- the command ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandOutcome:
    """How the batch-end command went; ``message`` says why when it did not."""

    ok: bool
    message: str = ""


def batch_environment(batch: Batch) -> dict[str, str]:
    """The ``BATCHTUI_*`` variables describing ``batch``."""
    c = batch.counts
    return {
        "BATCHTUI_BATCH_ID": batch.id,
        "BATCHTUI_STATUS": batch.status.value,
        "BATCHTUI_PROVIDER_STATUS": batch.provider_status,
        "BATCHTUI_PROFILE": batch.profile,
        "BATCHTUI_PROVIDER": batch.provider.value,
        "BATCHTUI_LABEL": batch.label or "",
        "BATCHTUI_TOTAL": str(c.total),
        "BATCHTUI_SUCCEEDED": str(c.succeeded),
        "BATCHTUI_ERRORED": str(c.errored),
        "BATCHTUI_CANCELED": str(c.canceled),
        "BATCHTUI_EXPIRED": str(c.expired),
        "BATCHTUI_FAILED": str(c.failed),
        "BATCHTUI_EXIT_CODE": str(outcome_exit_code(batch)),
    }


def command_environment(
    batch: Batch, config: Config, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The inherited environment without any API key, plus the batch's variables."""
    base = os.environ if base is None else base
    key_names = set(STANDARD_KEY_VARIABLES.values())
    key_names |= {p.api_key_env for p in config.profiles.values() if p.api_key_env}
    keys = {base[name] for name in key_names if base.get(name)}
    keys |= {p.api_key for p in config.profiles.values() if p.api_key}
    kept = {
        name: value
        for name, value in base.items()
        if name not in key_names and value not in keys and not name.startswith("BATCHTUI_")
    }
    return kept | batch_environment(batch)


async def run_batch_end_command(
    command: Sequence[str],
    batch: Batch,
    config: Config,
    *,
    base_env: Mapping[str, str] | None = None,
    time_limit: float | None = None,
) -> CommandOutcome:
    """Run ``command`` (its words, no shell) for an ended batch; never raises for its failure."""
    timeout = config.settings.on_batch_end_timeout if time_limit is None else time_limit
    shown = one_line(shlex.join(command), limit=80)
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=command_environment(batch, config, base_env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # not killed by the terminal's Ctrl+C meant for batchtui
        )
    except OSError as exc:
        return CommandOutcome(False, f"{shown}: cannot run it: {exc.strerror or exc}")
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        _kill(process)
        await process.wait()
        return CommandOutcome(False, f"{shown}: stopped after {timeout:g} s")
    if process.returncode != 0:
        said = one_line(output.decode(errors="replace")[-OUTPUT_SHOWN:])
        detail = f": {said}" if said else ""
        return CommandOutcome(False, f"{shown}: exited with status {process.returncode}{detail}")
    return CommandOutcome(True)


def _kill(process: asyncio.subprocess.Process) -> None:
    """Stop the command and whatever it started (it leads a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, 9)
        else:
            process.kill()
