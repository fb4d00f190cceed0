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
