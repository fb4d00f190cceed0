"""The TUI on a cache it cannot write (issue 19): it opens read-only and says why.

Tests run as root, whom ``chmod`` does not stop, so the cache is made unwritable the way the
CLI's fallback test does it: SQLite cannot create its write-ahead log (a directory sits where
the ``-wal`` file goes), which is what a read-only data directory or file system does to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from main_support import copy_cache, offline_demo_config, settle

from tui.core.errors import StoreNotWritable
from tui.ui.app import BatchApp
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.requests import RequestsScreen
from tui.ui.services import Services


def unwritable_copy(cache: Path, directory: Path) -> Path:
    """A copy of ``cache`` that SQLite can read but not write."""
    database = copy_cache(cache, directory)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    Path(f"{database}-wal").mkdir()
    return database


def toasts(app: BatchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_an_unwritable_cache_opens_read_only_with_the_reason(
    tmp_path: Path, cache: Path
) -> None:
    database = unwritable_copy(cache, tmp_path)
    # auto_poll on, as batchtui starts: a cache that cannot be written must turn it off.
    services = Services(offline_demo_config(tmp_path), database, env={}, auto_poll=True)
    async with services:
        assert services.store.db.read_only
        assert services.read_only
        assert not services.auto_poll
        app = BatchApp(services)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            main = app.main
            assert main.table.row_count > 20
            bar = str(main.status_bar.render())
            assert "read-only: cache not writable" in bar
            assert "cannot write the database" in toasts(app)[0]
            assert not any(w.group == "sync" for w in app.workers)  # nothing polled
            app.clear_notifications()

            running = next(b for b in main.table.batches.values() if not b.is_terminal)
            main.table.move_cursor(main.table.shown_ids.index(running.id))
            await pilot.pause()
            for key in ("c", "R", "D", "a", "r"):
                await pilot.press(key)
                await settle(pilot)
                assert app.screen is main, key  # no confirmation, no retry modal
                said = toasts(app)
                assert said == [services.read_only_words()], key
                assert said[0].startswith("Read-only:")
                assert "cannot write the database" in said[0]
                app.clear_notifications()
            assert not any(w.group in ("sync", "action") for w in app.workers)
            assert "Read-only:" in main.unavailable_reason("annotate")  # e, the label editor

            # Reading works: the inspector opens on the cached results, with nothing to report.
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, RequestsScreen)
            assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)
            assert toasts(app) == []


async def test_no_cache_to_read_is_still_an_error(tmp_path: Path) -> None:
    """Nothing to show read-only: the one-line error of ``batchtui`` (exit 3) stands."""
    database = tmp_path / "batchtui.db"
    database.mkdir()  # cannot be created as a file, and there is nothing to read
    services = Services(offline_demo_config(tmp_path), database, env={}, auto_poll=False)
    with pytest.raises(StoreNotWritable):
        await services.open()
