"""Events the sync engine emits, for the TUI (as messages) and the CLI (as printed lines).

They are plain dataclasses so the core stays headless; the App wraps each in a Textual message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from tui.core.models import Batch


class ProfileHealth(enum.StrEnum):
    """What the last contact with a profile's API said."""

    UNKNOWN = "unknown"
    OK = "ok"
    OFFLINE = "offline"
    UNAUTHORIZED = "unauthorized"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    MISCONFIGURED = "misconfigured"
    BUSY = "busy"
    """Another batchtui process is syncing this profile right now; this one stood back."""


@dataclass(frozen=True)
class ProfileStatus:
    """The health of one profile, shown in the status bar."""

    profile: str
    health: ProfileHealth
    message: str = ""
    last_ok: datetime | None = None
    """When every call of this profile's last successful round succeeded."""
    retry_after: float | None = None
    resume_at: datetime | None = None
    """Rate-limited: no call to this profile before this moment (the provider's retry-after)."""


@dataclass(frozen=True)
class BatchChanged:
    """A batch was seen for the first time (``previous`` is None) or changed."""

    batch: Batch
    previous: Batch | None

    @property
    def ended(self) -> bool:
        """True when this change is the batch reaching a terminal status."""
        return self.batch.is_terminal and (self.previous is None or not self.previous.is_terminal)


@dataclass(frozen=True)
class ResultsProgress:
    """Results of a batch are being stored: ``stored`` of ``total`` so far."""

    batch_id: str
    stored: int
    total: int
    done: bool = False


@dataclass(frozen=True)
class ProfileStatusChanged:
    status: ProfileStatus


SyncEvent = BatchChanged | ResultsProgress | ProfileStatusChanged
