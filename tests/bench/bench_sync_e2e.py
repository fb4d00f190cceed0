"""``batchtui sync`` of one ended 100,000-request batch, as a whole command, against the script
people write today. Not a test: run it and read the figures::

    python tests/bench/bench_sync_e2e.py [--requests 100000] [--runs 3]

One ``batchtui sim`` process holds the batch (frozen clock). Then, interleaved, each run starts:

- **batchtui**: ``batchtui sync`` in a fresh workspace (empty data dir; a config with the
  Anthropic profile holding the batch and an OpenAI profile with nothing on it, as a user with
  two accounts has), timed from spawn to exit: interpreter, imports, listing both accounts,
  the download, the search index, closing the cache;
- **script**: a fresh ``python`` running the seed-style script: ``import anthropic``, then
  ``for r in client.messages.batches.results(id)`` writing ``r.model_dump_json()`` lines.

Each child's peak RSS comes from ``os.wait4`` (its own ``ru_maxrss``). Figures: the median
ratio script/batchtui over the pairs (each pair ran back to back, so both met the same load),
with the spread, and batchtui's largest peak RSS. Goals: ratio >= 3, peak RSS <= 150 MiB.

``--compare DIR`` adds to each run a ``batchtui sync`` from another environment's bin dir
(e.g. main's checkout), for an A/B under the same load.

Figures (2026-12-06, the shared 2-core VM, other engineers' tests running: load average 5-8
in the first session, so wall times there are ~2x the later ones; compare within a session):

* before (main at f69b639), loaded: batchtui 22.7 s (19.3-31.7), script 25.6 s (24.1-30.0):
  1.24x (0.81-1.32, n=3); peak RSS 141 MiB.
* now, A/B against main in the same runs, quieter (n=4): batchtui 7.25 s (6.48-9.15), CPU
  6.13 s; main's sync 8.12 s (7.40-9.97), CPU 6.81 s; script 8.0 s (7.38-11.4), CPU 7.04 s.
  Speed-up 1.12x (1.10-1.25): NOT met. Peak RSS 145 MiB (main 140; +zstd): met.
* after merging main at 363bc9b (cross-process profile locks, listing polls), n=3: batchtui
  11.1 s (10.0-11.6), CPU 6.71 s; script 11.3 s (10.7-12.6), CPU 7.43 s: 1.09x (0.97-1.12).

What changed the command's time: the search index is no longer built by ``sync`` (the TUI
builds it behind its first paint, or on opening the batch: ``SyncEngine.index_search``); with
the raw JSON compressed, -0.9 s wall and -0.7 s CPU against main. The compression alone, an
earlier loaded A/B (n=3): 15.9/16.7/27.2 s against main's 15.6/18.2/20.8 s, no clear change
(it costs about what the smaller writes save).

Why 3x is out of reach here, with figures from the same day (n=5 each): ``batchtui sync``
with both profiles and nothing to download takes 2.56 s (2.39-3.01), 2.46 s CPU, and a bare
``python -c "import anthropic, openai"`` 2.51 s (2.12-3.03): the official SDKs' imports are
the command's fixed cost (``import anthropic`` alone ~1.4 s). With the script at 7.4-8 s
(it pays the Anthropic import too), 3x means the whole command in ~2.5 s: less than those
imports, before one of the 100,000 lines is parsed (orjson alone needs ~0.8 s for them, the
ingest bench's floors ~2 s to parse and ~2 s to insert). Not importing the SDK of a profile
with nothing to do would need knowing that without asking its API, which only the SDK may
do; a process per profile would take the OpenAI import (~0.5 s) off the critical path and
the parse in a second process ~1-1.5 s more at best: about 1.5x, not 3x.
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
