"""Untrusted text (model output, error messages, custom ids) made safe to put on screen.

A model can be made to write anything, including terminal escape sequences (OSC 52 writes the
user's clipboard, OSC 8 plants links, CSI moves the cursor) and strings that look like Rich or
Textual markup. Everything the providers return therefore goes through :func:`sanitize` (from
:mod:`tui.core.text`, shared with the commands), which removes control sequences and
characters, and reaches the screen as a :class:`rich.text.Text` built from the plain string, so
square brackets are never parsed as markup.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from tui.core.text import one_line, sanitize

__all__ = ["one_line", "sanitize", "untrusted_text"]


def untrusted_text(text: str | None, style: str | Style = "") -> Text:
    """A :class:`Text` showing ``text`` literally: sanitised, and never parsed as markup."""
    return Text(sanitize(text), style=style)
