"""The simulated clock, the ``/_sim/`` control API, and saving and restoring state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
from anthropic import AsyncAnthropic
from simkit import anthropic_client, message_request

from tui.sim import SimClock, SimOptions, Simulator
from tui.sim import clock as clock_module


def test_speed_scales_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    real = [1000.0]
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: real[0])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = SimClock(start, speed=60)
    real[0] += 2
    assert (clock.now() - start).total_seconds() == 120
    clock.set_speed(0)
    real[0] += 100
    assert (clock.now() - start).total_seconds() == 120
    clock.advance(hours=1, minutes=1, seconds=1, days=1)
    assert (clock.now() - start).total_seconds() == 120 + 86400 + 3661
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)
    assert clock.now().tzinfo is UTC


def test_frozen_clock_only_moves_when_advanced(sim: Simulator) -> None:
    before = sim.clock.now()
    assert sim.clock.now() == before
    assert sim.clock.advance(minutes=90) == sim.clock.now()
    assert (sim.clock.now() - before).total_seconds() == 5400


async def test_control_api(sim: Simulator, aclient: AsyncAnthropic) -> None:
    async with httpx2.AsyncClient(base_url=sim.base_url) as http:
        before = (await http.get("/_sim/clock")).json()
        assert before["anthropic_base_url"] == sim.anthropic_base_url
        after = (await http.post("/_sim/clock/advance", json={"seconds": 3600})).json()
        assert after["now"] > before["now"]
        assert (await http.post("/_sim/speed", json={"speed": 0})).json()["speed"] == 0
        assert (await http.post("/_sim/speed", json={})).status_code == 400

        fault = {"route": "anthropic.list", "kind": "529", "count": 1}
        assert (await http.post("/_sim/faults", json=fault)).status_code == 200
        assert len((await http.get("/_sim/faults")).json()["faults"]) == 1
        assert (await http.post("/_sim/faults", json={"kind": "nope"})).status_code == 400
        await aclient.messages.batches.list()  # retried past the 529
        assert (await http.get("/_sim/counters")).json()["anthropic.list"] == 2
        await http.post("/_sim/faults", json={"route": "*", "kind": "500", "count": None})
        assert (await http.delete("/_sim/faults")).json() == {"faults": []}

        reply = (await http.post("/_sim/scenario", json={"name": "demo"})).json()
        assert reply["anthropic_batches"] >= 10
        assert (await http.post("/_sim/scenario", json={"name": "x"})).status_code == 400

        await http.post("/_sim/keys/revoke", json={"key": "sk-gone"})
    assert "sk-gone" in sim.revoked_keys


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sim.json"
    options = SimOptions(seed=4, speed=0.0, expire_rate=0.0, error_rate=0.0, state_file=state)
    async with Simulator(options) as sim, anthropic_client(sim) as client:
        batch = await client.messages.batches.create(requests=[message_request("a")])
        sim.clock.advance(days=1)
        before = [r.to_json() async for r in await client.messages.batches.results(batch.id)]
        sim.seed_demo_workspace()
        counts = (len(sim.state.anthropic), len(sim.state.openai), len(sim.state.files))
        now = sim.clock.time()
    assert state.exists()
    async with Simulator(options) as sim, anthropic_client(sim) as client:
        assert sim.clock.time() == now
        assert (len(sim.state.anthropic), len(sim.state.openai), len(sim.state.files)) == counts
        after = [r.to_json() async for r in await client.messages.batches.results(batch.id)]
        assert after == before
        newer = await client.messages.batches.create(requests=[message_request("b")])
        assert newer.id not in {batch.id}
        ids = [b.id async for b in client.messages.batches.list(limit=100)]
        assert ids[0] == newer.id
