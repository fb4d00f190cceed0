"""The error groups panel keeps its highlight only where the user put it.

While a batch downloads, the groups are recounted and reordered. Unfocused, the panel starts
again from the top, so Tab, Down, Enter always picks the second group; focused, the highlight
follows the group the user is on.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from tui.core.models import ResultType
from tui.core.store.results import ErrorGroup
from tui.ui.widgets.error_groups import ErrorGroupsPanel


def group(key: str, count: int) -> ErrorGroup:
    return ErrorGroup(key, ResultType.ERRORED, key, f"{key} happened", count)


class PanelApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="elsewhere")
        yield ErrorGroupsPanel(id="groups")


async def test_unfocused_the_highlight_goes_back_to_the_top_when_groups_are_recounted() -> None:
    app = PanelApp()
    async with app.run_test() as pilot:
        panel = app.query_one(ErrorGroupsPanel)
        panel.show([group("overloaded", 5), group("api_error", 3)])
        assert panel.highlighted_group is not None
        assert panel.highlighted_group.key == "overloaded"
        panel.show([group("api_error", 101), group("overloaded", 93)])  # recounted, reordered
        assert panel.highlighted == 0
        await pilot.press("tab", "down", "enter")  # from the input: the second group
        assert panel.highlighted_group is not None
        assert panel.highlighted_group.key == "overloaded"


async def test_focused_the_highlight_stays_on_the_same_group() -> None:
    app = PanelApp()
    async with app.run_test() as pilot:
        panel = app.query_one(ErrorGroupsPanel)
        panel.show([group("overloaded", 5), group("api_error", 3)])
        panel.focus()
        await pilot.pause()
        panel.show([group("api_error", 101), group("overloaded", 93)])
        assert panel.highlighted_group is not None
        assert panel.highlighted_group.key == "overloaded"
