"""Needs attention clears (acknowledged, or retries left no failure), saved in the cache by a
migration; running batches get a pace and an ETA from their count history (issue 15)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from builders import T0, ended_batch, make_batch, make_result

from tui.core.attention import BY_RETRIES, BY_USER, needs_attention, settle_lineages
from tui.core.models import RequestCounts, ResultType
from tui.core.pace import pace_of, read_etas, read_pace
from tui.core.store import Store
from tui.core.store.migrations import LATEST_VERSION, MIGRATIONS


async def test_version_4_caches_upgrade_and_keep_their_batches(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    old = sqlite3.connect(path)
    for version, script in MIGRATIONS[:4]:
        old.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    old.execute(
        "INSERT INTO batches (id, profile, provider, status, provider_status, errored, "
        "created_at, deleted_remotely) VALUES ('b1', 'p', 'anthropic', 'ended', 'ended', 3, 0, 1)"
    )
    old.commit()
    old.close()
    store = await Store.open(path)
    try:
        assert await store.db.fetch_int("PRAGMA user_version") == LATEST_VERSION  # 5 and on
        batch = await store.batches.get("b1")
        assert batch.acknowledged_at is None
        assert batch.deleted_remotely
        assert needs_attention(batch)
        await store.batches.acknowledge(["b1"], T0, BY_USER)
        batch = await store.batches.get("b1")
        assert (batch.acknowledged_at, batch.acknowledged_by) == (T0, BY_USER)
        assert not needs_attention(batch)
        await store.batches.acknowledge(["b1"], None, BY_USER)
        assert needs_attention(await store.batches.get("b1"))
    finally:
        await store.close()


async def test_a_lineage_with_no_failure_left_clears_from_attention(store: Store) -> None:
    await store.batches.upsert(
        [ended_batch("parent", counts=RequestCounts(succeeded=1, errored=1))]
    )
    await store.results.write(
        [
            make_result("a", batch_id="parent"),
            make_result("b", ResultType.ERRORED, batch_id="parent"),
        ]
    )
    child = ended_batch("child", counts=RequestCounts(succeeded=1))
    child.parent_id = "parent"
    await store.batches.insert_local(child)
    await store.results.write([make_result("b", batch_id="child")])
    lonely = ended_batch("lonely", counts=RequestCounts(succeeded=0, errored=1))
    await store.batches.upsert([lonely])

    assert await settle_lineages(store, ["child", "lonely"], T0) == ["parent"]
    parent = await store.batches.get("parent")
    assert parent.acknowledged_by == BY_RETRIES
    assert not needs_attention(parent)
    assert needs_attention(await store.batches.get("lonely"))  # no retry: only the user can


async def test_a_lineage_still_failing_stays(store: Store) -> None:
    await store.batches.upsert([ended_batch("parent", counts=RequestCounts(errored=2))])
    await store.results.write(
        [
            make_result("a", ResultType.ERRORED, batch_id="parent"),
            make_result("b", ResultType.ERRORED, batch_id="parent"),
        ]
    )
    child = ended_batch("child", counts=RequestCounts(succeeded=1))
    child.parent_id = "parent"
    await store.batches.insert_local(child)
    await store.results.write([make_result("a", batch_id="child")])
    assert await settle_lineages(store, ["child"], T0) == []
    assert needs_attention(await store.batches.get("parent"))


async def test_pace_and_eta_from_the_count_history(store: Store) -> None:
    batch = make_batch("run", counts=RequestCounts(processing=100))
    await store.batches.record_counts([batch], T0)
    moved = make_batch("run", counts=RequestCounts(processing=70, succeeded=30))
    await store.batches.record_counts(
        [moved, ended_batch("done", counts=RequestCounts(succeeded=5))], T0 + timedelta(minutes=10)
    )
    assert [s[1] for s in await store.batches.count_samples("run")] == [0, 30]
    assert await store.batches.count_samples("done") == []  # ended: no pace to keep

    pace = await read_pace(store, "run", T0 + timedelta(minutes=10))
    assert pace is not None
    assert pace.per_minute == pytest.approx(3.0)
    assert pace.eta == T0 + timedelta(minutes=10 + 70 / 3)
    # The list reads every running batch's ETA in one go: the same ETA, and none without pace.
    await store.batches.record_counts([make_batch("still", counts=RequestCounts(processing=9))], T0)
    etas = await read_etas(store, ["run", "still", "unknown"], T0 + timedelta(minutes=10))
    assert etas == {"run": pace.eta}


def test_no_pace_without_two_samples_or_progress() -> None:
    assert pace_of([], T0) is None
    assert pace_of([(T0, 5, 10)], T0) is None
    still = pace_of([(T0, 5, 10), (T0 + timedelta(minutes=5), 5, 10)], T0 + timedelta(minutes=5))
    assert still is not None
    assert still.eta is None
