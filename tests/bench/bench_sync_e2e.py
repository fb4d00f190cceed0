"""``batchtui sync`` of one ended 100,000-request batch, as a whole command, against the script
people write today. Not a test: run it and read the figures::

    python tests/bench/bench_sync_e2e.py [--requests 100000] [--runs 3]

One ``batchtui sim`` process holds the batch (frozen clock). Then, interleaved, each run starts:

- **batchtui**: ``batchtui sync`` in a fresh workspace (empty data dir; a config with the
  Anthropic profile holding the batch and an OpenAI profile with nothing on it, as a user with
  two accounts has), timed from spawn to exit: interpreter, imports, listing both accounts,
  the download, closing the cache;
- **script**: a fresh ``python`` running the seed-style script: ``import anthropic``, then
  ``for r in client.messages.batches.results(id)`` writing ``r.model_dump_json()`` lines.

Each child's peak RSS comes from ``os.wait4`` (its own ``ru_maxrss``). Figures: the median
ratio script/batchtui over the pairs (each pair ran back to back, so both met the same load),
with the spread, and batchtui's largest peak RSS. Goals: ratio >= 3, peak RSS <= 150 MiB.

``--compare DIR`` adds to each run a ``batchtui sync`` from another environment's bin dir
(e.g. main's checkout), for an A/B under the same load.

Each child's peak RSS includes the processes it waited for (``ru_maxrss`` of ``wait4``).

Figures (2026-12-06, session 3). The box was saturated the whole session: load average 6-11
on 2 cores, ``/proc/pressure/cpu`` "some" at 98 %, and ``sched_autogroup_enabled=1``, which
shares CPU between sessions, not threads: a second process of ours gets no more CPU while
other sessions keep both cores busy. Wall times are then ~CPU time over our share, and the
figures below are 2-4x what a quiet box gives (there, ~7-8 s for main's sync and the script).

* main's ``batchtui sync`` (8b91ea2 + the layer packages), as the ``--compare`` side of
  8 pairs in two runs: 25.2 s (20.2-38.3), CPU 7.3-9.8 s; the script 8.6-12.3 s of CPU.
  Speed-up over the script per pair 1.27x (0.91-1.93, n=8): NOT met. Peak RSS 145 MiB: met.

Directions measured this session (each an A/B in the same runs; neither kept):

* **a process per profile** (branch ``perf2-per-profile``): ``sync`` syncs its first profile
  itself and each other one in a child (``sync --profile P`` reporting JSON), so ``import openai``
  (~0.7 s CPU) and the idle profile's listing run beside ``import anthropic`` (1.4-2 s). 3 pairs:
  43.1 s (26.8-44.6) against main's 25.2 s (25.0-38.3), speed-up over main per pair 0.89x
  (0.56-0.94); CPU 7.72 s against 7.55 s; peak RSS 132 MiB against 145 (the command no longer
  holds both SDKs). Nothing to download (the fixed cost), 3 pairs at load 9: 13.1 s against 12.7
  s, CPU 3.4 s against 3.1 s. It can only pay with a free core (~0.7 s of ~7 s expected); here it
  cannot.
* **the rows inserted by a second process**: the parent parsed each chunk and sent its row values
  (``marshal``, 0.17 s per 100,000 rows each way) to a child that inserted them. The CPU split
  well (download only: parent 2.9 s + child 2.4 s against 5.3 s in one process); walls: 3
  download-only pairs at load 5, 18.6/15.9/17.3 s against 23.7/21.0/15.2 s, and the whole command
  with a process per profile too, 5 pairs: speed-up over main 1.03x (0.71-1.13), +1.9 s CPU.
  Worse, its inserts compete with the parent's own writes at the SQLite level (busy timeout)
  instead of taking turns on the writer lock: quitting the demo during its 20,000-result download
  exited 3 once in the full suite. Redo it only with the parent's writer lock held across each
  child transaction (per-chunk acknowledgements).
* per-stage CPU for 100,000 results, in isolation: split 0.16 s, parse + normalise 0.75 s
  (orjson alone ~0.5 s), row values 0.09 s, cutting the answer out of the raw line 0.34 s,
  zstd 0.15 s (level 1: the same), inserts 1.6 s with the three indexes and 0.85 s without
  (so building them after a bulk insert could save ~0.5 s at most, but they are shared by
  every batch in the table). The HTTP read through the SDK's stream ~0.8 s. No stage alone
  is worth more than ~0.7 s.

Why 3x is out of reach: 3x means the whole command in a third of the script, which pays
``import anthropic`` plus ~5.5 s of pydantic per 100,000 lines (quiet: ~8 s in all). That is
~2.7 s for interpreter, ``import anthropic`` (1.4-2 s CPU, before a single request may be
sent through the SDK), listing, downloading 115 MB from a simulator that itself needs ~1.2 s
of CPU to serve it, parsing and inserting 100,000 rows (~3.5 s CPU at the floors above). Even
with every stage after the import on a second core, the critical path stays above ~4 s:
about 2x on a quiet 2-core box, at best.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from e2e_bench_support import (
    ANTHROPIC_KEY,
    batchtui,
    create_ended_batch,
    make_workspace,
    run_child,
    spread,
    start_sim,
    verdict,
)

GOAL_RATIO = 3.0
GOAL_PEAK_MIB = 150.0

SCRIPT = """
import sys
from anthropic import Anthropic

