"""A Footer that rebuilds its keys only when the keys it would show have changed.

Textual's :class:`~textual.widgets.Footer` recomposes (removes and mounts a dozen key widgets)
after every ``refresh_bindings``, and a screen publishes one for each focus change, screen stack
change and action-availability change: the main screen's start-up alone asked for six, 15-30 ms
each, all after the first frame. This one coalesces the requests made before the next refresh
into one, and skips it when the active bindings (key, description, enabled, tooltip) are the
ones already on show.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """The standard footer, styled as such (CSS type ``Footer``), with fewer recomposes."""

    def __init__(self, *, compact: bool = False, id: str | None = None) -> None:
        super().__init__(compact=compact, id=id)
        self._pending = False
        self._shown: tuple | None = None
        # Compose the keys with the screen, not after its first frame: the screen's bindings
        # are known by then, and the focus moving to a widget whose keys are all hidden (the
        # batch list) changes nothing shown.
        self.set_reactive(Footer._bindings_ready, True)

    def compose(self) -> ComposeResult:
        self._shown = self._signature()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        shown = self._signature()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()

    def _signature(self) -> tuple:
        """What :meth:`Footer.compose` shows of the screen's bindings."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (binding, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show or binding.key == palette
        )
