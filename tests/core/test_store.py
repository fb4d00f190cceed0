"""The SQLite cache: idempotent writes, keyset paging, filters, search, groups, bad files."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from builders import T0, make_batch, make_result
from storekit import search_index_is_exact

from tui.core.errors import NotFoundError, StoreError
from tui.core.models import (
    BatchStatus,
    RequestCounts,
    ResultsState,
    ResultType,
    Usage,
)
from tui.core.store import ResultFilter, Store


async def test_database_file_is_private(store: Store) -> None:
    assert store.path.stat().st_mode & 0o777 == 0o600


async def test_upsert_refreshes_provider_fields_and_keeps_local_ones(store: Store) -> None:
    await store.batches.upsert([make_batch("b1")])
    await store.batches.annotate("b1", label="nightly", notes="check me", parent_id="b0")
    ended = make_batch(
        "b1",
        status=BatchStatus.ENDED,
        provider_status="ended",
        counts=RequestCounts(succeeded=9, errored=1),
        ended_at=T0 + timedelta(hours=1),
    )
    await store.batches.upsert([ended])
    batch = await store.batches.get("b1")
    assert batch.status is BatchStatus.ENDED
    assert batch.counts.total == 10
    assert batch.ended_at == T0 + timedelta(hours=1)
    assert (batch.label, batch.notes, batch.parent_id) == ("nightly", "check me", "b0")
    assert batch.raw == {"id": "b1"}


async def test_list_is_newest_first_and_filters(store: Store) -> None:
    await store.batches.upsert(
        [
            make_batch("old", 0),
            make_batch("new", 10, status=BatchStatus.ENDED),
            make_batch("mid", 5, profile="other"),
        ]
    )
    assert [b.id for b in await store.batches.list()] == ["new", "mid", "old"]
    assert [b.id for b in await store.batches.list(profile="work")] == ["new", "old"]
    active = await store.batches.list(statuses=[BatchStatus.IN_PROGRESS])
    assert [b.id for b in active] == ["mid", "old"]


async def test_find_by_prefix(store: Store) -> None:
    await store.batches.upsert([make_batch("msgbatch_abc"), make_batch("msgbatch_abd")])
    assert (await store.batches.find("msgbatch_abc")).id == "msgbatch_abc"
    with pytest.raises(NotFoundError, match="several"):
        await store.batches.find("msgbatch_ab")
    with pytest.raises(NotFoundError, match="no batch"):
        await store.batches.find("nope")


async def test_results_upsert_is_idempotent(store: Store) -> None:
    chunk = [make_result(f"r{i:03}") for i in range(50)]
    await store.results.write(chunk)
    await store.results.write(chunk[:20])  # a resumed download re-sends a prefix
    assert await store.results.count("b1") == 50


async def test_keyset_paging_forwards_and_backwards(store: Store) -> None:
    await store.results.write([make_result(f"r{i:03}") for i in range(100)])
    first = await store.results.page("b1", limit=30)
    assert [r.custom_id for r in first] == [f"r{i:03}" for i in range(30)]
    second = await store.results.page("b1", after=first[-1].custom_id, limit=30)
    assert second[0].custom_id == "r030"
    back = await store.results.page("b1", before="r030", limit=10)
    assert [r.custom_id for r in back] == [f"r{i:03}" for i in range(20, 30)]
    jump = await store.results.page_at("b1", offset=95, limit=10)
    assert [r.custom_id for r in jump] == [f"r{i:03}" for i in range(95, 100)]
    assert await store.results.position("b1", "r042") == 42
    assert first[0].raw == b""  # list pages leave the raw JSON out


async def test_filters_counts_and_error_groups(store: Store) -> None:
    await store.results.write(
        [
            make_result("a1"),
            make_result("a2", stop_reason="max_tokens"),
            make_result("e1", ResultType.ERRORED, error_message="max_tokens is too large: 9000"),
            make_result("e2", ResultType.ERRORED, error_message="max_tokens is too large: 12000"),
            make_result(
                "e3", ResultType.ERRORED, error_type="invalid_request_error", error_message="bad"
            ),
            make_result("x1", ResultType.EXPIRED, error_type=None, error_message=None),
        ]
    )
    counts = await store.results.counts_by_type("b1")
    assert counts[ResultType.ERRORED] == 3
    assert counts[ResultType.CANCELED] == 0
    errored = ResultFilter(types=frozenset({ResultType.ERRORED}))
    assert [r.custom_id for r in await store.results.page("b1", errored)] == ["e1", "e2", "e3"]
    assert await store.results.count("b1", ResultFilter(stop_reason="max_tokens")) == 1
    groups = await store.results.error_groups("b1")
    assert [(g.type, g.error_type, g.count) for g in groups] == [
        (ResultType.ERRORED, "api_error", 2),
        (ResultType.ERRORED, "invalid_request_error", 1),
        (ResultType.EXPIRED, None, 1),
    ]
    in_group = await store.results.page("b1", ResultFilter(error_key=groups[0].key))
    assert [r.custom_id for r in in_group] == ["e1", "e2"]
    assert await store.results.distinct_values("b1", "error_type") == {
        "api_error": 2,
        "invalid_request_error": 1,
    }


async def test_full_text_search_matches_prefixes_and_ignores_syntax(store: Store) -> None:
    await store.results.write(
        [
            make_result("a", text="The quick brown fox"),
            make_result("b", text="A lazy dog"),
            make_result("c", ResultType.ERRORED, error_message="overloaded upstream"),
        ]
    )
    assert [r.custom_id for r in await store.results.page("b1", ResultFilter(search="qui"))] == [
        "a"
    ]
    assert await store.results.count("b1", ResultFilter(search="overload")) == 1
    assert await store.results.count("b1", ResultFilter(search='dog" OR "fox')) == 0
    assert await store.results.count("b1", ResultFilter(search="***")) == 0


async def test_search_words_are_single_tokens(store: Store) -> None:
    """The index has no positions: a word the tokenizer would split must not become a phrase."""
    await store.results.write([make_result("a", text="call parse_chunks now")])
    assert await store.results.count("b1", ResultFilter(search="parse_chunks")) == 1
    assert await store.results.count("b1", ResultFilter(search="parse_chunk")) == 1
    assert await store.results.count("b1", ResultFilter(search="chunks parse")) == 1


async def test_appending_indexes_each_chunk_and_resumes_exactly(store: Store) -> None:
    await store.results.write([make_result("x", batch_id="b0", text="other batch fox")])
    await store.results.defer_search_index("b1")

    async def download_cut_short() -> None:
        async with store.results.appending("b1") as fast:
            assert fast
            await store.results.write([make_result(f"r{i:03}", text="fox") for i in range(50)])
            await store.results.write([make_result(f"r{i:03}", text="fox") for i in range(50, 80)])
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        await download_cut_short()
    # Every committed chunk was indexed with it: searchable before the download ends.
    assert await store.results.count("b1") == 80
    assert await store.results.count("b1", ResultFilter(search="fox")) == 80

    # The resumed download: rows exist, so upserts, and the index is built at the end.
    await store.results.defer_search_index("b1")
    async with store.results.appending("b1") as fast:
        assert not fast
        await store.results.write([make_result(f"r{i:03}", text="dog") for i in range(100)])
    await store.results.build_search_index("b1")
    assert await store.results.count("b1") == 100
    assert await store.results.count("b1", ResultFilter(search="dog")) == 100
    assert await store.results.count("b1", ResultFilter(search="fox")) == 0
    assert await store.results.count("b0", ResultFilter(search="fox")) == 1
    await search_index_is_exact(store)


async def test_appending_survives_a_custom_id_sent_twice(store: Store) -> None:
    await store.results.defer_search_index("b1")
    async with store.results.appending("b1") as fast:
        assert fast
        await store.results.write([make_result(f"r{i:03}", text="fox") for i in range(10)])
        await store.results.write([make_result(f"r{i:03}", text="dog") for i in range(5, 15)])
    await store.results.build_search_index("b1")
    assert await store.results.count("b1") == 15
    assert await store.results.count("b1", ResultFilter(search="dog")) == 10
    assert await store.results.count("b1", ResultFilter(search="fox")) == 5
    await search_index_is_exact(store)


async def test_upgrade_rebuilds_the_search_index(tmp_path: Path) -> None:
    from tui.core.store.migrations import MIGRATIONS

    path = tmp_path / "cache.db"
    old = sqlite3.connect(path)
    for version, script in MIGRATIONS[:3]:
        old.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    insert = (
        "INSERT INTO results (batch_id, custom_id, type, text, raw) "
        "VALUES (?, ?, 'succeeded', ?, x'7b7d')"
    )
    old.execute(insert, ("b1", "a", "quick brown fox"))
    old.execute("INSERT INTO fts_deferred (batch_id) VALUES ('b2')")  # a download cut short
    old.execute(insert, ("b2", "a", "lazy fox"))
    old.commit()
    old.close()

    store = await Store.open(path)
    try:
        assert await store.results.count("b1", ResultFilter(search="fox")) == 1
        assert await store.results.count("b2", ResultFilter(search="fox")) == 0
        await store.results.build_search_index("b2")
        assert await store.results.count("b2", ResultFilter(search="fox")) == 1
        await search_index_is_exact(store)
    finally:
        await store.close()


async def test_usage_groups_split_by_model_and_tier(store: Store) -> None:
    await store.results.write(
        [
            make_result("a", usage=Usage(input_tokens=100, output_tokens=10)),
            make_result("b", usage=Usage(input_tokens=50, cache_read_tokens=200_000)),
            make_result("c", model="gpt-4o-mini", usage=Usage(input_tokens=7, output_tokens=3)),
            make_result("d", ResultType.ERRORED),
        ]
    )
    groups = await store.results.usage_groups(tier_thresholds=[100_000])
    by_key = {(g.model, g.tier): g for g in groups}
    assert by_key[("claude-haiku-4-5", 0)].usage == Usage(input_tokens=100, output_tokens=10)
    assert by_key[("claude-haiku-4-5", 1)].usage.cache_read_tokens == 200_000
    assert by_key[("gpt-4o-mini", 0)].requests == 1
    assert sum(g.requests for g in groups) == 3


async def test_iterate_streams_everything_with_raw(store: Store) -> None:
    await store.results.write([make_result(f"r{i:04}") for i in range(2500)])
    seen = [r async for r in store.results.iterate("b1", chunk=1000)]
    assert len(seen) == 2500
    assert seen[-1].raw == b'{"custom_id": "r2499"}'


async def test_request_params_round_trip(store: Store) -> None:
    await store.requests.put("b1", [("a", b'{"model": "m"}'), ("b", b"{}")])
    assert await store.requests.get("b1", ["a", "zz"]) == {"a": b'{"model": "m"}'}
    assert [cid async for cid, _ in store.requests.iterate("b1")] == ["a", "b"]


async def test_results_state_and_models(store: Store) -> None:
    await store.batches.upsert([make_batch("b1")])
    await store.batches.set_results_state("b1", ResultsState.PARTIAL)
    await store.batches.set_models("b1", ["m2", "m1", "m2"])
    batch = await store.batches.get("b1")
    assert batch.results_state is ResultsState.PARTIAL
    assert batch.models == ("m1", "m2")


async def test_pages_use_the_indexes(store: Store) -> None:
    plan = await store.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT custom_id FROM results WHERE batch_id = ? AND type = ? "
        "AND custom_id > ? ORDER BY custom_id LIMIT 50",
        ("b1", "errored", ""),
    )
    text = " ".join(row[3] for row in plan)
    assert "results_by_type" in text
    assert "TEMP B-TREE" not in text


async def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"corrupt.*move it aside"):
        await Store.open(path)


async def test_locked_database_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tui.core.store.database.BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "cache.db"
    store = await Store.open(path)
    await store.close()
    store = await Store.open(path)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another process"):
            await store.batches.upsert([make_batch("b1")])
    finally:
        holder.rollback()
        holder.close()
        await store.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 999")
    connection.close()
    with pytest.raises(StoreError, match="newer than this batchtui"):
        await Store.open(path)
