"""The requests inspector driven through Pilot over a store of synthetic results (no network).

Each test opens a batch of 3,000 requests, acts like a user would and waits on workers (never
on the clock) before looking at the screen's state or its rendered text.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from requests_support import HostApp, fill_store, random_result, screen_text, settle
from textual.widgets import Select

from tui.core.events import ResultsProgress
from tui.core.models import ResultType
from tui.core.store import Store
from tui.ui.screens.request_detail import RequestDetailScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.widgets.error_groups import ErrorGroupsPanel
from tui.ui.widgets.result_filters import ResultFilters
from tui.ui.widgets.results_view import PAGE_SIZE, ResultsView
from tui.ui.widgets.tab_strip import TabStrip

TOTAL = 3000
SIZE = (120, 36)


@pytest.fixture
async def batch(store: Store):
    return await fill_store(store, TOTAL)


def view_of(app: HostApp) -> ResultsView:
    return app.screen.query_one(ResultsView)


def visible_results(view: ResultsView) -> list:
    top = int(view.scroll_offset.y)
    rows = [view._row(r, current_only=True) for r in range(top, top + view._body_height)]
    return [r for r in rows if r is not None]


async def test_open_paints_first_rows_and_counts(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        view = view_of(app)
        assert view.count == TOTAL
        text = screen_text(app)
        assert "req-000000" in text
        counts = await store.results.counts_by_type(batch.id)
        assert f"Errored {counts[ResultType.ERRORED]:,}" in text
        assert f"All {TOTAL:,}" in text
        assert f"{TOTAL:,} of {TOTAL:,}" in text


async def test_paging_cursor_and_ends(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = view_of(app)
        page = view._body_height
        await pilot.press("pagedown")
        await settle(pilot)
        assert view.cursor_row == page
        assert view.cursor_result.custom_id == f"req-{page:06d}"
        await pilot.press("down", "down", "up")
        assert view.cursor_row == page + 1
        await pilot.press("G")
        await settle(pilot)
        assert view.cursor_result.custom_id == f"req-{TOTAL - 1:06d}"
        assert f"req-{TOTAL - 1:06d}" in screen_text(app)
        await pilot.press("pageup")
        await settle(pilot)
        assert view.cursor_row == TOTAL - 1 - page
        assert view.cursor_result.custom_id == f"req-{TOTAL - 1 - page:06d}"
        await pilot.press("g")
        await settle(pilot)
        assert view.cursor_row == 0
        assert "req-000000" in screen_text(app)


async def test_paging_through_many_pages_reads_by_key(store, batch):
    """Sequential page-downs cross several store pages; every row stays in custom_id order."""
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = view_of(app)
        seen: list[str] = []
        while view.cursor_row < 3 * PAGE_SIZE:
            seen += [r.custom_id for r in visible_results(view)]
            await pilot.press("pagedown")
            await settle(pilot)
        assert seen == sorted(set(seen))
        assert seen[0] == "req-000000"
        assert len(seen) >= 3 * PAGE_SIZE


async def test_jump_to_custom_id(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await pilot.press(*"req-001500", "enter")
        await settle(pilot)
        view = view_of(app)
        assert view.cursor_result.custom_id == "req-001500"
        assert app.screen.focused is view


@pytest.mark.parametrize(
    "outcome",
    [ResultType.SUCCEEDED, ResultType.ERRORED, ResultType.EXPIRED, ResultType.CANCELED, None],
)
async def test_filter_by_outcome(store, batch, outcome):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        counts = await store.results.counts_by_type(batch.id)
        if outcome is None:  # start from another tab, then come back to "All"
            app.screen.show_outcome(ResultType.ERRORED)
            await settle(pilot)
        app.screen.show_outcome(outcome)
        await settle(pilot)
        view = view_of(app)
        expected = TOTAL if outcome is None else counts[outcome]
        assert view.count == expected
        shown = visible_results(view)
        assert shown
        if outcome is not None:
            assert {r.type for r in shown} == {outcome}


async def test_filter_by_stop_reason_and_error_type(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        stops = await store.results.distinct_values(batch.id, "stop_reason")
        errors = await store.results.distinct_values(batch.id, "error_type")
        filters = app.screen.query_one(ResultFilters)
        filters.query_one("#stop-reason", Select).value = "max_tokens"
        await settle(pilot)
        view = view_of(app)
        assert view.count == stops["max_tokens"]
        assert {r.stop_reason for r in visible_results(view)} == {"max_tokens"}
        filters.query_one("#stop-reason", Select).clear()
        filters.query_one("#error-type", Select).value = "overloaded_error"
        await settle(pilot)
        assert view.count == errors["overloaded_error"]
        await pilot.press("x")
        await settle(pilot)
        assert view.count == TOTAL


async def test_search_as_you_type(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"overlo", "enter")  # prefix match, Enter skips the debounce
        await settle(pilot)
        view = view_of(app)
        errors = await store.results.distinct_values(batch.id, "error_type")
        assert view.count == errors["overloaded_error"]
        assert all(r.error_message == "Overloaded" for r in visible_results(view))
        # "/" selects the old query; letters bound on the screen are typed, not run as actions.
        await pilot.press("slash", "x", "p", "R")
        assert app.screen.query_one(ResultFilters).search == "xpR"
        assert app.retries == []


async def test_error_group_filters_and_marks(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        panel = screen.query_one(ErrorGroupsPanel)
        groups = await store.results.error_groups(batch.id)
        assert [g.key for g in panel.groups] == [g.key for g in groups]
        panel.focus()
        await pilot.press("enter")
        await settle(pilot)
        view = view_of(app)
        assert screen.group_key == groups[0].key
        assert view.count == groups[0].count
        assert app.screen.focused is view
        panel.focus()
        await pilot.press("down", "space")
        await settle(pilot)
        assert screen.marked_groups == {groups[1].key}
        assert screen.active_bindings["R"].binding.description == f"Retry ({groups[1].count:,})"
        await pilot.press("R")
        await settle(pilot)
        (retry,) = app.retries
        assert retry.batch_id == batch.id
        assert retry.error_keys == frozenset({groups[1].key})
        assert retry.custom_ids == frozenset()


async def test_mark_requests_for_retry(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("space", "space")
        await settle(pilot)
        assert screen.marked_ids == {"req-000000", "req-000001"}
        assert "◉ ✓ req-000000" in screen_text(app)
        assert screen.active_bindings["R"].binding.description == "Retry (2)"
        await pilot.press("R")
        await settle(pilot)
        assert app.retries[0].custom_ids == frozenset({"req-000000", "req-000001"})
        await pilot.press("U")
        assert screen.marked_count == 0


async def test_read_only_hides_retry(store, batch):
    app = HostApp(batch, store, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "R")
        await settle(pilot)
        assert "R" not in app.screen.active_bindings
        assert app.retries == []


async def test_detail_tabs_and_copy(store, batch):
    params = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": []}
    await store.requests.put(batch.id, [("req-000000", orjson.dumps(params))])
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, RequestDetailScreen)
        assert "Answer 0:" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert '"custom_id": "req-000000"' in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        assert '"max_tokens": 1024' in screen_text(app)
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "Cache read" in text
        assert "Batch price" in text
        assert "Standard price" in text
        await pilot.press("y")
        assert app.clipboard == "req-000000"
        await pilot.press("Y")
        assert app.clipboard.startswith("Answer 0:")
        await pilot.press("m")
        await settle(pilot)
        assert detail.markdown
        await pilot.press("escape")
        assert isinstance(app.screen, RequestsScreen)


async def test_detail_of_failure_without_params(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.show_outcome(ResultType.ERRORED)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "_error" in text
        await pilot.press("3")
        await settle(pilot)
        assert "not stored" in screen_text(app)
        await pilot.press("Y")
        assert app.clipboard == app.screen.result.error_message


async def test_results_still_downloading(store):
    batch = await fill_store(store, TOTAL, stored=1000)
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        progress = screen.query_one("#requests-progress")
        assert progress.display
        assert "1,000 of 3,000 stored" in screen_text(app)
        assert view_of(app).count == 1000
        # The rest arrives; the App forwards the sync engine's ResultsProgress events.
        rng = random.Random(1)
        rest = [random_result(batch.id, n, rng) for n in range(1000, TOTAL)]
        await store.results.write(rest[:1000])
        other = ResultsProgress("msgbatch_other", 5, 10)
        screen.apply_sync_events([other, ResultsProgress(batch.id, 2000, TOTAL)])
        await settle(pilot)
        assert "2,000 of 3,000 stored" in screen_text(app)
        assert view_of(app).count == 2000
        await store.results.write(rest[1000:])
        screen.results_progress(TOTAL, TOTAL, done=True)
        await settle(pilot)
        assert not progress.display
        assert view_of(app).count == TOTAL


async def test_search_without_matches_says_so(store, batch):
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zebra", "enter")
        await settle(pilot)
        assert view_of(app).count == 0
        assert "No request matches these filters." in screen_text(app)
        await pilot.press("enter", "space")  # nothing under the cursor: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        assert app.screen.marked_ids == set()


async def test_open_external_without_a_terminal(store, batch, monkeypatch, tmp_path):
    """Headless, the app cannot hand the terminal over: say so, and leave no temp file."""
    monkeypatch.setenv("PAGER", "cat")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert not list(tmp_path.glob("batchtui-*"))
        assert isinstance(app.screen, RequestDetailScreen)


async def test_outcome_tabs_by_key_and_by_click(store, batch):
    counts = await store.results.counts_by_type(batch.id)
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")  # the third tab: Errored
        await settle(pilot)
        view = view_of(app)
        assert view.count == counts[ResultType.ERRORED]
        assert {r.type for r in visible_results(view)} == {ResultType.ERRORED}
        tabs = app.screen.query_one("#outcomes", TabStrip)
        assert tabs.active == "errored"
        x = next(x for x in range(tabs.size.width) if tabs.tab_at(x) == "expired")
        await pilot.click(tabs, offset=(x, 0))
        await settle(pilot)
        assert view.count == counts[ResultType.EXPIRED]
        await pilot.press("1")
        await settle(pilot)
        assert view.count == TOTAL


@pytest.mark.parametrize(
    ("provider", "total", "expected"),
    [
        # the demo's Anthropic batch of 250 with 40 refused requests (issue #14)
        (
            "anthropic",
            250,
            {
                ("not_found_error", "model: claude-3-5-sonnet-20241022"),
                ("invalid_request_error", "max_tokens: Field required"),
                (
                    "invalid_request_error",
                    "max_tokens: 100000 > 64000, which is the maximum allowed number of output "
                    "tokens for claude-haiku-4-5-20251001",
                ),
            },
        ),
        # the demo's OpenAI batch of 170 with 6 lines over the model's output limit
        (
            "openai",
            170,
            {
                (
                    "invalid_request_error",
                    "max_completion_tokens is too large: 100000. This model supports at most "
                    "32768 completion tokens, whereas you provided 100000.",
                ),
            },
        ),
    ],
)
async def test_the_demo_refused_requests_are_their_own_error_groups(
    tmp_path: Path, provider: str, total: int, expected: set[tuple[str, str]]
) -> None:
    """Requests the real APIs refuse (max_tokens too large, a retired model) come back from the
    simulator as errors; the inspector lists each kind as a group, with its message."""
    from main_support import demo_services

    async with demo_services(tmp_path) as (_sim, services):
        await services.engine.import_all()
        alike = [
            b
            for b in await services.store.batches.list()
            if b.provider.value == provider and b.counts.total == total
        ]
        batch = max(alike, key=lambda b: b.counts.errored)  # the one with refused requests
        await services.engine.download_results(batch.id)
        batch = await services.store.batches.get(batch.id)
        app = HostApp(batch, services.store)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            panel = app.screen.query_one(ErrorGroupsPanel)
            shown = {(g.error_type, g.message) for g in panel.groups}
            assert expected <= shown, shown
            text = screen_text(app)
            for error_type, message in expected:
                assert error_type in text
                assert message[:20] in text  # the message, cut to the panel's width
            refused = [g for g in panel.groups if (g.error_type, g.message) in expected]
            panel.highlighted = panel.groups.index(refused[0])
            panel.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert view_of(app).count == refused[0].count
