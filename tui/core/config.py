"""The configuration file: profiles, settings and price overrides.

The file is TOML, read with :mod:`tomllib` and written with :mod:`tomli_w`::

    [settings]
    poll_interval = 15          # seconds between polls while batches change
    max_poll_interval = 300     # polls back off to this when nothing changes
    theme = "textual-dark"
    notify_terminal = false     # also a desktop notification (OSC 9) when a batch ends
    on_batch_end = "notify-send batchtui"   # a command run when a batch ends (no shell)

    [profiles.work]
    provider = "anthropic"              # or "openai"
    api_key_env = "ANTHROPIC_API_KEY"   # name of the variable holding the key (preferred)
    # api_key = "..."                   # allowed only if the file is private (chmod 600)
    # base_url = "http://127.0.0.1:8765/anthropic"

    [prices."my-finetune"]              # USD per million tokens; overrides the shipped table
    input = 1.0
    output = 4.0

With no file, batchtui makes one profile per provider whose standard key variable is set.
Keys are never stored anywhere else, and :func:`mask_secret` hides them whenever they are shown.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from tui.core.errors import ConfigError
from tui.core.models import ProviderKind

STANDARD_KEY_VARIABLES = {
    ProviderKind.ANTHROPIC: "ANTHROPIC_API_KEY",
    ProviderKind.OPENAI: "OPENAI_API_KEY",
}
"""The variable each SDK reads by default; used when there is no config file."""

PRICE_FIELDS = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")
"""Token classes a price override may set, in USD per million tokens."""

_PROFILE_KEYS = {"provider", "api_key_env", "api_key", "base_url", "label"}
_SETTING_KEYS = {
    "poll_interval",
    "max_poll_interval",
    "theme",
    "bell",
    "notify_terminal",
    "notify_sequence",
    "on_batch_end",
    "on_batch_end_timeout",
    "glyphs",
}
GLYPH_MODES = ("auto", "unicode", "ascii")
NOTIFY_SEQUENCES = ("osc9", "osc777")
"""Terminal notification escapes: OSC 9 (iTerm2, kitty, WezTerm, Windows Terminal, ...) or
OSC 777 (foot, urxvt, VTE terminals, WezTerm)."""
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


@dataclass(frozen=True)
class Profile:
    """One account at one provider."""

    name: str
    provider: ProviderKind
    api_key_env: str | None = None
    api_key: str | None = field(default=None, repr=False)
    """A literal key from the file; ``repr=False`` so it never lands in a log or traceback."""
    base_url: str | None = None

    def resolve_key(self, env: Mapping[str, str] | None = None) -> str:
        """Return the key, or raise a :class:`ConfigError` naming this profile."""
        if self.api_key:
            return self.api_key
        env = os.environ if env is None else env
        variable = self.api_key_env or STANDARD_KEY_VARIABLES[self.provider]
        key = env.get(variable, "")
        if not key:
            raise ConfigError(
                f"profile {self.name!r}: the variable {variable} that should hold its "
                f"{self.provider.value} API key is not set"
            )
        return key


@dataclass(frozen=True)
class Settings:
    """Behaviour settings; every field has a working default."""

    poll_interval: float = 15.0
    """Seconds between polls of active batches while they are changing."""
    max_poll_interval: float = 300.0
    """The longest the poller backs off to when nothing changes."""
    theme: str = "textual-dark"
    """Any Textual theme name."""
    bell: bool = True
    """Ring the terminal bell when a batch ends."""
    notify_terminal: bool = False
    """Also send a terminal notification (OSC 9 or 777) when a batch ends; shown by the
    terminal as a desktop notification, even over SSH."""
    notify_sequence: str = "osc9"
    """Which escape carries it: ``osc9`` or ``osc777``."""
    on_batch_end: tuple[str, ...] = ()
    """A command run when a batch ends, as its words (no shell; the file may give a string,
    split like a shell would, or a list)."""
    on_batch_end_timeout: float = 30.0
    """Seconds the command may run before it is stopped."""
    glyphs: str = "auto"
    """``unicode``, ``ascii``, or ``auto`` (ASCII on ``TERM=linux`` or a non-UTF-8 locale)."""


@dataclass(frozen=True)
class Config:
    """The effective configuration of one run."""

    path: Path
    profiles: dict[str, Profile]
    settings: Settings = field(default_factory=Settings)
    price_overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    from_file: bool = False

    def profile(self, name: str | None) -> list[Profile]:
        """The named profile (all of them for ``None``), or a :class:`ConfigError`."""
        if name is None:
            return list(self.profiles.values())
        if name not in self.profiles:
            known = ", ".join(self.profiles) or "none"
            raise ConfigError(f"no profile named {name!r} (known: {known})")
        return [self.profiles[name]]

    def require_profiles(self) -> list[Profile]:
        """All profiles, or a message that says how to make one."""
        if not self.profiles:
            raise ConfigError(
                "no profiles: set ANTHROPIC_API_KEY or OPENAI_API_KEY, or run "
                f"`batchtui config init` and edit {self.path} "
                "(or try `batchtui demo`, which needs no key)"
            )
        return list(self.profiles.values())


def load_config(
    path: Path, env: Mapping[str, str] | None = None, *, required: bool = False
) -> Config:
    """Read and validate the config file at ``path``; fall back to the environment if absent,
    unless the file is ``required`` (named with ``--config``): then its absence is an error."""
    env = os.environ if env is None else env
    if not path.exists():
        if required:
            raise ConfigError(
                f"{path}: no such config file (named by --config or BATCHTUI_CONFIG); "
                "create it with `batchtui config init`, or leave it out to use the default"
            )
        return Config(path=path, profiles=_profiles_from_environment(env))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_describe_toml_error(path, exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    config = _parse(path, data)
    _check_permissions(config)
    return config


def _describe_toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    # tomllib puts "(at line L, column C)" in its message; Python 3.14 adds attributes too.
    message = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        reason = message[: match.start()].strip()
        return f"{path}:{match[1]}:{match[2]}: invalid TOML: {reason}"
    return f"{path}: invalid TOML: {message}"


def _parse(path: Path, data: dict[str, Any]) -> Config:
    unknown = set(data) - {"profiles", "settings", "prices"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s): {', '.join(sorted(unknown))}")
    profiles = {
        name: _parse_profile(path, name, body)
        for name, body in _table(path, data, "profiles").items()
    }
    return Config(
        path=path,
        profiles=profiles,
        settings=_parse_settings(path, _table(path, data, "settings")),
        price_overrides=_parse_prices(path, _table(path, data, "prices")),
        from_file=True,
    )


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table")
    return value


def _parse_profile(path: Path, name: str, body: Any) -> Profile:
    where = f"{path}: profile {name!r}"
    if not _PROFILE_NAME.match(name):
        raise ConfigError(f"{where}: names may use letters, digits, '.', '_' and '-'")
    if not isinstance(body, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(body) - _PROFILE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    try:
        provider = ProviderKind(body.get("provider", ""))
    except ValueError:
        raise ConfigError(
            f'{where}: provider must be "anthropic" or "openai", not {body.get("provider")!r}'
        ) from None
    for key in ("api_key_env", "api_key", "base_url"):
        if key in body and not isinstance(body[key], str):
            raise ConfigError(f"{where}: {key} must be a string")
    return Profile(
        name=name,
        provider=provider,
        api_key_env=body.get("api_key_env"),
        api_key=body.get("api_key"),
        base_url=body.get("base_url"),
    )


def _parse_settings(path: Path, body: dict[str, Any]) -> Settings:
    unknown = set(body) - _SETTING_KEYS
    if unknown:
        raise ConfigError(f"{path}: [settings] unknown key(s): {', '.join(sorted(unknown))}")
    for key in ("poll_interval", "max_poll_interval"):
        if key in body and (not isinstance(body[key], int | float) or body[key] <= 0):
            raise ConfigError(f"{path}: [settings] {key} must be a positive number of seconds")
    if "theme" in body and not isinstance(body["theme"], str):
        raise ConfigError(f"{path}: [settings] theme must be a string")
    for key in ("bell", "notify_terminal"):
        if key in body and not isinstance(body[key], bool):
            raise ConfigError(f"{path}: [settings] {key} must be true or false")
    values = dict(body)
    if "notify_sequence" in body and body["notify_sequence"] not in NOTIFY_SEQUENCES:
        raise ConfigError(
            f"{path}: [settings] notify_sequence must be one of {', '.join(NOTIFY_SEQUENCES)}"
        )
    if "on_batch_end" in body:
        values["on_batch_end"] = _command_words(path, body["on_batch_end"])
    timeout = body.get("on_batch_end_timeout", 1)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise ConfigError(f"{path}: [settings] on_batch_end_timeout must be a positive number")
    if "glyphs" in body and body["glyphs"] not in GLYPH_MODES:
        raise ConfigError(f"{path}: [settings] glyphs must be one of {', '.join(GLYPH_MODES)}")
    return Settings(**values)


def _command_words(path: Path, command: Any) -> tuple[str, ...]:
    """A command as its words: a string is split as a shell would (but no shell runs it)."""
    where = f"{path}: [settings] on_batch_end"
    if isinstance(command, str):
        try:
            words = shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    elif isinstance(command, list) and all(isinstance(word, str) for word in command):
        words = list(command)
    else:
        raise ConfigError(f"{where} must be a string or a list of strings")
    if command and not words:
        raise ConfigError(f"{where} is empty")
    return tuple(words)


def _parse_prices(path: Path, body: dict[str, Any]) -> dict[str, dict[str, float]]:
    prices: dict[str, dict[str, float]] = {}
    for model, rates in body.items():
        if not isinstance(rates, dict):
            raise ConfigError(f"{path}: [prices.{model!r}] must be a table")
        unknown = set(rates) - set(PRICE_FIELDS)
        if unknown:
            raise ConfigError(
                f"{path}: [prices.{model!r}] unknown key(s): {', '.join(sorted(unknown))} "
                f"(known: {', '.join(PRICE_FIELDS)})"
            )
        for key, value in rates.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{path}: [prices.{model!r}] {key} must be a number ≥ 0")
        prices[model] = {key: float(value) for key, value in rates.items()}
    return prices


def _check_permissions(config: Config) -> None:
    """Refuse a file holding a literal key that others can read."""
    holders = [p.name for p in config.profiles.values() if p.api_key]
    if not holders or os.name != "posix":
        return
    mode = stat.S_IMODE(config.path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{config.path} holds an api_key (profile {holders[0]!r}) but is readable by others "
            f"(mode {mode:04o}); run: chmod 600 {config.path}"
        )


def _profiles_from_environment(env: Mapping[str, str]) -> dict[str, Profile]:
    return {
        kind.value: Profile(name=kind.value, provider=kind, api_key_env=variable)
        for kind, variable in STANDARD_KEY_VARIABLES.items()
        if env.get(variable)
    }


MASK_PREFIX_MIN_LENGTH = 12
"""Below this length a secret's first characters would be a large share of it: none shown."""


