"""Every symbol batchtui draws, in Unicode or in plain ASCII, and how failures stand out.

Screens and widgets write the Unicode symbol through :func:`glyph`; with ASCII glyphs on (the
``glyphs`` setting, or ``auto`` on a terminal that cannot draw them: ``TERM=linux``, a locale
that is not UTF-8) it becomes its ASCII stand-in. Every stand-in is one cell wide, like the
symbol it replaces, so columns line up either way.

Without colour (``NO_COLOR``), red would turn into the dimmest grey on screen; failures are drawn
bold and reversed instead (:func:`failure_style`), beside their glyph and word.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

ASCII: dict[str, str] = {
    "◌": ".",  # validating
    "◐": ">",  # running
    "◑": ">",  # finalizing
    "◍": "~",  # canceling
    "✓": "+",  # ended, succeeded
    "⊘": "/",  # canceled
    "⧗": "!",  # expired
    "◔": "!",  # an expired request
    "✗": "x",  # failed, errored
    "◉": "*",  # marked
    "━": "=",  # bars and the tab underline
    "─": "-",
    "▔": "-",
    "▲": "^",
    "▼": "v",
    "●": "*",
    "○": "o",
    "·": "|",
    "…": "~",
}
"""Stand-ins for the terminals that cannot draw the Unicode symbols."""

MODES = ("auto", "unicode", "ascii")

_ascii = False
_no_color = False

FAILURE_COLOUR = "bold red"
FAILURE_NO_COLOR = "bold reverse"


def ascii_wanted(mode: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether ``mode`` (a ``glyphs`` setting) means ASCII in this environment."""
    if mode != "auto":
        return mode == "ascii"
    env = os.environ if env is None else env
    if env.get("TERM") == "linux":  # the Linux console's font has few of these symbols
        return True
    locale = env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or ""
    # "en_US.ISO-8859-1" and "de_DE" (no encoding: Latin-1) cannot; an unset locale, C and
    # POSIX are left alone (Python and most terminals run those in UTF-8 today).
    encoding = locale.partition(".")[2].partition("@")[0].lower().replace("-", "")
    return bool(locale) and locale not in ("C", "POSIX") and encoding != "utf8"


def use(mode: str, env: Mapping[str, str] | None = None, *, no_color: bool = False) -> None:
    """Pick Unicode or ASCII, colour or not, for the rest of the run (the App, once at start)."""
    global _ascii, _no_color
    _ascii = ascii_wanted(mode, env)
    _no_color = no_color


def failure_style() -> str:
    """How a failure (errored, expired, failed) is emphasised: red, or without colour bold
    and reversed, so it is never the faintest text on screen."""
    return FAILURE_NO_COLOR if _no_color else FAILURE_COLOUR


def is_ascii() -> bool:
    return _ascii


def glyph(symbol: str) -> str:
    """``symbol`` as this terminal draws it (every character of it, for short runs)."""
    if not _ascii:
        return symbol
    return "".join(ASCII.get(char, char) for char in symbol)
