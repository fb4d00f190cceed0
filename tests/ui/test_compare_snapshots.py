"""Snapshot of the compare screen at 80x24: the opus vs sonnet pair, the third row's texts.

Regenerate with ``pytest tests/ui/test_compare_snapshots.py --snapshot-update`` and review it.
"""

from __future__ import annotations

from pathlib import Path

from compare_support import open_compare_of_the_pair, prepare_compare_cache
from main_support import CachedBatchApp


def test_compare_screen_80x24(snap_compare, tmp_path: Path) -> None:
    database, _a, _b = prepare_compare_cache(tmp_path / "cache")
    app = CachedBatchApp(database)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_compare_of_the_pair)
