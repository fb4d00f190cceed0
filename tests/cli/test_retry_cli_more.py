"""``batchtui retry`` beyond failures: an OpenAI batch made elsewhere (its input file is fetched
from the provider, once), and ``--truncated --max-tokens N`` (answers cut off at max_tokens)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from builders import write_requests
from cli_support import OPENAI_KEY, cli

from tui.core.store import Store
from tui.sim import Simulator


@pytest.fixture
async def failing_sim(sim_with: Callable[..., Awaitable[Simulator]]) -> Simulator:
    return await sim_with(seed=11, speed=0.0, error_rate=0.3)


async def openai_batch_made_elsewhere(sim: Simulator, count: int) -> str:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=OPENAI_KEY, base_url=sim.openai_base_url)
    lines = [
        orjson.dumps(
            {
                "custom_id": f"o-{i:03d}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"{i}"}]},
            }
        )
        for i in range(count)
    ]
    uploaded = await client.files.create(file=("in.jsonl", b"\n".join(lines)), purpose="batch")
    batch = await client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    await client.close()
    return batch.id


async def test_openai_batch_made_elsewhere_is_retried_from_its_input_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, failing_sim: Simulator
) -> None:
    sim = failing_sim
    batch_id = await openai_batch_made_elsewhere(sim, 30)
    sim.clock.advance(hours=30)
    code, _, _ = await cli(capsys, tmp_path, sim, "sync")
    assert code == 0
    async with await Store.open(tmp_path / "data" / "batchtui.db") as store:
        assert await store.requests.count(batch_id) == 0  # nothing attached
        failed = sorted(
            [r.custom_id async for r in store.results.iterate(batch_id) if r.type != "succeeded"]
        )
    assert failed

    code, out, err = await cli(capsys, tmp_path, sim, "retry", batch_id, "--dry-run")
    assert code == 0, err
    assert "fetching the input file" in err
    assert f"retry {len(failed)} request(s)" in out
    assert "no stored params" not in out

    # Fetched once: the params are stored now, the next plan does not fetch again.
    code, out, err = await cli(capsys, tmp_path, sim, "retry", batch_id, "--yes")
    assert code == 0, err
    assert "fetching" not in err
    retry_id = out.strip().splitlines()[-1]
    assert sorted(sim.state.openai[retry_id].table.custom_ids) == failed


async def test_truncated_answers_are_resent_with_the_chosen_max_tokens(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    path = write_requests(tmp_path / "job.jsonl", 12)
    short = [
        orjson.dumps(
            {**orjson.loads(line), "params": {**orjson.loads(line)["params"], "max_tokens": 2}}
        )
        for line in path.read_bytes().splitlines()
    ]
    path.write_bytes(b"\n".join(short) + b"\n")
    _, out, _ = await cli(capsys, tmp_path, sim, "submit", str(path), "--yes")
    batch_id = out.strip().splitlines()[-1]
    sim.clock.advance(hours=30)
    await cli(capsys, tmp_path, sim, "sync")
    async with await Store.open(tmp_path / "data" / "batchtui.db") as store:
        truncated = sorted(
            [
                r.custom_id
                async for r in store.results.iterate(batch_id)
                if r.stop_reason == "max_tokens"
            ]
        )
    assert truncated

    code, out, err = await cli(capsys, tmp_path, sim, "retry", batch_id, "--truncated")
    assert code == 2
    assert "--max-tokens" in err

    code, out, err = await cli(
        capsys, tmp_path, sim, "retry", batch_id, "--truncated", "--max-tokens", "900", "--yes"
    )
    assert code == 0, err
    assert f"retry {len(truncated)} truncated request(s)" in out
    assert "max_tokens 900" in out
    retry_id = out.strip().splitlines()[-1]
    table = sim.state.anthropic[retry_id].table
    assert sorted(table.custom_ids) == truncated
    assert {orjson.loads(p)["max_tokens"] for p in table.params} == {900}

    # The same truncated retry with another max_tokens is a new request, not a duplicate.
    code, out, err = await cli(
        capsys, tmp_path, sim, "retry", batch_id, "--truncated", "--max-tokens", "2000", "--yes"
    )
    assert code == 0, err


async def test_every_command_takes_the_short_id_the_list_shows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, failing_sim: Simulator
) -> None:
    from tui.display.formatting import short_id

    sim = failing_sim
    path = write_requests(tmp_path / "job.jsonl", 10)
    _, out, _ = await cli(capsys, tmp_path, sim, "submit", str(path), "--yes")
    batch_id = out.strip().splitlines()[-1]
    sim.clock.advance(hours=30)
    await cli(capsys, tmp_path, sim, "sync")
    shown = short_id(batch_id)  # "HkcTjaV5uDC…": provider prefix left out, cut with …
    assert shown.endswith("…")
    for args in (
        ("show", shown),
        ("results", shown, "--out", str(tmp_path / "r.jsonl")),
        ("retry", shown, "--dry-run"),
        ("lineage", shown),
    ):
        code, out, err = await cli(capsys, tmp_path, sim, *args)
        assert code == 0, (args, err)
        assert batch_id in out + err or args[0] == "results", args


async def test_a_canceled_openai_batch_counts_its_unrun_requests_as_canceled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, failing_sim: Simulator
) -> None:
    from openai import AsyncOpenAI

    from tui.core.config import Profile
    from tui.core.models import ProviderKind
    from tui.core.providers.factory import make_provider

    sim = failing_sim
    batch_id = await openai_batch_made_elsewhere(sim, 200)
    sim.clock.advance(minutes=1)
    client = AsyncOpenAI(api_key=OPENAI_KEY, base_url=sim.openai_base_url)
    await client.batches.cancel(batch_id)
    await client.close()
    sim.clock.advance(hours=1)

    # Before any result is downloaded: what the provider says, unrun requests as canceled.
    provider = make_provider(
        Profile("o", ProviderKind.OPENAI, api_key=OPENAI_KEY, base_url=sim.openai_base_url)
    )
    batch = await provider.get_batch(batch_id)
    await provider.close()
    assert batch.counts.canceled > 0
    assert batch.counts.errored == 0

    # After the sync downloaded the results: real errors errored, the rest canceled.
    await cli(capsys, tmp_path, sim, "sync")
    code, out, _ = await cli(capsys, tmp_path, sim, "ls", "--json")
    assert code == 0
    [row] = [r for r in orjson.loads(out) if r["id"] == batch_id]
    counts = row["counts"] if "counts" in row else row["request_counts"]
    assert counts["canceled"] > 0
    assert counts["canceled"] + counts["errored"] + counts["succeeded"] == 200
