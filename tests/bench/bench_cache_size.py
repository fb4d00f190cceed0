"""Cache bytes per stored result against the raw results JSONL, search index included.

Not a test: run it and read the figures::

    python tests/bench/bench_cache_size.py [--requests 100000]

One ``batchtui sim`` process holds an ended batch; ``batchtui sync`` stores it in a fresh cache.
The raw size is the results body exactly as the API serves it (bytes per JSONL line). The cache
size is the database after a full WAL checkpoint: used pages only (the free list left out),
every table and index counted, the full-text index included; ``dbstat`` splits it by table and
index. Goal: cache bytes per result <= 1.2x the raw bytes per line.

The raw JSON is stored without its answer text (kept once, in the text column) and
zstd-compressed with a dictionary trained on the batch (see tui/core/store/raw_json.py). The
simulator's answer texts come from a small corpus, which such a dictionary would learn, so the
bench also prints a bound for real answers: the cache as if the text left inside any raw line
(where it could not be cut out) did not compress at all.

Figures (2026-12-06, shared 2-core VM; sizes do not depend on its load):

* before (main at f69b639): 2,426 bytes per result against 1,147 per raw line: 2.11x. The
  results table 2,223 (the raw line 1,130, the answer text again in its column ~590, the other
  columns and the row), its indexes 71 + 59, the full-text index 59 + 11.
* raw JSON zstd-compressed with a dictionary per batch: 1,143 bytes per result, 0.99x; but a
  bound of 1.51x for answers that do not compress (the text was stored twice).
* now, the answer text cut out of the stored line as well (kept once, in its column): 0.97x
  (20,000 results), and the bound for incompressible answers 0.97x too: met either way.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

import zstandard
from e2e_bench_support import (
    batchtui,
    create_ended_batch,
    make_workspace,
    raw_results,
    run_child,
    start_sim,
    verdict,
)

from tui.core.store.raw_json import HOLE, ZSTD_MAGIC

GOAL_RATIO = 1.2


def uncut_text_bytes(database: Path) -> int:
    """The answer texts' bytes (UTF-8) of the rows whose stored raw line still holds its text
    (see tui/core/store/raw_json.py: the text is cut out where it can be put back exactly)."""
    connection = sqlite3.connect(database)
    try:
        dictionaries = {
            i: zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(data))
            for i, data in connection.execute("SELECT id, data FROM raw_dictionaries")
        }
        total = 0
        for raw, text in connection.execute("SELECT raw, text FROM results"):
            raw = bytes(raw)
            if raw.startswith(ZSTD_MAGIC):
                frame = zstandard.get_frame_parameters(raw)
                raw = dictionaries[frame.dict_id].decompress(raw)
            if text and HOLE not in raw:
                total += len(text.encode())
    finally:
        connection.close()
    return total


def used_bytes(database: Path) -> tuple[int, list[tuple[str, int]]]:
    """The database's used bytes after a checkpoint, and the bytes of each table and index."""
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        (free,) = connection.execute("PRAGMA freelist_count").fetchone()
        parts = connection.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    finally:
        connection.close()
    return (pages - free) * page_size, parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args()
    sim = start_sim()
    try:
        batch_id = create_ended_batch(sim, args.requests)
        raw = raw_results(sim, batch_id)
        with tempfile.TemporaryDirectory() as tmp:
            space = make_workspace(sim, Path(tmp), profiles=("work",))
            run_child(batchtui("sync"), space.env, space.root)
            total, parts = used_bytes(space.database)
            texts = uncut_text_bytes(space.database)
    finally:
        sim.stop()
    lines = raw.count(b"\n")
    per_line = len(raw) / lines
    per_result = total / args.requests
    ratio = per_result / per_line
    print(f"raw results JSONL: {len(raw):,} bytes, {per_line:,.0f} bytes per line")
    print(f"cache: {total:,} bytes used, {per_result:,.0f} bytes per result")
    for name, size in parts:
        if size >= total / 200:
            print(f"  {name:<28} {size / args.requests:8,.0f} bytes per result")
    bound = (total + texts) / args.requests / per_line
    print(
        f"bound for answers that do not compress: {bound:.2f}x raw: {verdict(bound <= GOAL_RATIO)}"
    )
    print(f"ratio: {ratio:.2f}x raw, goal <= {GOAL_RATIO}x: {verdict(ratio <= GOAL_RATIO)}")


if __name__ == "__main__":
    main()
