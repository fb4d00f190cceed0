"""A snapshot of the ``@`` screen at 80x24 (regenerate with ``--snapshot-update``)."""

from __future__ import annotations

from pathlib import Path

from call_log_support import CallLogApp
from main_support import copy_cache, settle


def test_call_log_80x24(snap_compare, cache: Path, tmp_path: Path) -> None:
    app = CallLogApp(copy_cache(cache, tmp_path))

    async def open_call_log(pilot) -> None:
        await settle(pilot)
        await pilot.press("at", *["down"] * 6)  # the second 429: its wait shows below
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_call_log)
