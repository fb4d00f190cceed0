"""A create whose answer is lost makes one batch, never two, for both providers.

The connection drops after the simulator has made the batch. The SDKs would retry such a
failure on their own and make a second batch; the providers switch that retry off, the submit
fails with a clear error, and the next submit adopts the batch the ledger was waiting for.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from builders import write_requests
from submitkit import profile_for

from tui.core.config import Config, Profile
from tui.core.errors import ProviderError
from tui.core.models import ProviderKind, utcnow
from tui.core.session import Session
from tui.core.submit.submitter import plan_file, submit_file
from tui.sim import SimOptions, Simulator


def openai_file(path: Path, count: int) -> Path:
    lines = (
        orjson.dumps(
            {
                "custom_id": f"o-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"{i}"}]},
            }
        )
        for i in range(count)
    )
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def twelve_requests_for(
    sim: Simulator, tmp_path: Path, provider: str
) -> tuple[Profile, Path, str, dict[str, Any]]:
    """Profile ``a`` at ``provider`` on ``sim``, a file of 12 requests for it, the route of its
    create call, and the simulator's batches of that provider."""
    if provider == "anthropic":
        path = write_requests(tmp_path / "job.jsonl", 12)
        return profile_for(sim), path, "anthropic.create", sim.state.anthropic
    profile = Profile("a", ProviderKind.OPENAI, api_key="sk-o", base_url=sim.openai_base_url)
    path = openai_file(tmp_path / "job.jsonl", 12)
    return profile, path, "openai.batches.create", sim.state.openai


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
async def test_a_lost_create_answer_makes_one_batch(
    sim: Simulator, tmp_path: Path, provider: str
) -> None:
    profile, path, route, created = twelve_requests_for(sim, tmp_path, provider)
    config = Config(path=tmp_path / "config.toml", profiles={"a": profile})
    async with Session.open(config, tmp_path / "cache.db") as session:
        sim.faults.inject(route=route, kind="drop", count=1)
        with pytest.raises(ProviderError):
            await submit_file(session, plan_file(path, profile))
        assert sim.counters[route] == 1  # the SDK did not retry the create by itself
        assert len(created) == 1

        progress = []
        [batch] = await submit_file(session, plan_file(path, profile), progress=progress.append)
        assert [p.stage for p in progress] == ["adopted"]
        assert len(created) == 1
        assert batch.id in created


@pytest.mark.parametrize(
    ("provider", "skew"),
    [
        ("anthropic", timedelta(minutes=10)),  # no token: count and time, within CLOCK_SKEW
        ("openai", timedelta(minutes=10)),
        ("openai", timedelta(hours=3)),  # the token decides, however far the clocks disagree
    ],
)
async def test_a_lost_create_is_adopted_when_the_providers_clock_runs_behind(
    tmp_path: Path, provider: str, skew: timedelta
) -> None:
    # The simulator's clock is `skew` behind ours: the batch it makes looks older than the
    # ledger row that was written before the create call.
    sim = Simulator(
        SimOptions(seed=5, speed=0.0, expire_rate=0.0, error_rate=0.0, start=utcnow() - skew)
    )
    await sim.start(host="127.0.0.1", port=0)
    try:
        profile, path, route, created = twelve_requests_for(sim, tmp_path, provider)
        config = Config(path=tmp_path / "config.toml", profiles={"a": profile})
        async with Session.open(config, tmp_path / "cache.db") as session:
            sim.faults.inject(route=route, kind="drop", count=1)
            with pytest.raises(ProviderError):
                await submit_file(session, plan_file(path, profile))
            progress = []
            [batch] = await submit_file(session, plan_file(path, profile), progress=progress.append)
            assert [p.stage for p in progress] == ["adopted"]
            assert list(created) == [batch.id]
    finally:
        await sim.stop()
