"""``batchtui submit|retry|results|attach`` end to end on the simulator.

The simulator serves on the test's event loop while each command runs ``asyncio.run`` in a
worker thread, exactly as from a shell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from builders import params, write_requests
from cli_support import ANTHROPIC_KEY, cli

from tui.cli.main import main
from tui.core.models import ResultType
from tui.core.store import Store
from tui.sim import Simulator


@pytest.fixture
async def failing_sim(sim_with: Callable[..., Awaitable[Simulator]]) -> Simulator:
    return await sim_with(seed=11, speed=0.0, expire_rate=1.0, error_rate=0.3)


async def test_submit_reports_problems_by_line_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        orjson.dumps({"custom_id": "a", "params": params(1)}).decode()
        + "\n{not json\n"
        + orjson.dumps({"custom_id": "a", "params": params(2)}).decode()
        + "\n"
    )
    code, _, err = await cli(capsys, tmp_path, sim, "submit", str(path), "--yes")
    assert code == 2
    assert "line 2: invalid JSON" in err
    assert "line 3: duplicate custom_id 'a' (first on line 1)" in err
    assert len(sim.state.anthropic) == 0


async def test_dry_run_estimates_and_max_cost_refuses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    path = write_requests(tmp_path / "job.jsonl", 30)
    code, out, _ = await cli(capsys, tmp_path, sim, "submit", str(path), "--dry-run")
    assert code == 0
    assert "30 anthropic requests" in out
    assert "counted exactly" in out
    assert "cost:" in out
    assert "dry run" in out
    code, _, err = await cli(
        capsys, tmp_path, sim, "submit", str(path), "--max-cost", "0.000001", "--yes"
    )
    assert code == 1
    assert "exceeds --max-cost" in err
    assert len(sim.state.anthropic) == 0


async def test_submit_then_refuse_resubmit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    path = write_requests(tmp_path / "job.jsonl", 10)
    code, out, err = await cli(
        capsys, tmp_path, sim, "submit", str(path), "--yes", "--label", "job"
    )
    assert code == 0
    batch_id = out.strip().splitlines()[-1]
    assert batch_id in sim.state.anthropic
    assert "created" in err
    code, _, err = await cli(capsys, tmp_path, sim, "submit", str(path), "--yes")
    assert code == 1
    assert f"already submitted as {batch_id}" in err
    assert len(sim.state.anthropic) == 1


async def test_retry_results_and_retry_file_round_trip(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, failing_sim: Simulator
) -> None:
    sim = failing_sim
    path = write_requests(tmp_path / "job.jsonl", 40)
    _, out, _ = await cli(capsys, tmp_path, sim, "submit", str(path), "--yes")
    batch_id = out.strip().splitlines()[-1]
    sim.clock.advance(hours=40)
    await _sync_results(tmp_path, sim, batch_id)
    async with await Store.open(tmp_path / "data" / "batchtui.db") as store:
        counts = await store.results.counts_by_type(batch_id)
    failed = counts[ResultType.ERRORED] + counts[ResultType.EXPIRED]
    assert failed > 0

    # JSONL export: one row per result, with its params.
    out_file = tmp_path / "results.jsonl"
    code, _, _ = await cli(capsys, tmp_path, sim, "results", batch_id[:20], "--out", str(out_file))
    assert code == 0
    rows = [orjson.loads(line) for line in out_file.read_text().splitlines()]
    assert len(rows) == 40
    by_id = {r["custom_id"]: r for r in rows}
    assert by_id["req-0007"]["params"] == params(7)
    assert {r["type"] for r in rows} <= {t.value for t in ResultType}
    assert ANTHROPIC_KEY not in out_file.read_text()

    # CSV export of the errored ones only.
    code, out, _ = await cli(
        capsys, tmp_path, sim, "results", batch_id, "--type", "errored", "--format", "csv"
    )
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == counts[ResultType.ERRORED]
    assert all(orjson.loads(row["params"])["model"] == "claude-haiku-4-5" for row in table)

    # A retry file is a valid requests file of exactly the failed requests.
    retry_file = tmp_path / "retry.jsonl"
    await cli(capsys, tmp_path, sim, "results", batch_id, "--retry-file", "--out", str(retry_file))
    lines = [orjson.loads(line) for line in retry_file.read_text().splitlines()]
    assert len(lines) == failed
    assert all(set(line) == {"custom_id", "params"} for line in lines)

    # retry --dry-run says what it would send; retry --yes sends it.
    code, out, _ = await cli(capsys, tmp_path, sim, "retry", batch_id, "--dry-run")
    assert f"retry {failed} request(s)" in out
    code, out, _ = await cli(capsys, tmp_path, sim, "retry", batch_id, "--yes")
    assert code == 0
    retry_id = out.strip().splitlines()[-1]
    assert sorted(sim.state.anthropic[retry_id].table.custom_ids) == sorted(
        line["custom_id"] for line in lines
    )

    # The lineage, from either end: the retried requests are pending in the retry.
    code, out, _ = await cli(capsys, tmp_path, sim, "lineage", retry_id[:20], "--json")
    assert code == 0
    doc = orjson.loads(out)
    assert doc["root"] == batch_id
    assert [(b["id"], b["parent_id"]) for b in doc["batches"]] == [
        (batch_id, None),
        (retry_id, batch_id),
    ]
    assert doc["requests"] == 40
    assert doc["latest"]["pending"] == len(lines)
    assert doc["latest"]["succeeded"] == counts[ResultType.SUCCEEDED]
    assert len(doc["missing"]) == failed
    retried = {line["custom_id"] for line in lines}
    assert {m["custom_id"] for m in doc["missing"] if m["batch_id"] == retry_id} == retried

    # Once the retry has ended and its results are synced, each request counts once, as the
    # retry's outcome: nothing pending, and the tally still covers the 40 requests.
    sim.clock.advance(hours=40)
    code, _, err = await cli(capsys, tmp_path, sim, "sync", "--profile", "a")
    assert code == 0, err
    code, out, _ = await cli(capsys, tmp_path, sim, "lineage", batch_id, "--json")
    doc = orjson.loads(out)
    assert doc["latest"]["pending"] == 0
    assert sum(doc["latest"].values()) == 40
    assert doc["latest"]["succeeded"] > counts[ResultType.SUCCEEDED]
    code, out, _ = await cli(capsys, tmp_path, sim, "lineage", batch_id, "--missing")
    assert f"└ {retry_id}" in out
    assert f"{len(doc['missing'])} request(s) still without a success:" in out
    assert all(m["custom_id"] in out for m in doc["missing"])


async def test_attach_links_params_of_a_batch_made_elsewhere(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    from anthropic import AsyncAnthropic

    path = write_requests(tmp_path / "orig.jsonl", 5)
    client = AsyncAnthropic(api_key=ANTHROPIC_KEY, base_url=sim.anthropic_base_url)
    created = await client.messages.batches.create(
        requests=[{"custom_id": f"req-{i:04d}", "params": params(i)} for i in range(5)]
    )
    await client.close()
    code, out, _ = await cli(
        capsys, tmp_path, sim, "attach", created.id, str(path), "--profile", "a"
    )
    assert code == 0
    assert "5 request(s)" in out
    async with await Store.open(tmp_path / "data" / "batchtui.db") as store:
        assert await store.requests.count(created.id) == 5


def test_dry_run_works_without_any_profile(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_requests(tmp_path / "job.jsonl", 3)
    argv = ["--data-dir", str(tmp_path / "data")]  # no config file (a named one must exist)
    code = main([*argv, "submit", str(path), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "estimated locally" in out
    assert "dry run: nothing submitted" in out


async def test_cli_errors_end_with_what_to_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    path = tmp_path / "openai.jsonl"
    line = {"custom_id": "c1", "method": "POST", "url": "/v1/chat/completions"}
    path.write_bytes(orjson.dumps({**line, "body": {"model": "gpt-4o-mini"}}) + b"\n")
    code, _, err = await cli(capsys, tmp_path, sim, "submit", str(path), "--profile", "a")
    assert code == 2
    assert err.strip().endswith(
        "holds openai requests but profile 'a' is anthropic; pick another with --profile"
    )


async def _sync_results(tmp_path: Path, sim: Simulator, batch_id: str) -> None:
    """Fetch the ended batch and its results into the CLI's cache (as ``batchtui`` would)."""
    from tui.core.config import Profile
    from tui.core.models import ProviderKind
    from tui.core.providers.factory import make_provider

    async with await Store.open(tmp_path / "data" / "batchtui.db") as store:
        provider = make_provider(
            Profile(
                "a", ProviderKind.ANTHROPIC, api_key=ANTHROPIC_KEY, base_url=sim.anthropic_base_url
            )
        )
        await store.batches.upsert([await provider.get_batch(batch_id)])
        batch = await store.batches.get(batch_id)
        async for chunk in provider.stream_results(batch):
            await store.results.write(chunk)
        await provider.close()


