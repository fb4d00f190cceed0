"""The inspector's export (ctrl+e): the results in view, written whole to a file the user names."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
from requests_support import HostApp, fill_store, screen_text, settle
from textual.widgets import Input, Static

from tui.core.models import ResultType
from tui.core.store import Store
from tui.ui.screens.export import ExportScreen
from tui.ui.screens.requests import RequestsScreen

SIZE = (120, 36)
TOTAL = 600


async def open_export(app: HostApp, pilot, outcome: ResultType | None = None) -> ExportScreen:
    await settle(pilot)
    if outcome is not None:
        app.screen.show_outcome(outcome)
        await settle(pilot)
    await pilot.press("ctrl+e")
    await settle(pilot)
    assert isinstance(app.screen, ExportScreen)
    return app.screen


def notes(app: HostApp) -> list[str]:
    """Every notification so far, as "title: message"."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


def note_text(screen: ExportScreen) -> str:
    return str(screen.query_one("#export-note", Static).render())


async def type_path(pilot, screen: ExportScreen, path: Path | str) -> None:
    screen.query_one("#export-path", Input).value = str(path)
    await settle(pilot)


async def test_exports_the_results_in_view_to_a_private_file(store: Store, tmp_path: Path):
    batch = await fill_store(store, TOTAL)
    errored = (await store.results.counts_by_type(batch.id))[ResultType.ERRORED]
    target = tmp_path / "errored.jsonl"
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot, ResultType.ERRORED)
        text = screen_text(app)
        assert f"{errored:,} result(s) of {batch.id}: errored" in text
        assert f"{batch.id}-errored.jsonl" in screen.query_one("#export-path", Input).value
        await type_path(pilot, screen, target)
        assert "JSONL" in screen_text(app)
        assert "a new file" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        assert f"Exported: {errored:,} result(s) written to {target}" in notes(app)
    rows = [orjson.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == errored
    assert {row["type"] for row in rows} == {"errored"}
    assert all(row["result"]["custom_id"] == row["custom_id"] for row in rows)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_a_csv_name_writes_csv_and_says_it_replaces_a_file(store: Store, tmp_path: Path):
    batch = await fill_store(store, TOTAL)
    target = tmp_path / "all.csv"
    target.write_text("old\n")
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot)
        assert "all outcomes" in screen_text(app)
        await type_path(pilot, screen, target)
        assert "CSV · replaces the file there" in screen_text(app)
        await pilot.click("#export")
        await settle(pilot)
    lines = target.read_text().splitlines()
    assert lines[0].startswith("custom_id,type,model")
    assert len(lines) == TOTAL + 1


async def test_cancel_and_bad_paths_write_nothing(store: Store, tmp_path: Path):
    batch = await fill_store(store, TOTAL)
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot)
        await type_path(pilot, screen, tmp_path / "missing" / "x.jsonl")
        assert "does not exist" in screen_text(app)
        await pilot.press("enter")  # refused: the modal stays, nothing is written
        await settle(pilot)
        assert app.screen is screen
        await type_path(pilot, screen, tmp_path)
        assert "is a folder" in note_text(screen)  # wrapped on screen: the note's own text
        await type_path(pilot, screen, tmp_path / "never.jsonl")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
    assert not (tmp_path / "never.jsonl").exists()


async def test_a_failed_write_is_reported_and_loses_nothing(store: Store, tmp_path: Path):
    batch = await fill_store(store, TOTAL)
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_export(app, pilot)
        await type_path(pilot, screen, "/proc/results.jsonl")  # a folder no one can write to
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        [failure] = notes(app)
        assert failure.startswith("Export failed: cannot write /proc/results.jsonl")


async def test_an_empty_view_has_nothing_to_export(store: Store):
    batch = await fill_store(store, TOTAL)
    app = HostApp(batch, store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zebra", "enter")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, RequestsScreen)
        assert notes(app) == [": Nothing to export: no result matches this view."]
