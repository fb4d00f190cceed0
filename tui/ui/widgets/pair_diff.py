"""The pair under the compare list's cursor: both answers side by side, or a word diff.

Both texts are untrusted model output: they are sanitised and shown as :class:`rich.text.Text`
built from plain strings, never parsed as markup. The diff is :mod:`difflib`'s, word by word:
words only A has are struck through (red), words only B has are underlined (green), so it reads
without colour too (NO_COLOR).
"""

from __future__ import annotations

import difflib
import re

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.compare import ComparedPair
from tui.core.models import RequestResult, ResultType
from tui.ui.widgets.result_cells import OUTCOME_GLYPHS, reason_of
from tui.ui.widgets.untrusted import one_line, sanitize

MAX_DIFF_WORDS = 4000
"""Words per side diffed; past that (rare in a batch eval) the rest is shown undiffed."""

_TOKENS = re.compile(r"\S+|\s+")


def side_text(result: RequestResult | None) -> Text:
    """What one side answered: its text, or why it has none."""
    if result is None:
        return Text("(not in this batch)", style="dim")
    if result.type is ResultType.SUCCEEDED:
        return Text(sanitize(result.text) or "(empty answer)")
    message = sanitize(result.error_message) or result.type.value
    return Text(f"{result.type.value}: {message}", style="red")


def side_heading(name: str, result: RequestResult | None) -> Text:
    if result is None:
        return Text(f"{name}  · not in batch", style="bold dim")
    glyph, colour = OUTCOME_GLYPHS[result.type]
    heading = Text(f"{name}  ", style="bold")
    heading.append(glyph, style=colour)
    heading.append(f" {reason_of(result)}  {result.usage.output_tokens:,} out tok")
    heading.append(f"  {len(result.text or ''):,} ch")
    return heading


def word_diff(a: str, b: str) -> Text:
    """B's text against A's, word by word: A-only words struck, B-only words underlined."""
    words_a, words_b = _TOKENS.findall(a), _TOKENS.findall(b)
    rest_b = words_b[MAX_DIFF_WORDS:]
    words_a, words_b = words_a[:MAX_DIFF_WORDS], words_b[:MAX_DIFF_WORDS]
    text = Text()
    matcher = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            text.append("".join(words_a[a0:a1]))
            continue
        if op in ("delete", "replace"):
            text.append("".join(words_a[a0:a1]), style="strike red")
        if op in ("insert", "replace"):
            text.append("".join(words_b[b0:b1]), style="underline green")
    if rest_b:
        text.append("".join(rest_b), style="dim")
    return text


class PairDiff(VerticalScroll, can_focus=True):
    """Both sides of one pair; ``diff`` switches between side by side and the word diff."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.pair: ComparedPair | None = None
        self.diff = False
        self.shown: RenderableType = Text("")
        """What the pane shows now (a Text or a two-column grid)."""

    def compose(self) -> ComposeResult:
        yield Static(id="pair-body")

    def show(self, pair: ComparedPair | None) -> None:
        self.pair = pair
        self._draw()

    def toggle_diff(self) -> None:
        self.diff = not self.diff
        self._draw()

    def _draw(self) -> None:
        body = self.query_one("#pair-body", Static)
        pair = self.pair
        mode = "word diff A → B" if self.diff else "side by side"
        if pair is None:
            self.border_title = "No request under the cursor"
            self.shown = Text("")
            body.update(self.shown)
            return
        self.border_title = f"{one_line(pair.custom_id, 60)} · {mode}"
        self.scroll_home(animate=False)
        if self.diff:
            heading = side_heading("A", pair.a)
            heading.append("   →   ")
            heading.append_text(side_heading("B", pair.b))
            text_a = sanitize(pair.a.text) if pair.a else ""
            text_b = sanitize(pair.b.text) if pair.b else ""
            self.shown = Text("\n").join([heading, word_diff(text_a, text_b)])
            body.update(self.shown)
            return
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1)
        grid.add_column(width=1, style="dim")
        grid.add_column(ratio=1)
        grid.add_row(side_heading("A", pair.a), "│", side_heading("B", pair.b))
        grid.add_row(side_text(pair.a), "│", side_text(pair.b))
        self.shown = grid
        body.update(grid)
