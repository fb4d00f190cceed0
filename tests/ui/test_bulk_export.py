"""Exporting the results of every marked batch at once (ctrl+e on the list, issue 18).

One confirmation lists the files (one per batch, in one folder), the batches left out, and
the format; the files are written as the inspector's export writes one (the same function);
a summary says what was written, and a batch that fails is reported without stopping the rest.
"""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import orjson
from main_support import demo_services, running_app, settle
from textual.widgets import Checkbox, Input

from tui.core.export import CSV_COLUMNS, export_file_name
from tui.core.models import Batch, ResultsState
from tui.ui.app import BatchApp
from tui.ui.screens.bulk_export import BulkExportScreen, file_names
from tui.ui.services import Services


def notes(app: BatchApp) -> list[tuple[str, str]]:
    return [(str(n.title), str(n.message)) for n in app._notifications]


async def stored(services: Services, batch: Batch) -> int:
    return sum((await services.store.results.counts_by_type(batch.id)).values())


def small_downloaded(app: BatchApp, count: int) -> list[Batch]:
    """``count`` ended batches with results, the smallest first (one of each provider)."""
    done = [
        b
        for b in app.main.table.batches.values()
        if b.results_state is ResultsState.COMPLETE and 0 < b.counts.total <= 500
    ]
    done.sort(key=lambda b: (b.provider.value, b.counts.total))
    by_provider = {b.provider: b for b in reversed(done)}
    return [*by_provider.values(), *(b for b in done if b not in by_provider.values())][:count]


async def mark(app: BatchApp, pilot, batches: list[Batch]) -> None:
    table = app.main.table
    for batch in batches:
        table.move_cursor(table.shown_ids.index(batch.id))
        await pilot.press("space")
    await settle(pilot)


async def open_bulk_export(app: BatchApp, pilot, folder: Path) -> BulkExportScreen:
    await pilot.press("ctrl+e")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, BulkExportScreen)
    screen.query_one("#export-path", Input).value = str(folder)
    await settle(pilot)
    return screen


async def test_exports_every_marked_batch_to_its_own_private_file(
    tmp_path: Path, cache: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    async with (
        demo_services(tmp_path, cache=cache) as (_sim, services),
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        targets = small_downloaded(app, 2)
        running = next(b for b in app.main.table.batches.values() if not b.is_terminal)
        await mark(app, pilot, [*targets, running])
        screen = await open_bulk_export(app, pilot, out)
        scope = str(screen.query_one("#export-scope").render())
        for batch in targets:
            assert export_file_name(batch.id, "results", "jsonl") in scope
        assert "1 marked batch(es) left out: no results downloaded" in scope
        assert "JSONL · all new files" in str(screen.query_one("#export-note").render())
        app.clear_notifications()
        await pilot.click("#export")
        await settle(pilot)
        assert app.screen is app.main

        files = sorted(out.iterdir())
        assert [f.name for f in files] == sorted(
            export_file_name(b.id, "results", "jsonl") for b in targets
        )
        [(title, summary)] = notes(app)
        assert title == "Exported"
        assert summary.startswith("2 file(s)")
        for batch in targets:
            path = out / export_file_name(batch.id, "results", "jsonl")
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            rows = [orjson.loads(line) for line in path.read_bytes().splitlines()]
            assert len(rows) == await stored(services, batch)
            assert {row["result"] is not None for row in rows} == {True}  # the raw lines
            assert f"{path} ({len(rows):,})" in summary


async def test_csv_and_a_failure_that_does_not_stop_the_others(tmp_path: Path, cache: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    async with (
        demo_services(tmp_path, cache=cache) as (_sim, services),
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        broken, fine = small_downloaded(app, 2)
        # A folder where the first batch's file goes: that file cannot be written.
        (out / export_file_name(broken.id, "results", "csv")).mkdir()
        await mark(app, pilot, [broken, fine])
        screen = await open_bulk_export(app, pilot, out)
        screen.query_one("#export-csv", Checkbox).value = True
        await settle(pilot)
        note = str(screen.query_one("#export-note").render())
        assert "CSV · 1 replace(s) a file there" in note
        app.clear_notifications()
        await pilot.click("#export")
        await settle(pilot)

        written = out / export_file_name(fine.id, "results", "csv")
        with written.open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert len(rows) - 1 == await stored(services, fine)
        said = dict(notes(app))
        assert said["Exported"].startswith("1 file(s)")
        failure = said["Export failed"]
        assert failure.startswith("1 batch(es) not exported:")
        assert f"{broken.id}: cannot write" in failure
        assert not [p for p in out.iterdir() if p.name.endswith(".part")]  # nothing half


async def test_without_marks_the_selected_batch_is_exported_or_the_reason_given(
    tmp_path: Path, cache: Path
) -> None:
    async with (
        demo_services(tmp_path, cache=cache) as (_sim, services),
        running_app(services, size=(120, 36)) as (app, pilot),
    ):
        table = app.main.table
        running = next(b for b in table.batches.values() if not b.is_terminal)
        table.move_cursor(table.shown_ids.index(running.id))
        await settle(pilot)
        app.clear_notifications()
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen is app.main
        [(_title, reason)] = notes(app)
        assert "No results of this batch are downloaded" in reason

        [done] = small_downloaded(app, 1)
        table.move_cursor(table.shown_ids.index(done.id))
        await settle(pilot)
        screen = await open_bulk_export(app, pilot, tmp_path)
        assert screen.targets == [done]
        await pilot.press("enter")  # in the folder box: export
        await settle(pilot)
        assert (tmp_path / export_file_name(done.id, "results", "jsonl")).is_file()


def test_file_names_come_from_ids_but_never_leave_the_folder() -> None:
    hostile = "../../etc/\x1b[31mpasswd"
    name = export_file_name(hostile, "results", "csv")
    assert "/" not in name
    assert "\x1b" not in name
    assert not name.startswith(".")
    assert name.endswith("-results.csv")


def test_names_that_would_collide_get_a_number(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from tui.core.models import BatchStatus, ProviderKind, RequestCounts

    def batch(batch_id: str) -> Batch:
        return Batch(
            id=batch_id, profile="p", provider=ProviderKind.ANTHROPIC,
            status=BatchStatus.ENDED, provider_status="ended", counts=RequestCounts(),
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip

    names = file_names([batch("a/b"), batch("a:b"), batch("a?b")], "jsonl")
    assert names == ["a_b-results.jsonl", "a_b-results-2.jsonl", "a_b-results-3.jsonl"]
