"""``batchtui results ID``: a batch's cached results joined with their params, as JSONL or CSV,
or with ``--retry-file`` its failed requests in the provider's input format. Reads the local
cache only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tui.cli.common import Context, add_command, open_cache
from tui.core.models import ResultsState, ResultType

RESULTS_EXAMPLES = """\
examples:
  batchtui results msgbatch_01abc --out results.csv
  batchtui results msgbatch_01abc --type errored --format jsonl
  batchtui results msgbatch_01abc --retry-file --out retry.jsonl
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "results",
        run_results,
        help="export a batch's results as JSONL or CSV",
        description="Write a batch's cached results joined with their params (JSONL or CSV), "
        "or with --retry-file its failed requests in the provider's input format, ready for "
        "`batchtui submit`. Reads the local cache only.",
        examples=RESULTS_EXAMPLES,
    )
    parser.add_argument("batch_id", metavar="ID", help="the batch (a unique prefix is enough)")
    parser.add_argument(
        "--type",
        dest="types",
        action="append",
        choices=[t.value for t in ResultType],
        help="only this outcome (repeatable)",
    )
    parser.add_argument(
        "--format", choices=("jsonl", "csv"), help="output format (default: from --out, jsonl)"
    )
    parser.add_argument("--out", metavar="FILE", type=Path, help="write here (default: stdout)")
    parser.add_argument(
        "--retry-file",
        action="store_true",
        help="write failed requests as a ready-to-submit JSONL instead",
    )
    parser.add_argument(
        "--include-invalid",
        action="store_true",
        help="with --retry-file: keep invalid_request_error and not_found_error failures",
    )


def run_results(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_results(args, context))


async def _results(args: argparse.Namespace, context: Context) -> int:
    from tui.core.export import export_results, format_for, write_retry_file
    from tui.core.submit.retry import plan_retry

    fmt = args.format or (format_for(args.out) if args.out else "jsonl")
    types = [ResultType(t) for t in args.types or ()]
    async with await open_cache(context) as store:
        batch = await store.batches.find(args.batch_id)
        with _output(args.out) as out:
            if args.retry_file:
                plan = await plan_retry(
                    store, batch.id, types=types, include_invalid=args.include_invalid
                )
                written = await write_retry_file(store, batch, plan.custom_ids, out)
                for line in plan.lines()[1:]:
                    print(line, file=sys.stderr)
            else:
                written = await export_results(store, batch.id, out, format=fmt, types=types)
    where = f" to {args.out}" if args.out else ""
    print(f"{written:,} {'request(s)' if args.retry_file else 'result(s)'}{where}", file=sys.stderr)
    if not written and not args.retry_file and batch.results_state is not ResultsState.COMPLETE:
        # An empty export of a batch whose results were never fetched is not a success.
        print(
            f"batchtui: no results of {batch.id} are stored locally "
            f"({batch.status.value}, results {batch.results_state.value}); "
            "run `batchtui sync` once it has ended",
            file=sys.stderr,
        )
        return 1
    return 0


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    """stdout, or a file readable only by its owner (results are private data), written whole
    or not at all."""
    from tui.core.export import private_file

    if path is None:
        yield sys.stdout
        return
    with private_file(path) as handle:
        yield handle
