"""What the App is given to work with: the store, the sync engine and the config.

The CLI (or a test) builds these and hands them in; the App never opens a database or a
provider itself. Tests pass ``auto_poll=False`` and drive polls explicitly, and a fixed
``clock`` so that relative times ("3h ago") do not depend on when the test runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tui.core.config import Config
from tui.core.store import Store

if TYPE_CHECKING:
    from tui.core.sync import SyncEngine


def local_now() -> datetime:
    """The wall clock in the viewer's time zone (absolute times are shown in this zone)."""
    return datetime.now().astimezone()


@dataclass
class Services:
    """Everything the TUI talks to."""

    store: Store
    engine: SyncEngine
    config: Config
    read_only: bool = False
    """Hide and refuse every action that changes anything at a provider."""
    auto_poll: bool = True
    """Poll on a timer; tests turn it off and call ``BatchApp.sync_batches()`` themselves."""
    clock: Callable[[], datetime] = field(default=local_now)
    """"Now" for relative times; the demo passes the simulator's clock, tests a fixed one."""
