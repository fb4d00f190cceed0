"""The batch list widget on its own: what a DataTable used to give for free, and what it did not.

A small App hosts one :class:`BatchTable` styled by the real stylesheet, filled with synthetic
batches (ids ``b00000``..., newest first), so keys, clicks, scrolling and the render cost can be
checked row by row without the simulator.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

import tui.ui.widgets.batch_table as batch_table
from tui.core.models import Batch, BatchStatus, ProviderKind, RequestCounts
from tui.ui.batch_view import SORTS_BY_KEY
from tui.ui.widgets.batch_table import BatchTable

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
STYLESHEET = Path(batch_table.__file__).parents[1] / "app.tcss"
STATUSES = list(BatchStatus)


def make_batch(n: int, **changes) -> Batch:
    """Batch ``n``: created ``n`` minutes before NOW, so the default sort shows b00000 first."""
    batch = Batch(
        id=f"b{n:05d}",
        profile="work",
        provider=ProviderKind.ANTHROPIC,
        status=STATUSES[n % len(STATUSES)],
        provider_status="x",
        counts=RequestCounts(processing=10, succeeded=n % 10),
        created_at=NOW - timedelta(minutes=n),
        models=("claude-haiku-4-5",),
        label=f"job {n}",
    )
    return replace(batch, **changes) if changes else batch


class TableApp(App[None]):
    CSS_PATH = STYLESHEET

    def __init__(self, count: int) -> None:
        super().__init__()
        self.initial = [make_batch(n) for n in range(count)]
        self.highlighted: list[str | None] = []
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield BatchTable(id="batches")

    def on_mount(self) -> None:
        self.table.replace(self.initial, NOW)

    @property
    def table(self) -> BatchTable:
        return self.query_one(BatchTable)

    def on_batch_table_highlighted(self, message: BatchTable.Highlighted) -> None:
        self.highlighted.append(message.batch_id)

    def on_batch_table_chosen(self, message: BatchTable.Chosen) -> None:
        self.chosen.append(message.batch_id)


def visible_ids(table: BatchTable) -> list[str]:
    top = int(table.scroll_offset.y)
    return table.shown_ids[top : top + table.scrollable_content_region.height - 1]


def screen_text(table: BatchTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_header_and_rows_are_drawn_from_the_top() -> None:
    app = TableApp(50)
    async with app.run_test(size=(100, 12)) as pilot:
        await pilot.pause()
        lines = screen_text(app.table)
        assert lines[0].split()[:3] == ["Status", "ID", "Label"]
        assert "b00000" in lines[1]
        assert "job 0" in lines[1]
        assert "b00001" in lines[2]
        assert app.highlighted == ["b00000"]
        assert app.table.selected.id == "b00000"


async def test_keyboard_moves_and_pages() -> None:
    app = TableApp(200)
    async with app.run_test(size=(100, 22)) as pilot:
        await pilot.pause()
        table = app.table
        page = table.scrollable_content_region.height - 1  # rows under the header
        await pilot.press("down", "down", "up")
        assert table.selected.id == "b00001"
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + page
        assert int(table.scroll_offset.y) == page  # the cursor keeps its place on screen
        await pilot.press("pageup")
        assert (table.cursor_row, int(table.scroll_offset.y)) == (1, 0)
        await pilot.press("pageup")  # already on the first page: the cursor goes to the top
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.selected.id == "b00199"
        assert visible_ids(table)[-1] == "b00199"
        await pilot.press("pagedown")  # nothing below: stays
        assert table.cursor_row == 199
        await pilot.press("home")
        assert (table.cursor_row, int(table.scroll_offset.y)) == (0, 0)
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == ["b00000"]
        assert app.highlighted[-1] == "b00000"


async def test_a_click_selects_and_a_second_click_opens() -> None:
    app = TableApp(30)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        await pilot.click(BatchTable, offset=(20, 3))  # line 3: the third row
        await pilot.pause()
        assert app.table.selected.id == "b00002"
        assert app.highlighted == ["b00000", "b00002"]
        assert app.chosen == []
        await pilot.click(BatchTable, offset=(20, 3))
        await pilot.pause()
        assert app.chosen == ["b00002"]
        await pilot.click(BatchTable, offset=(20, 0))  # the header selects nothing
        await pilot.pause()
        assert app.table.selected.id == "b00002"


async def test_ten_thousand_batches_cost_one_screenful(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[BatchStatus] = []
    original = batch_table.status_text

    def counting(status: BatchStatus):
        drawn.append(status)
        return original(status)

    monkeypatch.setattr(batch_table, "status_text", counting)
    app = TableApp(10_000)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.table
        assert table.row_count == 10_000
        assert table.virtual_size.height == 10_001
        assert 0 < len(drawn) <= 39  # the rows on screen, each once
        drawn.clear()
        await pilot.press("end")
        await pilot.pause()
        assert "b09999" in screen_text(table)[-1]
        assert 0 < len(drawn) <= 39
        drawn.clear()
        table.refresh()
        await pilot.pause()
        assert drawn == []  # a repaint with nothing changed reuses the cached cells


async def test_cursor_stays_on_its_batch_across_a_sort_and_new_batches() -> None:
    app = TableApp(300)
    async with app.run_test(size=(100, 22)) as pilot:
        await pilot.pause()
        table = app.table
        table.select("b00150")
        await pilot.pause()
        table.configure(sort=(SORTS_BY_KEY["status"], False))
        await pilot.pause()
        assert table.selected.id == "b00150"
        assert "b00150" in visible_ids(table)  # scrolled to follow it
        newer = [make_batch(n) for n in range(-5, 0)]
        table.upsert(newer, NOW)
        await pilot.pause()
        assert table.selected.id == "b00150"
        assert table.row_count == 305
        assert app.highlighted.count("b00150") == 1  # no Highlighted for the same batch


async def test_polling_neither_moves_the_cursor_nor_scrolls() -> None:
    app = TableApp(300)
    async with app.run_test(size=(100, 22)) as pilot:
        await pilot.pause()
        table = app.table
        await pilot.press("pagedown", "pagedown", "down")
        scroll, row, batch_id = table.scroll_offset, table.cursor_row, table.selected.id
        changed = [
            make_batch(n, counts=RequestCounts(succeeded=10)) for n in (row - 1, row, row + 1)
        ]
        table.upsert(changed, NOW + timedelta(seconds=30))
        table.tick(NOW + timedelta(minutes=1))
        await pilot.pause()
        assert (table.scroll_offset, table.cursor_row) == (scroll, row)
        assert table.selected.id == batch_id
        assert table.cell(batch_id, "progress").plain == "10/10"
        assert any("10/10" in line for line in screen_text(table))


async def test_a_batch_that_leaves_the_list_moves_the_cursor_to_its_neighbour() -> None:
    app = TableApp(10)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        table = app.table
        table.select("b00009")
        table.forget("b00009")
        await pilot.pause()
        assert table.selected.id == "b00008"
        table.replace([], NOW)
        await pilot.pause()
        assert table.selected is None
        assert app.highlighted[-1] is None
        lines = screen_text(table)
        assert lines[1].strip() == "No batches yet. To start:"  # no rows left: the hint
        assert not any("b000" in line for line in lines)


async def test_labels_are_text_never_markup_nor_escapes() -> None:
    app = TableApp(3)
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        table = app.table
        hostile = make_batch(0, label="[red]x[/red]\x1b[2Jok", models=("[b]m[/b]",))
        table.upsert([hostile], NOW)
        await pilot.pause()
        line = screen_text(table)[1]
        assert "[red]x[/red]ok" in line
        assert "[b]m[/b]" in line
        assert "\x1b" not in line


async def test_a_dated_snapshot_id_counts_as_its_model() -> None:
    """The APIs answer with dated ids: alias + dated id is one model (no "+1"), shown whole."""
    app = TableApp(3)
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        table = app.table
        both = make_batch(0, models=("gpt-4o-mini", "gpt-4o-mini-2024-07-18"))
        dated = make_batch(1, models=("claude-haiku-4-5-20251001",))
        two = make_batch(2, models=("claude-haiku-4-5-20251001", "claude-sonnet-4-5"))
        table.upsert([both, dated, two], NOW)
        await pilot.pause()
        lines = screen_text(table)
        assert "gpt-4o-mini " in lines[1]
        assert "+1" not in lines[1]
        assert "2024-07-18" not in lines[1]
        assert "claude-haiku-4-5 " in lines[2]
        assert "2025" not in lines[2]
        assert "claude-haiku-4-5" in lines[3]
        assert "2025" not in lines[3]
        assert batch_table.models_text(two.models) == "claude-haiku-4-5 +1"
