"""The footer: the screen's keys on one line, drawn by one widget.

Textual's :class:`~textual.widgets.Footer` mounts a widget per key (ten on the main screen) and
removes and remounts them all whenever the bindings change. At start-up those widgets cost
about a sixth of the time from ``App.run`` to the first frame (``tests/bench/bench_startup.py``).
This footer shows the same keys, in the theme's footer colours, as one line of text: a bindings
change only redraws that line. Clicking a key presses it (a disabled one rings the bell), and
hovering one shows its tooltip. The command palette's key sits at the right end.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True)
class FooterKey:
    """One key as the footer shows it."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str


class KeyFooter(Widget, can_focus=False):
    """The active screen's shown bindings, then the command palette's key at the right end."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--separator",
    }

    def __init__(self, *, compact: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.compact = compact
        """Compact: no padding around the key, one space between keys (fits 80 columns)."""
        self._hovered: str | None = None
        """Action of the key under the mouse pointer."""
        self._spans: list[tuple[int, int, FooterKey]] = []
        """Cell ranges of the keys as last drawn, for the mouse."""

    @property
    def keys(self) -> list[FooterKey]:
        """The keys on show, left to right, the command palette's last."""
        keys, palette = self._read_keys()
        return [*keys, palette] if palette else keys

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        # A refresh only marks the line dirty: many changes before the next frame draw it once.
        self.refresh()

    def _read_keys(self) -> tuple[list[FooterKey], FooterKey | None]:
        """Like Textual's Footer: the first shown binding of each action, then the palette's."""
        app = self.app
        active = self.screen.active_bindings
        keys: dict[str, FooterKey] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in keys:
                display = app.get_key_display(binding)
                keys[binding.action] = FooterKey(
                    binding.key, display, binding.description, binding.action, enabled, tooltip
                )
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _ = active[app.COMMAND_PALETTE_BINDING]
            palette = FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                binding.tooltip or binding.description,
            )
        if palette is not None:
            keys.pop(palette.action, None)
        return list(keys.values()), palette

    def render(self) -> Text:
        keys, palette = self._read_keys()
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, FooterKey]] = []
        right = Text()
        if palette is not None:
            right = Text("▏", style=self.get_component_rich_style("key-footer--separator"))
            right.append_text(self._key_text(palette))
            right.append(" ")
        # Docked right, as in Textual's Footer. In a narrow terminal the keys that do not fit
        # whole give way (never "q Qui"): the last ones, which matter least.
        room = max(0, self.size.width - right.cell_len)
        for key in keys:
            text = self._key_text(key)
            if line.cell_len + text.cell_len > room:
                break
            start = line.cell_len
            line.append_text(text)
            spans.append((start, line.cell_len, key))
            if self.compact:
                line.append(" ")
        if palette is not None:
            line.truncate(room, pad=True)
            line.append_text(right)
            spans.append((room + 1, room + right.cell_len - 1, palette))
        self._spans = spans
        return line

    def _key_text(self, key: FooterKey) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        if self.compact:
            text = Text.assemble(
                (key.display, key_style), (f" {key.description}", description_style)
            )
        else:
            text = Text.assemble(
                (f" {key.display} ", key_style), (f"{key.description} ", description_style)
            )
        if not key.enabled:
            text.stylize(Style(dim=True))
        if key.action == self._hovered:
            text.stylize(self.get_component_rich_style("key-footer--hover"))
        return text

    def key_at(self, x: int) -> FooterKey | None:
        """The key drawn at column ``x``, if any."""
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self.key_at(event.x)
        action = key.action if key else None
        if action != self._hovered:
            self._hovered = action
            self.tooltip = (key.tooltip or None) if key else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
