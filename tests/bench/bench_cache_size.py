"""Cache bytes per stored result against the raw results JSONL, search index included.

Not a test: run it and read the figures::

    python tests/bench/bench_cache_size.py [--requests 100000]

One ``batchtui sim`` process holds an ended batch; ``batchtui sync`` stores it in a fresh cache.
The raw size is the results body exactly as the API serves it (bytes per JSONL line). The cache
size is the database after a full WAL checkpoint: used pages only (the free list left out),
every table and index counted, the full-text index included; ``dbstat`` splits it by table and
index. Goal: cache bytes per result <= 1.2x the raw bytes per line.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

from e2e_bench_support import (
    batchtui,
    create_ended_batch,
    make_workspace,
    raw_results,
    run_child,
    start_sim,
    verdict,
)

GOAL_RATIO = 1.2


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
    print(f"ratio: {ratio:.2f}x raw, goal <= {GOAL_RATIO}x: {verdict(ratio <= GOAL_RATIO)}")


if __name__ == "__main__":
    main()
