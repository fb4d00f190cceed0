"""Ready-made simulated worlds (filled in below)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.sim.server import Simulator


def seed_demo_workspace(sim: Simulator) -> None:
    raise NotImplementedError
