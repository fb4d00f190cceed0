"""Untrusted text (model output, error messages, labels, custom ids) made safe for a terminal.

A model can be made to write anything, including terminal escape sequences (OSC 52 writes the
user's clipboard, OSC 8 plants links, CSI moves the cursor, DCS talks to the terminal itself),
and a provider's error message or a batch label is no better. Whatever the TUI or a command
prints from them goes through :func:`sanitize` (or :func:`one_line`) first. Output that must
keep the data (CSV) goes through :func:`escape_controls`, which shows each control character as
a visible escape instead of dropping it. JSON output goes through :func:`json_safe`: the encoder
escapes C0 controls but writes C1 controls and bidi overrides raw, and a terminal obeys them.
"""

from __future__ import annotations

import re

_ESCAPE_SEQUENCES = re.compile(
    r"""
      \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)        # OSC ... BEL / ST (or unterminated)
    | \x1b[P_^X][^\x1b\x9c]*(?:\x1b\\|\x9c|$)             # DCS, APC, PM, SOS ... ST
    | \x1b\[[0-?]*[ -/]*[@-~]?                            # CSI (ANSI colours, cursor moves)
    | \x1b[ -/]*[0-~]?                                    # other two-byte escapes (ESC c, ESC 7)
    | [\x9d\x90\x9f\x9e\x98][^\x07\x1b\x9c]*(?:\x07|\x9c|$)  # 8-bit OSC, DCS, APC, PM, SOS
    | \x9b[0-?]*[ -/]*[@-~]?                              # 8-bit CSI
    """,
    re.VERBOSE,
)
# C0 controls except tab and newline, DEL, C1 controls, and the bidi overrides that can make
# text display in another order than it reads ("trojan source").
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s+")
# What escape_controls makes visible: every control character except tab and newline, plus the
# bidi overrides and isolates.
_UNSAFE_IN_DATA = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same characters as UTF-8 bytes inside a JSON document (C0 controls are already escaped by
# the encoder, and raw ones are not valid JSON anyway). UTF-8 is self-synchronising, so these
# byte sequences cannot match inside another character.
_UNSAFE_IN_JSON = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def sanitize(text: str | None) -> str:
    """``text`` without escape sequences or control characters (tabs and newlines are kept)."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n")
    return _CONTROL_CHARACTERS.sub("", _ESCAPE_SEQUENCES.sub("", text))


def one_line(text: str | None, limit: int = 400) -> str:
    """A sanitised single line of ``text``: whitespace runs (newlines too) become one space.

    Only the first ``limit`` characters are looked at; a list row never shows more.
    """
    if not text:
        return ""
    return _WHITESPACE.sub(" ", sanitize(text[:limit])).strip()


def escape_controls(text: str | None) -> str:
    """``text`` with each control character written as a visible escape (``\\x1b``,
    ``\\u202e``), so nothing is lost and nothing acts on a terminal. Tabs and newlines stay."""
    if not text:
        return text or ""
    return _UNSAFE_IN_DATA.sub(_visible_escape, text)


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def json_safe(document: bytes) -> bytes:
    """A JSON document (UTF-8) with C1 controls, DEL and bidi overrides written as ``\\u``
    escapes: the same JSON value, safe to print on a terminal."""
    return _UNSAFE_IN_JSON.sub(_json_escape, document)


def _json_escape(match: re.Match[bytes]) -> bytes:
    return f"\\u{ord(match[0].decode()):04x}".encode()
