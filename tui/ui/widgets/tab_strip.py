"""A row of tabs over an underline, drawn by one widget.

Textual's :class:`~textual.widgets.Tabs` is nine widgets for four tabs (containers, a widget per
tab, the underline), each styled and laid out at start-up: they cost about a tenth of the time
from ``App.run`` to the main screen's first frame (``tests/bench/bench_startup.py``). This strip
looks the same, in the same theme colours, and is one widget: labels change with a redraw, not
a relayout. It never takes the focus; keys and clicks choose a tab.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from tui.display.glyphs import glyph


class TabStrip(Widget, can_focus=False):
    """Tabs (id and label) in a row, one of them active; posts :class:`Changed` on a change."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "tab-strip--tab",
        "tab-strip--active",
        "tab-strip--hover",
        "tab-strip--underline",
        "tab-strip--highlight",
    }

    class Changed(Message):
        """Another tab became the active one, by a click or by setting :attr:`active`."""

        def __init__(self, strip: TabStrip, tab: str) -> None:
            super().__init__()
            self.strip = strip
            self.tab = tab

        @property
        def control(self) -> TabStrip:
            return self.strip

    def __init__(self, tabs: Iterable[tuple[str, str]], *, active: str, id: str | None = None):
        super().__init__(id=id)
        self._labels: dict[str, str] = dict(tabs)
        if active not in self._labels:
            raise ValueError(f"no tab {active!r} among {list(self._labels)}")
        self._active = active
        self._hovered: str | None = None
        self._spans: list[tuple[int, int, str]] = []
        """Cell ranges of the tabs as last drawn, for the mouse."""

    @property
    def active(self) -> str:
        return self._active

    @active.setter
    def active(self, tab: str) -> None:
        if tab not in self._labels:
            raise ValueError(f"no tab {tab!r} among {list(self._labels)}")
        if tab != self._active:
            self._active = tab
            self.refresh()
            self.post_message(self.Changed(self, tab))

    def label(self, tab: str) -> str:
        return self._labels[tab]

    def set_label(self, tab: str, label: str) -> None:
        if self._labels[tab] != label:
            self._labels[tab] = label
            self.refresh()

    def render(self) -> Text:
        tabs = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []
        for tab, label in self._labels.items():
            style = self.get_component_rich_style("tab-strip--tab")
            if tab == self._active:
                style += self.get_component_rich_style("tab-strip--active")
            elif tab == self._hovered:
                style += self.get_component_rich_style("tab-strip--hover")
            start = tabs.cell_len
            tabs.append(f" {label} ", style)
            spans.append((start, tabs.cell_len, tab))
        self._spans = spans
        return Text("\n").join([tabs, self._underline(spans)])

    def _underline(self, spans: list[tuple[int, int, str]]) -> Text:
        """A bar across the strip, lit under the active tab (Textual's Underline)."""
        width = max(self.size.width, spans[-1][1] if spans else 0)
        start, end = next(((s, e) for s, e, tab in spans if tab == self._active), (0, 0))
        underline = self.get_component_rich_style("tab-strip--underline")
        highlight = underline + self.get_component_rich_style("tab-strip--highlight")
        bar = glyph("━")
        return Text.assemble(
            (bar * start, underline),
            (bar * (end - start), highlight),
            (bar * (width - end), underline),
        )

    def tab_at(self, x: int) -> str | None:
        """The tab drawn at column ``x``, if any."""
        return next((tab for start, end, tab in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        tab = self.tab_at(event.x) if event.y == 0 else None
        if tab != self._hovered:
            self._hovered = tab
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        tab = self.tab_at(event.x)
        if tab is not None:
            self.active = tab
