"""Snapshots of the main screen at 80x24 and 160x48 (regenerate with ``--snapshot-update``).

Deterministic by construction: the demo workspace from a fixed seed, the simulated clock frozen
at a fixed instant that the App also uses as "now", no polling, and no blinking cursor on the
table.
"""

from __future__ import annotations

from pathlib import Path

from main_support import CachedBatchApp, copy_cache, settle


def test_main_screen_80x24(snap_compare, cache: Path, tmp_path: Path) -> None:
    app = CachedBatchApp(copy_cache(cache, tmp_path))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_main_screen_160x48(snap_compare, cache: Path, tmp_path: Path) -> None:
    app = CachedBatchApp(copy_cache(cache, tmp_path))
    assert snap_compare(app, terminal_size=(160, 48), run_before=settle)


def test_main_screen_read_only_filtered(snap_compare, cache: Path, tmp_path: Path) -> None:
    app = CachedBatchApp(copy_cache(cache, tmp_path), read_only=True)

    async def filter_attention(pilot) -> None:
        await settle(pilot)
        await pilot.press("2", "slash", *"haiku", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 32), run_before=filter_attention)
