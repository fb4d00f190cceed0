"""Model output and error text are shown literally: no markup, no terminal escapes get through.

A batch result can contain anything a model was tricked into writing. These results carry Rich
markup, ANSI colours, an OSC 52 clipboard write and an OSC 8 hyperlink; the list, the error
groups panel and every detail tab must show the brackets as text and emit no ESC character.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from requests_support import HostApp, inspected_batch, screen_text, settle
from textual.pilot import Pilot

from tui.core.models import Batch, RequestResult, ResultType, Usage
from tui.core.store import Store
from tui.ui.screens.request_detail import RequestDetailScreen
from tui.ui.widgets.results_view import ResultsView
from tui.ui.widgets.untrusted import one_line, sanitize

HOSTILE = (
    "[bold red]x[/] [link=https://evil.example]click[/link] "
    "\x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07copied \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ end"
)
SHOWN = "[bold red]x[/] [link=https://evil.example]click[/link] red copied link end"


def test_sanitize_strips_sequences_and_keeps_brackets():
    assert sanitize(HOSTILE) == SHOWN
    assert sanitize("a\x9b31mb\x9d0;title\x07c\x1bPdcs\x1b\\d\u202eе") == "abcdе"
    assert one_line("line one\n\tline two\r\n") == "line one line two"
    assert "\x1b" not in sanitize("\x1b]0;unterminated title")


@pytest.fixture
async def hostile_store(tmp_path: Path):
    store = await Store.open(tmp_path / "cache.db")
    batch = inspected_batch(2)
    await store.batches.upsert([batch])
    await store.results.write(
        [
            RequestResult(
                batch.id, "req-0", ResultType.SUCCEEDED, "m", "end_turn", text=HOSTILE,
                usage=Usage(input_tokens=1, output_tokens=1), raw=b'{"text": "\\u001b[31m"}',
            ),
            RequestResult(
                batch.id, "req-1[b]", ResultType.ERRORED, error_type="api_error\x1b[5m",
                error_message=HOSTILE, raw=b"{}",
            ),
        ]
    )  # fmt: skip
    try:
        yield store, batch
    finally:
        await store.close()


def rendered_segments(app: HostApp) -> list[str]:
    return [seg.text for strip in app.screen._compositor.render_strips() for seg in strip]


async def test_list_and_groups_show_hostile_text_literally(hostile_store):
    store, batch = hostile_store
    app = HostApp(batch, store)
    async with app.run_test(size=(200, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]x[/] [link=https://evil.example]click[/link] red copied" in text
        assert "req-1[b]" in text
        assert not any("\x1b" in s or "\x07" in s for s in rendered_segments(app))
        view = app.screen.query_one(ResultsView)
        lines = [view.render_line(y) for y in range(1, 3)]
        assert all("\x1b" not in strip.text for strip in lines)
        assert all(seg.style is None or not seg.style.link for s in lines for seg in s)


@asynccontextmanager
async def detail_of_the_first_request(
    store: Store, batch: Batch
) -> AsyncIterator[tuple[HostApp, Pilot]]:
    """The inspector of ``batch`` with its first request's detail open (enter)."""
    app = HostApp(batch, store)
    async with app.run_test(size=(200, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetailScreen)
        yield app, pilot


@pytest.mark.parametrize("tab", ["1", "2", "4"])
async def test_detail_shows_hostile_text_literally(hostile_store, tab):
    async with detail_of_the_first_request(*hostile_store) as (app, pilot):
        await pilot.press(tab)
        await settle(pilot)
        text = screen_text(app)
        if tab == "1":
            assert SHOWN in text
        if tab == "2":
            assert '"\\u001b[31m"' in text  # the escape is shown as JSON writes it
        assert not any("\x1b" in s or "\x07" in s for s in rendered_segments(app))
        await pilot.press("Y")
        assert app.clipboard == SHOWN


async def test_markdown_view_gets_sanitised_text(hostile_store):
    async with detail_of_the_first_request(*hostile_store) as (app, pilot):
        await pilot.press("m")
        await settle(pilot)
        assert "[bold red]x[/]" in screen_text(app)
        assert not any("\x1b" in s or "\x07" in s for s in rendered_segments(app))