base_url, key, batch_id, out = sys.argv[1:5]
client = Anthropic(base_url=base_url, api_key=key, timeout=600)
count = 0
with open(out, "w", encoding="utf-8") as file:
    for result in client.messages.batches.results(batch_id):
        file.write(result.model_dump_json() + "\\n")
        count += 1
print(count)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", type=Path, metavar="DIR", help="bin dir of another env")
    args = parser.parse_args()
    other: list[float] = []
    cpu: dict[str, list[float]] = {"batchtui": [], "script": [], "other": []}
    sim = start_sim()
    try:
        batch_id = create_ended_batch(sim, args.requests)
        print(f"simulator: {args.requests:,}-request batch {batch_id}", flush=True)
        ours: list[float] = []
        theirs: list[float] = []
        peaks: list[float] = []
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.runs):
                space = make_workspace(sim, Path(tmp) / f"run{run}")
                synced = run_child(batchtui("sync"), space.env, space.root)
                if f"{args.requests:,} results downloaded" not in synced.stdout:
                    raise RuntimeError(f"batchtui sync did not store every result:\n{synced}")
                out = space.root / "results.jsonl"
                script = run_child(
                    [sys.executable, "-c", SCRIPT, sim.anthropic_base_url, ANTHROPIC_KEY,
                     batch_id, str(out)],
                    space.env,
                    space.root,
                )  # fmt: skip
                assert int(script.stdout) == args.requests
                cpu["batchtui"].append(synced.cpu_seconds)
                cpu["script"].append(script.cpu_seconds)
                ours.append(synced.seconds)
                theirs.append(script.seconds)
                peaks.append(synced.peak_mib)
                print(
                    f"run {run + 1}: batchtui sync {synced.seconds:.2f} s "
                    f"(CPU {synced.cpu_seconds:.2f} s, {synced.peak_mib:.0f} MiB), script "
                    f"{script.seconds:.2f} s (CPU {script.cpu_seconds:.2f} s, "
                    f"{script.peak_mib:.0f} MiB), ratio {script.seconds / synced.seconds:.2f}x",
                    flush=True,
                )
                shutil.rmtree(space.root)  # a 100,000-result cache is ~250 MB
                if args.compare:
                    space = make_workspace(sim, Path(tmp) / f"other{run}")
                    command = [str(args.compare / "batchtui"), "sync"]
                    compared = run_child(command, space.env, space.root)
                    other.append(compared.seconds)
                    cpu["other"].append(compared.cpu_seconds)
                    print(f"        {args.compare}: sync {compared.seconds:.2f} s (CPU "
                          f"{compared.cpu_seconds:.2f} s, {compared.peak_mib:.0f} MiB)",
                          flush=True)  # fmt: skip
                    shutil.rmtree(space.root)
    finally:
        sim.stop()
    ratios = [t / o for t, o in zip(theirs, ours, strict=True)]
    ratio, peak = statistics.median(ratios), max(peaks)
    print(f"batchtui sync: {spread(ours)} s; script: {spread(theirs)} s")
    print(f"CPU seconds: batchtui {spread(cpu['batchtui'])}, script {spread(cpu['script'])}")
    if other:
        print(f"the other env's sync: {spread(other)} s, CPU {spread(cpu['other'])} s")
    print(f"speed-up: {spread(ratios)}x, goal >= {GOAL_RATIO:.0f}x: {verdict(ratio >= GOAL_RATIO)}")
    print(
        f"peak RSS of batchtui sync: {peak:.0f} MiB (max of runs), goal <= {GOAL_PEAK_MIB:.0f} "
        f"MiB: {verdict(peak <= GOAL_PEAK_MIB)}"
    )


if __name__ == "__main__":
    main()
