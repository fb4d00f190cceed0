"""Raw JSON stored zstd-compressed with a dictionary per batch (tui/core/store/raw_json.py),
and the schema step that brought it (v6): every line reads back byte for byte."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
from builders import make_result

from tui.core.store import Store
from tui.core.store.migrations import MIGRATIONS
from tui.core.store.raw_json import MIN_SAMPLES, ZSTD_MAGIC


def line(i: int) -> bytes:
    """A result line as a provider writes one: the same shape every time, ids that differ."""
    return orjson.dumps(
        {
            "custom_id": f"r{i:05}",
            "result": {
                "type": "succeeded",
                "message": {
                    "id": f"msg_{i * 7919:012x}",
                    "content": [{"type": "text", "text": f"answer {i} \u00e9\u2028 done"}],
                    "usage": {"input_tokens": i % 97, "output_tokens": i % 13},
                },
            },
        }
    )


async def stored_raw(store: Store, batch_id: str) -> list[bytes]:
    rows = await store.db.fetchall(
        "SELECT raw FROM results WHERE batch_id = ? ORDER BY custom_id", (batch_id,)
    )
    return [bytes(r["raw"]) for r in rows]


async def test_a_large_batch_is_stored_compressed_and_reads_back_exactly(tmp_path: Path) -> None:
    count = MIN_SAMPLES * 2
    results = [make_result(f"r{i:05}", raw=line(i)) for i in range(count)]
    async with await Store.open(tmp_path / "cache.db") as store:
        await store.results.write(results[:MIN_SAMPLES])  # the first chunk trains
        await store.results.write(results[MIN_SAMPLES:])
        stored = await stored_raw(store, "b1")
        assert all(raw.startswith(ZSTD_MAGIC) for raw in stored)
        assert sum(map(len, stored)) * 3 < sum(len(r.raw) for r in results)
        got = await store.results.get("b1", "r00007")
        assert got is not None
        assert got.raw == line(7)
        assert [r.raw async for r in store.results.iterate("b1")] == [line(i) for i in range(count)]
    async with await Store.open(tmp_path / "cache.db") as store:  # the dictionary was stored
        assert [r.raw async for r in store.results.iterate("b1")] == [line(i) for i in range(count)]
        await store.results.write([make_result("r99999", raw=line(99999))])  # same dictionary
        assert (await stored_raw(store, "b1"))[-1].startswith(ZSTD_MAGIC)
        assert await store.db.fetch_int("SELECT count(*) FROM raw_dictionaries") == 1


async def test_a_small_batch_and_an_empty_raw_are_stored_as_they_are(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "cache.db") as store:
        await store.results.write([make_result("a", raw=line(1)), make_result("b", raw=b"")])
        assert await stored_raw(store, "b1") == [line(1), b""]
        assert [r.raw async for r in store.results.iterate("b1")] == [line(1), b""]


async def test_upgrade_to_v6_keeps_plain_rows_readable_and_compresses_new_batches(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.db"
    old = sqlite3.connect(path)
    for version, script in MIGRATIONS[:5]:
        old.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    old.execute(
        "INSERT INTO results (batch_id, custom_id, type, text, raw) "
        "VALUES ('old', 'a', 'succeeded', 'hi', ?)",
        (line(1),),
    )
    old.commit()
    old.close()
    async with await Store.open(path) as store:
        assert await store.db.fetch_int("PRAGMA user_version") == 6
        got = await store.results.get("old", "a")
        assert got is not None
        assert got.raw == line(1)
        await store.results.write(
            [make_result(f"r{i:05}", batch_id="new", raw=line(i)) for i in range(MIN_SAMPLES)]
        )
        assert all(raw.startswith(ZSTD_MAGIC) for raw in await stored_raw(store, "new"))
        got = await store.results.get("new", "r00003")
        assert got is not None
        assert got.raw == line(3)


def test_the_answer_text_is_cut_out_only_where_it_can_be_put_back_exactly() -> None:
    import json

    from tui.core.store.raw_json import HOLE, without_text

    text = "answer \u00e9\u2028 done"
    as_orjson = orjson.dumps({"content": [{"text": text}], "id": 1})
    cut = without_text(as_orjson, text)
    assert cut == b'{"content":[{"text":' + HOLE + b'}],"id":1}'
    assert cut.replace(HOLE, orjson.dumps(text)) == as_orjson
    as_ascii = json.dumps({"content": [{"text": text}]}).encode()  # \u00e9: spelt otherwise
    assert without_text(as_ascii, text) == as_ascii
    twice = orjson.dumps({"a": text, "b": text})
    assert without_text(twice, text) == twice
    assert without_text(as_orjson, None) == as_orjson


async def test_lines_spelling_their_text_otherwise_read_back_exactly(tmp_path: Path) -> None:
    import json

    results = [
        make_result(
            f"r{i:05}", text=f"t\u00e9 {i}", raw=json.dumps({"text": f"t\u00e9 {i}"}).encode()
        )
        for i in range(MIN_SAMPLES)
    ]
    async with await Store.open(tmp_path / "cache.db") as store:
        await store.results.write(results)
        assert [r.raw async for r in store.results.iterate("b1")] == [r.raw for r in results]