async def test_retry_leaves_out_what_would_fail_again_and_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    """A retired model (not_found_error) and max_tokens over the model's maximum
    (invalid_request_error) fail the same way when resent: left out unless asked for."""
    path = write_requests(tmp_path / "job.jsonl", 6)
    retired = {**params(6), "model": "claude-3-5-sonnet-20241022"}
    too_long = {**params(7), "max_tokens": 100_000}
    with path.open("ab") as handle:
        handle.write(orjson.dumps({"custom_id": "q-retired", "params": retired}) + b"\n")
        handle.write(orjson.dumps({"custom_id": "q-too-long", "params": too_long}) + b"\n")
    _, out, _ = await cli(capsys, tmp_path, sim, "submit", str(path), "--yes")
    batch_id = out.strip().splitlines()[-1]
    sim.clock.advance(hours=40)
    await _sync_results(tmp_path, sim, batch_id)

    code, out, _ = await cli(capsys, tmp_path, sim, "retry", batch_id, "--dry-run")
    assert code == 0
    assert (
        "left out 1 not_found_error (unknown or retired model) and 1 invalid_request_error "
        "(the request itself is wrong): they would fail again unchanged "
        "(--include-invalid resends them)"
    ) in " ".join(out.split())
    assert "retry 0 request(s)" in out

    code, out, _ = await cli(
        capsys, tmp_path, sim, "retry", batch_id, "--dry-run", "--include-invalid"
    )
    assert "retry 2 request(s)" in out
    assert "left out" not in out
    code, out, _ = await cli(
        capsys, tmp_path, sim, "retry", batch_id, "--dry-run", "--error-type", "not_found_error"
    )
    assert "retry 1 request(s)" in out


async def test_submit_warns_with_line_numbers_but_still_sends(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sim: Simulator
) -> None:
    path = write_requests(tmp_path / "job.jsonl", 2)
    with path.open("ab") as handle:
        too_long = {**params(2), "max_tokens": 100_000}
        unknown = {**params(3), "model": "claude-nonexistent-9"}
        handle.write(orjson.dumps({"custom_id": "q-long", "params": too_long}) + b"\n")
        handle.write(orjson.dumps({"custom_id": "q-unknown", "params": unknown}) + b"\n")
    code, out, _ = await cli(capsys, tmp_path, sim, "submit", str(path), "--dry-run")
    assert code == 0
    assert "warning: line 3: max_tokens 100,000 is over the 64,000 output tokens" in out
    assert "warning: line 4: unknown model 'claude-nonexistent-9'" in out
    assert out.count("the provider's catalogue may be newer") == 2
    assert "dry run: nothing submitted" in out
    code, out, _ = await cli(capsys, tmp_path, sim, "submit", str(path), "--yes")
    assert code == 0  # warnings never stop a submit
    batch_id = out.strip().splitlines()[-1]
    assert len(sim.state.anthropic[batch_id].table.custom_ids) == 4
