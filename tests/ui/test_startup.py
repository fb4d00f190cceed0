"""How ``batchtui`` starts: the cache first, the providers (and their SDKs) only when needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from main_support import (
    copy_cache,
    demo_services,
    demo_services_for,
    make_sim,
    offline_demo_config,
    prepare_cache,
    settle,
)

import tui.ui.app
from tui.cli.common import Context
from tui.core.config import Profile
from tui.core.events import ProfileHealth
from tui.core.models import ProviderKind
from tui.core.paths import AppPaths
from tui.ui.app import BatchApp
from tui.ui.services import Services


async def test_deferred_engine_builds_the_providers_on_the_first_poll(tmp_path: Path) -> None:
    sim = make_sim()
    await sim.start(host="127.0.0.1", port=0)
    try:
        sim.seed_demo_workspace()
        services = demo_services_for(sim, tmp_path)
        async with services:
            engine = services.engine
            assert {s.health for s in engine.statuses.values()} == {ProfileHealth.UNKNOWN}
            app = BatchApp(services)
            async with app.run_test(size=(120, 36)) as pilot:
                await settle(pilot)
                assert app.main.table.row_count == 0
                await app.sync_batches().wait()
                await settle(pilot)
                assert app.main.table.row_count > 20
                assert {s.health for s in engine.statuses.values()} == {ProfileHealth.OK}
    finally:
        await sim.stop()


async def test_a_profile_without_a_key_opens_read_only_with_the_reason(
    tmp_path: Path, cache: Path
) -> None:
    """No key in the environment is no reason to refuse: the cache opens, the profile's
    batches cannot be cancelled or retried, and the status bar and the refusal say why."""
    copy_cache(cache, tmp_path)
    config = offline_demo_config(tmp_path)
    keyless = Profile("anthropic", ProviderKind.ANTHROPIC, api_key_env="NOT_SET_ANYWHERE")
    config.profiles["anthropic"] = keyless
    services = Services(config, tmp_path / "batchtui.db", env={}, auto_poll=False)
    async with services:
        app = BatchApp(services)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            main = app.main
            assert main.table.row_count > 20
            assert "no key: NOT_SET_ANYWHERE unset" in str(main.status_bar.render())
            running = next(
                b
                for b in main.table.batches.values()
                if b.profile == "anthropic" and not b.is_terminal
            )
            main.table.move_cursor(main.table.shown_ids.index(running.id))
            await pilot.pause()
            reason = main.unavailable_reason("cancel_batch")
            assert reason is not None
            assert "NOT_SET_ANYWHERE" in reason
            assert main.check_action("cancel_batch", ()) is None  # dimmed in the footer
            assert services.engine.statuses["anthropic"].health is ProfileHealth.MISCONFIGURED
            assert services.usable_profiles() == ["openai"]


async def test_no_profile_at_all_opens_an_empty_list_that_says_what_to_do(
    tmp_path: Path,
) -> None:
    """A fresh install: no config, no key. The TUI opens on an empty cache with a hint."""
    paths = AppPaths(tmp_path / "none.toml", tmp_path / "data")
    config = Context(paths=paths, env={}).config
    services = Services(config, paths.database, env={}, auto_poll=False)
    paths.ensure_data_dir()
    async with services:
        app = BatchApp(services)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            lines = [app.main.table.render_line(y).text for y in range(1, 6)]
            assert "No batches yet" in lines[0]
            assert any("batchtui sim" in line for line in lines)
            assert any("batchtui config init" in line for line in lines)
            assert any(line.strip().startswith("n ") for line in lines)
            assert "no profile" in str(app.main.status_bar.render())


def test_opening_the_app_module_does_not_import_the_sdks() -> None:
    code = (
        "import sys, tui.ui.app, tui.ui.services, tui.cli.open_tui, tui.cli.demo\n"
        "print(sorted(m for m in ('anthropic', 'openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_the_modules_batchtui_starts_with_leave_out_what_the_first_paint_does_not_need() -> None:
    """The ``batchtui`` script loads every subcommand's module, then the App. Neither may pull
    in the sync engine (built on the first poll), the comparison, the batch-end hooks or the
    cache's housekeeping; and naming the list's models reads the model table only, not the
    price table, and not through ``importlib.resources`` (its zip-file readers)."""
    code = (
        "import sys, tui.cli.main, tui.ui.app, tui.ui.services\n"
        "from tui.core.known_models import canonical_model\n"
        "from tui.core.prices import _shipped_table\n"
        "assert canonical_model('claude-sonnet-4') == 'claude-sonnet-4-0'\n"
        "assert canonical_model('gpt-4o-mini') == 'gpt-4o-mini'\n"
        "late = ('tui.core.session', 'tui.core.sync', 'tui.core.compare', 'tui.core.batch_end',\n"
        "        'tui.core.store.housekeeping', 'importlib.resources')\n"
        "print(sorted(m for m in late if m in sys.modules), _shipped_table.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["[]", "0"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_cache(tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("head_start", [0.3, 0.0])
async def test_the_cached_list_fills_before_or_after_the_screen_is_built(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, head_start: float
) -> None:
    """Read during Load it is shown as the screen mounts; read late, it fills in when read."""
    monkeypatch.setattr(tui.ui.app, "_CACHE_HEAD_START", head_start)
    async with demo_services(tmp_path, cache=cache) as (_sim, services):
        cached = await services.store.batches.list()
        app = BatchApp(services)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert app.main.table.shown_ids == [b.id for b in cached]
            assert app.main.detail.shown_batch is not None
            assert app.main.detail.shown_batch.id == cached[0].id


async def test_the_inspector_is_loaded_after_the_first_paint_not_on_enter(
    tmp_path: Path, cache: Path
) -> None:
    """Once the list is painted, the inspector's modules are imported and its widgets' styles
    are in the stylesheet, before any Enter: the first open pays neither. Opening it then adds
    no style source (no full re-parse on the key press)."""
    from tui.ui.screens.requests import RequestsScreen
    from tui.ui.warmup import inspector_widgets
    from tui.ui.widgets.results_view import ResultsView

    async with demo_services(tmp_path, cache=cache) as (_sim, services):
        app = BatchApp(services)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            sources = set(app.stylesheet.source)
            assert any(name == "ResultsView.DEFAULT_CSS" for _, name in sources)
            assert not app.query(ResultsView)  # loaded, nothing mounted
            assert len(inspector_widgets()) > 10
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, RequestsScreen)
            assert app.screen.query(ResultsView)
            assert set(app.stylesheet.source) == sources
