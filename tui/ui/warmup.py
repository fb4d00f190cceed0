"""The requests inspector's code and styles, loaded after the first paint, not on Enter.

The first Enter on a batch in a process used to import the inspector's modules (its screen,
widgets, the export and cost modules: 100-270 ms on the shared 2-core machine) and then add and
parse the default CSS of every widget class it mounts, all between the key press and the first
rows. :func:`warm_inspector` does both once the batch list is on screen: the imports in a
thread (the event loop keeps drawing and answering keys), the styles on the loop (a few ms).
Nothing is mounted and nothing changes on screen: an Enter typed before it is done simply does
the rest itself, as before.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.widget import Widget


async def warm_inspector(app: App[Any]) -> None:
    """Import the inspector and register its widgets' default CSS with ``app``'s stylesheet."""
    classes = await asyncio.to_thread(inspector_widgets)
    add_default_css(app, classes)


def inspector_widgets() -> tuple[type[Widget], ...]:
    """Every widget class the requests inspector mounts (importing them: call it in a thread).
    One missing here is only added on the first open, as without the warm-up."""
    from textual.containers import Horizontal, Vertical
    from textual.widgets import Input, Label, ProgressBar, Select, Static

    from tui.ui.screens.requests import RequestsScreen
    from tui.ui.widgets.error_groups import ErrorGroupsPanel
    from tui.ui.widgets.key_footer import KeyFooter
    from tui.ui.widgets.result_filters import ResultFilters
    from tui.ui.widgets.results_view import ResultsView
    from tui.ui.widgets.tab_strip import TabStrip

    return (
        RequestsScreen,
        Static,
        ResultFilters,
        TabStrip,
        Vertical,
        Input,
        Select,
        *_parts_of(Select, "SelectCurrent", "SelectOverlay"),
        Label,
        Horizontal,
        ProgressBar,
        *_parts_of(ProgressBar, "Bar", "PercentageStatus", "ETAStatus"),
        ResultsView,
        ErrorGroupsPanel,
        KeyFooter,
    )


def _parts_of(widget: type[Widget], *names: str) -> tuple[type[Widget], ...]:
    """The helper widget classes a composite Textual widget mounts (defined beside it); those
    a Textual version does not have are left out."""
    module = vars(sys.modules[widget.__module__])
    return tuple(module[name] for name in names if isinstance(module.get(name), type))


def add_default_css(app: App[Any], classes: tuple[type[DOMNode], ...]) -> None:
    """What mounting a first instance of each class would add to the stylesheet, added now
    and parsed, so that the first mount finds it there (Textual skips a source it has)."""
    stylesheet = app.stylesheet
    for cls in classes:
        for read_from, css, tie_breaker, scope in _default_css(cls):
            stylesheet.add_source(
                css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker, scope=scope
            )
    stylesheet.rules  # noqa: B018  (parsed here, off the key press)


def _default_css(cls: type[DOMNode]) -> list[tuple[tuple[str, str], str, int, str]]:
    """``cls``'s own and inherited DEFAULT_CSS, as Textual gathers it for an instance.

    ``DOMNode._get_default_css`` reads only ``self._node_bases`` (the class's CSS bases), so
    it is called on a stand-in rather than on an instance of a widget that needs arguments."""

    class StandIn:
        _node_bases = DOMNode._css_bases(cls)

    return DOMNode._get_default_css(StandIn())  # type: ignore[arg-type]
