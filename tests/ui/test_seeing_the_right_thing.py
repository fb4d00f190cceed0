"""What the screen says must read right on any terminal (issue 15): without colour failures are
bold and reversed, never the faintest text; ASCII glyphs where the terminal cannot draw the
symbols (a setting, or auto on TERM=linux and non-UTF-8 locales); ``i`` shows whole ids."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from main_support import (
    T0,
    copy_cache,
    demo_services,
    import_everything,
    offline_demo_config,
    running_app,
    settle,
)

from tui.core.attention import needs_attention
from tui.core.config import Settings, load_config
from tui.core.errors import ConfigError
from tui.core.models import BatchStatus
from tui.display import glyphs
from tui.display.formatting import STATUS_LOOKS, progress_text, short_duration
from tui.ui.app import BatchApp
from tui.ui.services import Services

SIZE = (160, 40)


def cached_app(cache: Path, tmp_path: Path, settings: Settings | None = None) -> BatchApp:
    database = copy_cache(cache, tmp_path)
    config = offline_demo_config(tmp_path)
    if settings is not None:
        config = replace(config, settings=settings)
    services = Services(
        config, database, env={}, auto_poll=False, clock=lambda: T0, engine_clock=lambda: T0
    )
    return BatchApp(services)


def test_auto_picks_ascii_where_the_terminal_cannot_draw_the_symbols() -> None:
    assert glyphs.ascii_wanted("auto", {"TERM": "linux", "LANG": "C.UTF-8"})
    assert glyphs.ascii_wanted("auto", {"TERM": "xterm", "LANG": "en_US.ISO-8859-1"})
    assert glyphs.ascii_wanted("auto", {"TERM": "xterm", "LC_ALL": "de_DE@euro", "LANG": "x"})
    assert not glyphs.ascii_wanted("auto", {"TERM": "xterm-256color", "LANG": "en_GB.UTF-8"})
    assert not glyphs.ascii_wanted("auto", {"TERM": "xterm", "LC_CTYPE": "C.utf8"})
    assert not glyphs.ascii_wanted("auto", {})
    assert glyphs.ascii_wanted("ascii", {"LANG": "en_GB.UTF-8"})
    assert not glyphs.ascii_wanted("unicode", {"TERM": "linux"})


def test_every_ascii_stand_in_is_one_cell_like_its_symbol() -> None:
    from rich.cells import cell_len

    for symbol, stand_in in glyphs.ASCII.items():
        assert stand_in.isascii()
        assert cell_len(stand_in) == cell_len(symbol) == 1, symbol


def test_the_glyphs_setting_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[settings]\nglyphs = "ascii"\n')
    assert load_config(path).settings.glyphs == "ascii"
    path.write_text('[settings]\nglyphs = "emoji"\n')
    with pytest.raises(ConfigError, match="glyphs must be one of auto, unicode, ascii"):
        load_config(path)


async def test_no_color_draws_failures_bold_and_reversed(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads it when the App is built
    app = cached_app(cache, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.no_color
        failing = [b for b in app.main.table.batches.values() if b.counts.errored]
        assert failing
        progress = app.main.table._cell_text(failing[0], "progress")
        failure_spans = [s for s in progress.spans if "✗" in progress.plain[s.start : s.end]]
        assert failure_spans
        assert all("reverse" in str(s.style) and "bold" in str(s.style) for s in failure_spans)
        look = STATUS_LOOKS[BatchStatus.EXPIRED]
        assert look.style == "bold reverse"
        # The detail's counts use the same emphasis.
        counts = app.main.detail._counts(failing[0])
        errored = [s for s in counts.spans if "errored" in counts.plain[s.start : s.end]]
        assert [str(s.style) for s in errored] == ["bold reverse"]
    glyphs.use("auto")  # the next App sets it anyway; other tests call the functions directly
    assert "red" in str(progress_text(failing[0].counts).spans[-1].style)


async def test_ascii_glyphs_everywhere_the_setting_asks(cache: Path, tmp_path: Path) -> None:
    app = cached_app(cache, tmp_path, Settings(glyphs="ascii"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.main.table
        ended = next(b for b in table.batches.values() if b.status is BatchStatus.ENDED)
        assert table._cell_text(ended, "status").plain == "+ ended"
        failing = next(b for b in table.batches.values() if b.counts.errored)
        assert " x" in table._cell_text(failing, "progress").plain
        svg = app.export_screenshot()
        for symbol in ("✓", "✗", "◐", "⊘", "⧗", "━", "▼", "▲"):
            assert symbol not in svg, symbol
    glyphs.use("auto")


async def test_i_shows_the_whole_provider_id(cache: Path, tmp_path: Path) -> None:
    app = cached_app(cache, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.main.table
        for batch in table.batches.values():
            assert table._cell_text(batch, "id").plain != batch.id
        await pilot.press("i")
        await settle(pilot)
        for batch in table.batches.values():  # OpenAI's are the longest: 38 characters
            assert table._cell_text(batch, "id").plain == batch.id


def detail_text(app: BatchApp) -> str:
    """The detail pane as plain text (rendered at its width)."""
    from rich.console import Console

    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    detail = app.main.detail
    assert detail.shown_batch is not None
    assert detail.now is not None
    console.print(detail._facts(detail.shown_batch, detail.now))
    return console.export_text()


async def test_a_acknowledges_a_batch_and_it_leaves_needs_attention(
    cache: Path, tmp_path: Path
) -> None:
    app = cached_app(cache, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.main.table
        batch = next(b for b in table.batches.values() if b.is_terminal and b.counts.errored)
        assert needs_attention(batch)
        table.select(batch.id)
        await pilot.pause()
        await pilot.press("a")
        await settle(pilot)
        stored = await app.services.store.batches.get(batch.id)
        assert stored.acknowledged_at is not None
        assert not needs_attention(table.batches[batch.id])
        assert "acknowledged" in detail_text(app)
        await pilot.press("4")  # All
        table.select(batch.id)
        await pilot.pause()
        await pilot.press("a")  # again: it needs attention again
        await settle(pilot)
        assert needs_attention(table.batches[batch.id])


async def test_left_is_labelled_and_deleted_batches_say_so(cache: Path, tmp_path: Path) -> None:
    app = cached_app(cache, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.main.table
        running = next(b for b in table.batches.values() if not b.is_terminal)
        done = next(b for b in table.batches.values() if b.status is BatchStatus.ENDED)
        assert table._cell_text(running, "left").plain.startswith("exp ")
        assert table._cell_text(done, "left").plain.startswith("del ")
        table.select(done.id)
        await settle(pilot)
        assert "the provider deletes them in" in detail_text(app)
        await app.services.store.batches.mark_deleted_remotely(done.id)
        app.main.reload([done.id])
        await settle(pilot)
        text = detail_text(app)
        assert "deleted at the provider" in text
        assert "keeps them" not in text
        assert table._cell_text(table.batches[done.id], "left").plain == "deleted"


async def test_the_list_shows_a_running_batchs_eta_once_a_poll_gives_it_a_pace(
    tmp_path: Path,
) -> None:
    async with demo_services(tmp_path) as (sim, services):
        await import_everything(services)  # one sample of every running batch: no pace yet
        app = BatchApp(services)
        async with app.run_test(size=(80, 24)) as pilot:  # Left is shown at 80 columns
            await settle(pilot)
            table = app.main.table

            def left(batch_id: str) -> str:
                return table.cell(batch_id, "left").plain

            running = [b for b in table.batches.values() if not b.is_terminal]
            assert all(left(b.id).startswith("exp ") for b in running)
            sim.clock.advance(minutes=10)
            app.sync_batches()  # the App's own poll: the second sample
            await settle(pilot)
            running = [b for b in table.batches.values() if not b.is_terminal]
            moving = [b for b in running if b.provider.value == "openai" and b.counts.finished]
            assert moving
            for batch in moving:
                table.select(batch.id)
                await settle(pilot)
                eta = app.main.detail.pace.eta  # the detail pane's ETA, from the same history
                assert eta is not None
                wanted = f"eta {short_duration(eta - sim.clock.now())}"
                assert left(batch.id) == wanted
                assert wanted.removeprefix("eta ") in detail_text(app)
            # Anthropic reports no finished request until the end: no pace, expiry stays.
            still = [b for b in running if b.provider.value == "anthropic"]
            assert still
            assert all(left(b.id).startswith("exp ") for b in still)


async def test_a_running_openai_batch_shows_its_pace_and_eta(tmp_path: Path) -> None:
    async with demo_services(tmp_path) as (sim, services):
        await import_everything(services)  # the first sample of every running batch
        sim.clock.advance(minutes=10)
        await services.engine.poll_once()  # the second
        async with running_app(services, size=SIZE) as (app, pilot):
            table = app.main.table
            running = [b for b in table.batches.values() if not b.is_terminal]
            openai = next(b for b in running if b.provider.value == "openai" and b.counts.finished)
            anthropic = next(b for b in running if b.provider.value == "anthropic")
            table.select(openai.id)
            await settle(pilot)
            text = detail_text(app)
            assert "ETA " in text
            assert "requests/min, from the count history" in text
            table.select(anthropic.id)
            await settle(pilot)
            assert "Anthropic reports counts when the batch ends" in detail_text(app)
