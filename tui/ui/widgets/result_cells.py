"""How one request reads in a row: outcome glyphs, reasons, previews, token counts and cells.

Shared by the Line API lists of requests (:mod:`~tui.ui.widgets.results_view`, the comparison's
:mod:`~tui.ui.widgets.compare_view`), the request detail and the error groups. Everything from a
provider or a model goes through :func:`~tui.ui.widgets.untrusted.one_line` first.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tui.core.models import RequestResult, ResultType
from tui.display.glyphs import failure_style, glyph
from tui.ui.widgets.untrusted import one_line

OUTCOME_GLYPHS: dict[ResultType, tuple[str, str]] = {
    ResultType.SUCCEEDED: ("✓", "green"),
    ResultType.ERRORED: ("✗", "bold red"),
    ResultType.EXPIRED: ("◔", "yellow"),
    ResultType.CANCELED: ("⊘", "magenta"),
}
"""One glyph and colour per outcome (narrow characters only: they must fill one cell)."""

MARK_GLYPH = "◉"


def outcome_look(kind: ResultType) -> tuple[str, str]:
    """An outcome's glyph as this terminal draws it, and its style (errors never dim)."""
    symbol, colour = OUTCOME_GLYPHS[kind]
    return glyph(symbol), failure_style() if kind is ResultType.ERRORED else colour


def mark_glyph() -> str:
    """The mark of a marked row, as this terminal draws it."""
    return glyph(MARK_GLYPH)


def compact_number(value: int) -> str:
    """A token count in at most six cells: 950, 12.3k, 1.2M."""
    if value < 10_000:
        return str(value)
    if value < 1_000_000:
        return f"{value / 1000:.1f}k"
    return f"{value / 1_000_000:.1f}M"


def reason_of(result: RequestResult) -> str:
    """The short "why it ended" word: the stop reason, else the error type, else the outcome."""
    if result.type is ResultType.SUCCEEDED:
        return one_line(result.stop_reason, 60)
    error_type = one_line(result.error_type, 60)
    if len(error_type) > 15:  # "invalid_request" says as much in a narrow column
        error_type = error_type.removesuffix("_error")
    return error_type or result.type.value


def preview_of(result: RequestResult) -> str:
    """One line of the answer or, for a failure, of the error message."""
    if result.type is ResultType.SUCCEEDED:
        return one_line(result.text)
    return one_line(result.error_message) or result.type.value


@dataclass(frozen=True)
class Columns:
    """Cell widths of one row layout (0 hides a column)."""

    custom_id: int
    reason: int = 15
    tokens: int = 6
    cache: int = 6
    cost: int = 7

    @classmethod
    def fit(cls, width: int, id_width: int) -> Columns:
        """A layout for ``width`` cells that leaves the preview at least 20 cells."""
        full = cls(custom_id=id_width)
        if width - full.fixed_width >= 20:
            return full
        return cls(custom_id=min(id_width, 20), cache=0, cost=0)

    @property
    def fixed_width(self) -> int:
        """Cells before the preview: mark, glyph, columns and one space after each."""
        widths = (self.custom_id, self.reason, self.tokens, self.tokens, self.cache, self.cost)
        return 4 + sum(w + 1 for w in widths if w)


def cut_cell(text: str, width: int, right: bool = False) -> str:
    if len(text) > width:
        return text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def fit_cell(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells (wide characters count twice), cut with an ellipsis."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    padding = " " * (width - length)
    return padding + text if right else text + padding


def strip_of(cells: list[tuple[str, str | Style | None]], width: int, base: Style) -> Strip:
    """A strip exactly ``width`` cells wide from (text, style) cells; the last is cut to fit."""
    segments, used = [], 0
    for text, style in cells:
        room = width - used
        if room <= 0:
            break
        length = cell_len(text)
        if length > room:
            text, length = set_cell_size(text, room - 1) + "…", room
        if isinstance(style, str):
            style = Style.parse(style)
        segments.append(Segment(text, base + style if style else base))
        used += length
    if used < width:
        segments.append(Segment(" " * (width - used), base))
    return Strip(segments, width)
