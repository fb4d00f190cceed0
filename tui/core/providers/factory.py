"""Build the provider of a profile: its key resolved, its SDK client pointed at its base URL."""

from __future__ import annotations

from collections.abc import Mapping

from tui.core.calllog import CallLog
from tui.core.config import Profile
from tui.core.models import ProviderKind
from tui.core.providers.base import Provider


def make_provider(
    profile: Profile, env: Mapping[str, str] | None = None, *, call_log: CallLog | None = None
) -> Provider:
    """The provider for ``profile``; raises :class:`~tui.core.errors.ConfigError` without a key.

    With a ``call_log``, every HTTP call its SDK client makes is recorded there.
    """
    key = profile.resolve_key(env)
    if profile.provider == ProviderKind.ANTHROPIC:
        from tui.core.providers.anthropic import AnthropicProvider

        return AnthropicProvider(profile, key, call_log=call_log)
    from tui.core.providers.openai import OpenAIProvider

    return OpenAIProvider(profile, key, call_log=call_log)