def mask_secret(secret: str | None) -> str:
    """Show that a secret is set without showing it: ``sk-…(52 chars)``; a short one (a test
    or a mistake) shows nothing but its length."""
    if not secret:
        return "(not set)"
    if len(secret) < MASK_PREFIX_MIN_LENGTH:
        return f"…({len(secret)} chars)"
    return f"{secret[:3]}…({len(secret)} chars)"


def effective_config_dict(config: Config, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The effective configuration as plain data, with every key masked (for ``config show``)."""
    env = os.environ if env is None else env
    profiles = {}
    for profile in config.profiles.values():
        variable = profile.api_key_env or STANDARD_KEY_VARIABLES[profile.provider]
        entry: dict[str, Any] = {"provider": profile.provider.value}
        if profile.api_key:
            entry["api_key"] = mask_secret(profile.api_key)
        else:
            entry["api_key_env"] = variable
            entry["api_key"] = mask_secret(env.get(variable))
        if profile.base_url:
            entry["base_url"] = profile.base_url
        profiles[profile.name] = entry
    s = config.settings
    result: dict[str, Any] = {
        "settings": {
            "poll_interval": s.poll_interval,
            "max_poll_interval": s.max_poll_interval,
            "theme": s.theme,
            "bell": s.bell,
            "notify_terminal": s.notify_terminal,
            "notify_sequence": s.notify_sequence,
            "on_batch_end": list(s.on_batch_end),
            "on_batch_end_timeout": s.on_batch_end_timeout,
            "glyphs": s.glyphs,
        },
        "profiles": profiles,
    }
    if config.price_overrides:
        result["prices"] = config.price_overrides
    return result


STARTER_CONFIG: dict[str, Any] = {
    "settings": {"poll_interval": 15, "max_poll_interval": 300, "theme": "textual-dark"},
    "profiles": {
        "anthropic": {"provider": "anthropic", "api_key_env": "ANTHROPIC_API_KEY"},
        "openai": {"provider": "openai", "api_key_env": "OPENAI_API_KEY"},
    },
}


def write_starter_config(path: Path) -> None:
    """Write a starter file readable only by its owner; refuse to overwrite one."""
    if path.exists():
        raise ConfigError(f"{path} already exists; edit it, or remove it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = tomli_w.dumps(STARTER_CONFIG)
    # Created 0600 from the first byte, so a key added later is never briefly world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
