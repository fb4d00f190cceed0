"""``batchtui sync|ls|show|watch|cancel|delete`` against the simulator, through ``main``.

The simulator runs in the test's event loop, so each command runs in a thread (it has its own
``asyncio.run``).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import orjson
import pytest
from cli_support import ANTHROPIC_KEY, FAST_POLL, OPENAI_KEY, PARAMS, write_sim_config

from tui.sim import Simulator


@pytest.fixture
def cli(sim: Simulator, tmp_path: Path, batchtui):
    """Run ``batchtui ARGS`` with profiles ``a`` and ``o``; returns (exit code, stdout, stderr)."""
    write_sim_config(tmp_path / "config.toml", sim, openai="o", settings=FAST_POLL)
    return batchtui


def anthropic_batch(sim: Simulator, count: int = 5, hours_ago: float = 0.0) -> str:
    pairs = [(f"r{i}", PARAMS) for i in range(count)]
    created = sim.clock.time() - hours_ago * 3600
    return sim.state.create_anthropic(pairs, created, duration=1800).id


def openai_batch(sim: Simulator, count: int = 4) -> str:
    line = {"method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o-mini"}}
    data = b"".join(orjson.dumps({"custom_id": f"c{i}", **line}) + b"\n" for i in range(count))
    record = sim.state.add_file("in.jsonl", "batch", data, sim.clock.time() - 7200)
    return sim.state.create_openai(
        input_file=record,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata=None,
        created=sim.clock.time() - 7200,
        duration=600,
    ).id


async def test_sync_then_ls_and_show_from_the_cache(sim: Simulator, cli) -> None:
    ended = anthropic_batch(sim, hours_ago=2)
    active = anthropic_batch(sim, count=3)
    finished_openai = openai_batch(sim)

    code, out, err = await cli("sync")
    assert code == 0, err
    assert "a: 2 batches (1 active), 2 new or changed, 5 results downloaded" in out
    assert "o: 1 batches (0 active), 1 new or changed, 4 results downloaded" in out

    calls = dict(sim.counters)
    code, out, _ = await cli("ls", "--json")
    assert code == 0
    listed = orjson.loads(out)
    assert {b["id"] for b in listed} == {ended, active, finished_openai}
    assert sim.counters == calls  # ls reads the cache only

    code, out, _ = await cli("ls", "--status", "active", "--json")
    assert [b["id"] for b in orjson.loads(out)] == [active]
    code, out, _ = await cli("ls", "--profile", "o")
    assert finished_openai in out
    assert ended not in out

    code, out, _ = await cli("show", ended[:14], "--json")
    shown = orjson.loads(out)
    assert shown["id"] == ended
    assert shown["status"] == "ended"
    assert shown["results_state"] == "complete"
    assert shown["results"] == {
        "stored": 5,
        "by_type": {"succeeded": 5, "errored": 0, "canceled": 0, "expired": 0},
    }
    assert shown["counts"]["total"] == 5
    assert shown["raw"]["id"] == ended
    assert shown["created_at"].endswith("Z")

    code, out, _ = await cli("show", finished_openai)
    assert code == 0
    assert "results     complete, 4 stored locally" in out


async def test_watch_prints_each_transition_and_rings_when_one_ends(sim: Simulator, cli) -> None:
    batch_id = anthropic_batch(sim, count=3)
    await cli("sync")
    sim.clock.advance(hours=1)
    code, out, _ = await cli("watch", "--interval", "0")
    assert code == 0
    assert f"{batch_id}  in_progress → ended  (3/3 done, 0 failed)\a" in out
    assert out.rstrip().endswith("no active batches")


async def test_cancel_and_delete_ask_first_and_refuse_what_cannot_be_done(
    sim: Simulator, cli
) -> None:
    batch_id = anthropic_batch(sim, count=30)
    await cli("sync")

    code, _, err = await cli("cancel", batch_id)
    assert code == 2
    assert "--yes" in err
    code, _, err = await cli("delete", batch_id, "--yes")
    assert code == 1
    assert "cancel it first" in err
    assert err.count("\n") == 1

    code, out, _ = await cli("cancel", batch_id, "--yes")
    assert code == 0
    assert out.strip() == f"{batch_id}: canceling"
    assert sim.state.anthropic[batch_id].cancel_at is not None

    sim.clock.advance(minutes=5)
    await cli("sync")
    code, out, err = await cli("delete", batch_id[:16], "--yes")
    assert code == 0, err
    assert batch_id not in sim.state.anthropic
    code, out, _ = await cli("show", batch_id, "--json")
    assert orjson.loads(out)["status"] == "canceled"  # the local copy stays


async def test_errors_are_one_line_without_traceback(
    sim: Simulator, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = await cli("show", "msgbatch_nope")
    assert code == 4
    assert err.startswith("batchtui: no batch")

    sim.revoke_key(ANTHROPIC_KEY)
    sim.revoke_key(OPENAI_KEY)
    code, _, err = await cli("sync")
    assert code == 4
    assert err.strip().splitlines()[-1].startswith("batchtui: sync failed for every profile")
    assert "Traceback" not in err
    assert ANTHROPIC_KEY not in err

    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code, _, err = await cli("sync")
    assert code == 2
    assert "ANTHROPIC_API_KEY" in err
    assert len(err.strip().splitlines()) == 1

    (tmp_path / "data" / "batchtui.db").write_bytes(b"this is not a database" * 100)
    code, _, err = await cli("ls")
    assert code == 3
    assert "corrupt" in err
    assert len(err.strip().splitlines()) == 1


async def test_one_profile_without_key_is_skipped_with_a_warning(
    sim: Simulator, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    anthropic_batch(sim, hours_ago=2)
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out, err = await cli("sync")
    assert code == 0
    assert "a: 1 batches" in out
    assert "profile 'o': misconfigured" in err


EVIL = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m\u202eevil\x1b[0m"
"""Escape sequences a label or a provider's message could carry: clipboard write (OSC 52),
screen clear, an 8-bit CSI and a bidi override."""


def assert_terminal_safe(text: str) -> None:
    assert not any(ch in text for ch in "\x1b\x07\x9b\u202e"), repr(text)


async def test_untrusted_text_never_reaches_the_terminal_as_escapes(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    from tui.core.models import RequestResult, ResultType
    from tui.core.store import Store

    ended = anthropic_batch(sim, hours_ago=2)
    code, _, err = await cli("sync")
    assert code == 0, err
    async with await Store.open(tmp_path / "data" / "batchtui.db") as store:
        await store.batches.annotate(ended, label=f"label {EVIL}", notes=f"notes\n{EVIL}")
        failed = RequestResult(
            ended, "r0", ResultType.ERRORED, error_type=EVIL, error_message=f"boom {EVIL}"
        )
        await store.results.write([failed])

    for args in (("ls",), ("show", ended), ("cost", "--by", "batch"), ("show", EVIL)):
        code, out, err = await cli(*args)
        assert_terminal_safe(out + err)
    assert code != 0
    assert "no batch" in err
    code, out, _ = await cli("show", ended)
    assert "label evil" in out
    assert "boom evil" in out


async def test_sync_with_one_profile_down_exits_5_and_prints_every_profile(
    sim: Simulator, cli
) -> None:
    anthropic_batch(sim, hours_ago=2)
    openai_batch(sim)
    sim.revoke_key(OPENAI_KEY)
    code, out, err = await cli("sync")
    assert code == 5
    assert "a: 1 batches (0 active), 1 new or changed, 5 results downloaded" in out
    assert "o: 0 batches (0 active), 0 new or changed, 0 results downloaded (not synced" in out
    assert "profile 'o': unauthorized" in err
    assert err.strip().splitlines()[-1].startswith("batchtui: sync failed for profile(s) o")


async def test_watch_does_not_claim_no_active_batches_when_the_import_failed(
    sim: Simulator, cli
) -> None:
    for _ in range(3):
        anthropic_batch(sim, count=2)  # running, and never seen: the import fails
    sim.revoke_key(ANTHROPIC_KEY)
    sim.revoke_key(OPENAI_KEY)
    code, out, err = await cli("watch", "--interval", "0")
    assert code == 4
    assert "no active batches" not in out
    assert "watch failed for every profile" in err


async def test_watch_announces_a_rate_limited_wait(sim: Simulator, cli) -> None:
    batch_id = anthropic_batch(sim, count=3)
    await cli("sync")
    # A poll reads the newest page of the list: it and both of the SDK's own retries get a 429.
    listed = sim.counters["anthropic.list"]
    sim.faults.inject(route="anthropic.list", kind="429", count=3, retry_after_ms=200)
    watch = asyncio.create_task(cli("watch", "--interval", "0"))
    async with asyncio.timeout(60):  # a regression fails here rather than hang
        while sim.counters["anthropic.list"] < listed + 3 and not watch.done():
            await asyncio.sleep(0.01)  # a condition, not a duration: the 429s have been served
    sim.clock.advance(hours=1)  # the batch ends; watch sees it at its next poll, whenever
    code, out, err = await watch
    assert code == 0, err
    assert "profile 'a': rate_limited: rate-limited, waiting" in err
    assert re.search(r"waiting 0\.\d+ s \(rate-limited\)", err), err
    assert f"{batch_id}  in_progress → ended" in out


async def test_a_status_line_names_the_profile_once(sim: Simulator, cli) -> None:
    anthropic_batch(sim, hours_ago=2)
    sim.revoke_key(OPENAI_KEY)
    _, _, err = await cli("sync")
    [line] = [line for line in err.splitlines() if line.startswith("profile 'o'")]
    assert line.count("'o'") == 1


async def test_results_of_a_batch_with_nothing_downloaded_says_so(sim: Simulator, cli) -> None:
    batch_id = anthropic_batch(sim, count=3)  # running: nothing to download yet
    await cli("sync")
    code, out, err = await cli("results", batch_id)
    assert code == 1
    assert out == ""
    assert f"no results of {batch_id} are stored locally" in err


async def test_a_dropped_download_says_so_and_names_the_profile_once(sim: Simulator, cli) -> None:
    anthropic_batch(sim, count=2000, hours_ago=2)
    sim.faults.inject(route="anthropic.results", kind="drop", after_bytes=200_000)
    code, _, err = await cli("sync", "--profile", "a")
    assert code == 4
    [line] = [line for line in err.splitlines() if line.startswith("profile 'a'")]
    assert line == (
        "profile 'a': offline: the connection dropped during a download (what arrived is "
        "kept; the next sync fetches the rest)"
    )
    assert "cannot reach the API" not in err


async def test_a_lost_create_answer_says_the_batch_may_exist(
    sim: Simulator, cli, tmp_path: Path
) -> None:
    path = tmp_path / "job.jsonl"
    path.write_bytes(
        b"".join(orjson.dumps({"custom_id": f"r{i}", "params": PARAMS}) + b"\n" for i in range(3))
    )
    sim.faults.inject(route="anthropic.create", kind="drop", count=1)
    code, _, err = await cli("submit", str(path), "--profile", "a", "--yes")
    assert code == 4
    assert "the batch may have been created anyway" in err
    assert "submitting the same file again looks for it and adopts it" in err
    code, _, err = await cli("submit", str(path), "--profile", "a", "--yes")
    assert code == 0, err
    assert len(sim.state.anthropic) == 1
    assert "dropped during a download" not in err  # a create is not a download


async def test_sync_waits_while_another_process_syncs_a_profile(
    sim: Simulator, cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.core.sync_lock import ProfileLock, lock_path

    anthropic_batch(sim, hours_ago=2)
    data = tmp_path / "data"
    data.mkdir()
    other = ProfileLock(lock_path(data, "a"))  # what a running `batchtui watch` holds
    assert other.try_acquire()
    syncing = asyncio.create_task(cli("sync"))
    out = err = ""
    async with asyncio.timeout(60):  # a regression fails here rather than hang
        while "waiting for it to finish" not in err:  # until sync has said that it waits
            await asyncio.sleep(0.01)
            captured = capsys.readouterr()
            out, err = out + captured.out, err + captured.err
    assert sim.counters["anthropic.list"] == 0  # nothing asked while the other one syncs
    assert not syncing.done()
    other.release()
    code, rest, _ = await syncing
    assert code == 0
    assert "a: 1 batches (0 active), 1 new or changed, 5 results downloaded" in out + rest
    assert err.count("another batchtui process is syncing it") == 1


async def test_delete_of_an_openai_batch_says_only_its_files_go(sim: Simulator, cli) -> None:
    batch_id = openai_batch(sim)
    sim.clock.advance(hours=1)
    await cli("sync")
    code, out, err = await cli("delete", batch_id, "--yes")
    assert code == 0, err
    assert out.strip() == f"{batch_id}: its files deleted at openai (kept in the local cache)"


async def test_sync_says_when_the_provider_asks_the_sdk_to_wait(sim: Simulator, cli) -> None:
    anthropic_batch(sim, hours_ago=2)
    # The SDK retries a 429 by itself, sleeping through retry-after: a long wait is announced.
    sim.faults.inject(route="anthropic.list", kind="429", count=1, retry_after_ms=1000)
    code, _out, err = await cli("sync")
    assert code == 0, err
    assert "profile 'a': rate-limited (HTTP 429); waiting 1 s before retrying" in err
    sim.faults.inject(route="anthropic.list", kind="429", count=1)  # 10 ms: not worth a line
    code, _out, err = await cli("sync")
    assert code == 0, err
    assert "before retrying" not in err
