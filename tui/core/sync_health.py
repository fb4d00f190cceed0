"""Each profile's health during a sync: what the last contact said, and when to ask again.

A profile-wide error (offline, key refused, rate limited, server error) turns into a
:class:`ProfileStatus`; per-batch errors (not found, refused) say nothing about the profile.
A 429 also sets the moment before which the profile is not asked again (the provider's
retry-after, else one poll interval), and the status says how long that is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from tui.core.config import Settings
from tui.core.errors import ProviderError
from tui.core.events import ProfileHealth, ProfileStatus, ProfileStatusChanged, SyncEvent

HEALTH_BY_KIND = {
    "offline": ProfileHealth.OFFLINE,
    "unauthorized": ProfileHealth.UNAUTHORIZED,
    "rate_limited": ProfileHealth.RATE_LIMITED,
    "server_error": ProfileHealth.SERVER_ERROR,
}
"""Errors that say something about the profile, not about one batch."""

Emit = Callable[[SyncEvent], None]


class HealthBook:
    """The statuses of every profile of a sync engine; changes are emitted as events."""

    def __init__(
        self, profiles: Iterable[str], settings: Settings, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.statuses: dict[str, ProfileStatus] = {
            name: ProfileStatus(name, ProfileHealth.UNKNOWN) for name in profiles
        }
        self.resume_at: dict[str, datetime] = {}
        """Rate-limited profiles: no call before this moment."""

    def ok(self, profile: str, emit: Emit) -> None:
        self.resume_at.pop(profile, None)
        status = ProfileStatus(profile, ProfileHealth.OK, last_ok=self.clock())
        self.set(status, emit)

    def failure(self, profile: str, exc: ProviderError, emit: Emit) -> None:
        health = HEALTH_BY_KIND.get(exc.kind)
        if health is None:
            return  # about one batch (not found, refused): the profile itself is fine
        message = str(exc)
        resume_at = None
        if health is ProfileHealth.RATE_LIMITED:
            wait = exc.retry_after if exc.retry_after is not None else self.settings.poll_interval
            resume_at = self.clock() + timedelta(seconds=wait)
            self.resume_at[profile] = resume_at
            message = rate_limited_message(profile, wait)
        previous = self.statuses.get(profile)
        status = ProfileStatus(
            profile,
            health,
            message=message,
            last_ok=previous.last_ok if previous else None,
            retry_after=exc.retry_after,
            resume_at=resume_at,
        )
        self.set(status, emit)

    def still_rate_limited(self, profile: str, emit: Emit) -> bool:
        """Whether the provider's retry-after has not passed yet (then nothing is sent)."""
        wait = self.wait_left(profile)
        if wait <= 0:
            return False
        previous = self.statuses[profile]
        status = dataclasses.replace(
            previous,
            health=ProfileHealth.RATE_LIMITED,
            message=rate_limited_message(profile, wait),
            retry_after=wait,
            resume_at=self.resume_at[profile],
        )
        self.set(status, emit)
        return True

    def busy(self, profile: str, doing: str, emit: Emit) -> None:
        previous = self.statuses.get(profile)
        status = ProfileStatus(
            profile,
            ProfileHealth.BUSY,
            message=f"profile {profile!r}: another batchtui process is syncing it; {doing}",
            last_ok=previous.last_ok if previous else None,
        )
        self.set(status, emit)

    def wait_left(self, profile: str) -> float:
        """Seconds before a rate-limited profile may be asked again (0 or less: now)."""
        moment = self.resume_at.get(profile)
        return 0.0 if moment is None else (moment - self.clock()).total_seconds()

    def set(self, status: ProfileStatus, emit: Emit) -> None:
        previous = self.statuses.get(status.profile)
        self.statuses[status.profile] = status
        if previous is None or (previous.health, previous.message) != (
            status.health,
            status.message,
        ):
            emit(ProfileStatusChanged(status))


def rate_limited_message(profile: str, seconds: float) -> str:
    return f"profile {profile!r}: rate-limited, waiting {max(1, round(seconds))} s"
