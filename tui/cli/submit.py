"""``batchtui submit|retry|results|attach``: getting requests in and results out.

- ``submit FILE``: check every line, cut into batches, estimate, confirm, create (through the
  submit ledger, so an interrupted run never creates a batch twice: run it again to resume);
- ``retry ID``: a new batch from a batch's failed requests, with their original params;
- ``results ID``: results joined with their params as JSONL or CSV, or ``--retry-file``;
- ``attach ID FILE``: link the original requests file of a batch created elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tui.cli.common import Context, add_command, open_cache
from tui.core.config import Profile
from tui.core.errors import BatchtuiError, ConfigError, NotFoundError
from tui.core.models import ProviderKind, ResultsState, ResultType
from tui.core.text import one_line
from tui.display.presentation import estimate_lines, money

if TYPE_CHECKING:
    from tui.core.models import Batch
    from tui.core.session import Session
    from tui.core.store import Store
    from tui.core.submit.estimate import Estimate
    from tui.core.submit.retry import RetryPlan
    from tui.core.submit.submitter import SubmitProgress

FAILED_CHOICES = ("errored", "expired", "canceled")

OFFLINE_PROFILE = "(no profile)"
"""Stands in for a profile when a dry run has none: the file is checked and estimated locally."""

SUBMIT_EXAMPLES = """\
examples:
  batchtui submit requests.jsonl --dry-run         check and estimate only
  batchtui submit requests.jsonl --max-cost 5 --yes
  batchtui submit requests.jsonl --profile work --label nightly
"""

RETRY_EXAMPLES = """\
examples:
  batchtui retry msgbatch_01abc --dry-run          what would be resent
  batchtui retry msgbatch_01abc --type expired --yes
  batchtui retry msgbatch_01abc --error-type overloaded_error --yes
  batchtui retry msgbatch_01abc --truncated --max-tokens 1024 --yes
"""

RESULTS_EXAMPLES = """\
examples:
  batchtui results msgbatch_01abc --out results.csv
  batchtui results msgbatch_01abc --type errored --format jsonl
  batchtui results msgbatch_01abc --retry-file --out retry.jsonl
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_submit(subparsers)
    _register_retry(subparsers)
    _register_results(subparsers)
    _register_attach(subparsers)


def _with_examples(parser: argparse.ArgumentParser, examples: str) -> None:
    parser.epilog = examples
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def _register_submit(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "submit",
        run_submit,
        help="validate, estimate and submit a JSONL requests file",
        description="Check every line of a JSONL requests file (Anthropic or OpenAI batch "
        "format), split it into batches within the provider's limits, estimate tokens and "
        "cost, then create the batches. Running it again after an interruption resumes "
        "without creating any batch twice.",
    )
    _with_examples(parser, SUBMIT_EXAMPLES)
    parser.add_argument("file", type=Path, help="the JSONL requests file")
    parser.add_argument("--profile", metavar="P", help="profile to submit with")
    parser.add_argument("--label", metavar="L", help="local label for the batches (file name)")
    parser.add_argument("--dry-run", action="store_true", help="check and estimate only")
    parser.add_argument(
        "--max-cost",
        metavar="USD",
        type=float,
        help="refuse if the maximum cost (every request at max_tokens) exceeds this",
    )
    parser.add_argument("--force", action="store_true", help="submit a file submitted before")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _register_retry(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "retry",
        run_retry,
        help="resubmit a batch's failed requests as a new batch",
        description="Create a new batch from a batch's failed requests, each with the params "
        "it was first sent with. Failures that would fail again unchanged (invalid_request_error, "
        "and not_found_error: an unknown or retired model) are left out unless "
        "--include-invalid (or --error-type with their type) is given.",
    )
    _with_examples(parser, RETRY_EXAMPLES)
    parser.add_argument("batch_id", metavar="ID", help="the batch (a unique prefix is enough)")
    _add_selection(parser)
    parser.add_argument(
        "--truncated",
        action="store_true",
        help="resend the succeeded requests that stopped at max_tokens instead "
        "(with --max-tokens)",
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        metavar="N",
        help="with --truncated: the new max_tokens of every resent request",
    )
    parser.add_argument("--label", metavar="L", help="label of the new batch (LABEL-retry)")
    parser.add_argument("--dry-run", action="store_true", help="show what would be resent")
    parser.add_argument("--force", action="store_true", help="resend a set retried before")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--type",
        dest="types",
        action="append",
        choices=FAILED_CHOICES,
        help="only this outcome (repeatable; default: all three)",
    )
    parser.add_argument(
        "--error-type",
        dest="error_types",
        action="append",
        metavar="T",
        help="only this error type, e.g. overloaded_error (repeatable)",
    )
    parser.add_argument(
        "--error-key",
        dest="error_keys",
        action="append",
        metavar="K",
        help="only this error group (repeatable)",
    )
    parser.add_argument(
        "--custom-id",
        dest="custom_ids",
        action="append",
        metavar="ID",
        help="only this request (repeatable)",
    )
    parser.add_argument(
        "--include-invalid",
        action="store_true",
        help="also resend invalid_request_error and not_found_error failures",
    )


def _register_results(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "results",
        run_results,
        help="export a batch's results as JSONL or CSV",
        description="Write a batch's cached results joined with their params (JSONL or CSV), "
        "or with --retry-file its failed requests in the provider's input format, ready for "
        "`batchtui submit`. Reads the local cache only.",
    )
    _with_examples(parser, RESULTS_EXAMPLES)
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


def _register_attach(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "attach",
        run_attach,
        help="link the original requests file of a batch created elsewhere",
        description="Store the params of every request of FILE under batch ID, so its failed "
        "requests can be retried. Nothing is sent to the provider.",
    )
    parser.add_argument("batch_id", metavar="ID", help="the batch (a unique prefix is enough)")
    parser.add_argument("file", type=Path, help="the JSONL file the batch was created from")
    parser.add_argument("--profile", metavar="P", help="profile to look the batch up with")


# --- submit ------------------------------------------------------------------------------------


def run_submit(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_submit(args, context))


async def _submit(args: argparse.Namespace, context: Context) -> int:
    from tui.core.submit.estimate import output_history, price_table_fn
    from tui.core.submit.submitter import estimate_file, load_previous, plan_file, submit_file

    profile = _choose_profile(context, args.profile, args.file, offline_ok=args.dry_run)
    plan = plan_file(args.file, profile, label=args.label)
    chunks = len(plan.job.chunks)
    print(f"{args.file}: {plan.scan.summary()}")
    for warning in plan.scan.warnings:
        print(f"warning: {one_line(str(warning))}")
    print(f"→ {chunks} batch{'es' if chunks > 1 else ''} on profile {profile.name!r}")
    wanted = None if profile.name == OFFLINE_PROFILE else profile.name
    async with _session_or_store(context, wanted, offline_ok=args.dry_run) as (store, session):
        provider = session.providers.get(profile.name) if session else None
        price = price_table_fn(context.config.price_overrides)
        estimate = await estimate_file(plan, provider, price, await output_history(store))
        for line in estimate_lines(estimate):
            print(line)
        await load_previous(store, plan)
        if plan.already_submitted and not args.force:
            print(
                f"already submitted as {', '.join(plan.already_submitted)} "
                "(--force submits it again)",
                file=sys.stderr,
            )
            return 0 if args.dry_run else 1
        if args.dry_run:
            print("dry run: nothing submitted")
            return 0
        _check_max_cost(args.max_cost, estimate)
        if not _confirm(args.yes, f"Submit {chunks} batch(es) to {profile.name!r}?"):
            return 1
        batches = await submit_file(session, plan, force=args.force, progress=_print_progress)
    for batch in batches:
        print(batch.id)
    return 0


def _choose_profile(
    context: Context, name: str | None, path: Path, *, offline_ok: bool = False
) -> Profile:
    """The named profile, or the only one of the file's provider."""
    if name is not None:
        return context.config.profile(name)[0]
    kind = _peek_kind(path)
    if not context.config.profiles and kind is not None and offline_ok:
        return Profile(OFFLINE_PROFILE, kind)  # a dry run checks and estimates without a key
    matching = [p for p in context.config.require_profiles() if kind is None or p.provider == kind]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise ConfigError(f"no {kind.value if kind else ''} profile to submit {path} with")
    names = ", ".join(p.name for p in matching)
    raise ConfigError(f"several profiles could submit {path} ({names}); pick one with --profile")


def _peek_kind(path: Path) -> ProviderKind | None:
    """The provider format of the file's first parseable line (the full check comes later)."""
    import orjson

    from tui.core.submit.validate import detect_kind

    try:
        with open(path, "rb") as handle:
            for raw in handle:
                with contextlib.suppress(orjson.JSONDecodeError):
                    obj = orjson.loads(raw)
                    if isinstance(obj, dict):
                        return detect_kind(obj)
    except OSError as exc:
        raise BatchtuiError(f"{path}: cannot read: {exc.strerror}") from None
    return None


def _check_max_cost(max_cost: float | None, estimate: Estimate) -> None:
    if max_cost is None:
        return
    worst = estimate.cost("max")
    if worst is None:
        raise BatchtuiError(
            "cannot check --max-cost: no price for "
            f'{", ".join(estimate.unpriced_models)} (add [prices."MODEL"] to the config)'
        )
    if worst > max_cost:
        raise BatchtuiError(
            f"the maximum cost {money(worst)} exceeds --max-cost {money(max_cost)}; "
            "nothing submitted"
        )


def _print_progress(step: SubmitProgress) -> None:
    print(step, file=sys.stderr, flush=True)


# --- retry -------------------------------------------------------------------------------------


def run_retry(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_retry(args, context))


async def _retry(args: argparse.Namespace, context: Context) -> int:
    from tui.core.session import Session
    from tui.core.store import Store
    from tui.core.submit.input_file import can_fetch_input, complete_plan
    from tui.core.submit.retry import submit_retry

    if args.truncated != (args.max_tokens is not None):
        raise ConfigError("--truncated and --max-tokens N go together")
    context.paths.ensure_data_dir()
    async with await Store.open(context.paths.database) as store:
        plan = await _retry_plan(store, args)
    if can_fetch_input(plan):
        # An OpenAI batch made elsewhere: the provider still holds its input file.
        print(f"fetching the input file of {plan.batch.id} for the params…", file=sys.stderr)
        config, profile = context.config, plan.batch.profile
        async with Session.open(
            config, context.paths.database, profile=profile, env=context.env
        ) as session:
            plan = await complete_plan(session.store, session.providers[profile], plan)
    for line in plan.lines():
        print(line)
    if plan.batch.results_state is not ResultsState.COMPLETE:
        print(f"note: the results of {plan.batch.id} are not all cached; run `batchtui sync`")
    if args.dry_run or not plan.count:
        reason = plan.nothing_reason()
        print("dry run: nothing submitted" if args.dry_run else f"nothing to retry: {reason}")
        return 0
    if not _confirm(args.yes, f"Retry {plan.count} request(s) as a new batch?"):
        return 1
    config, profile = context.config, plan.batch.profile
    async with Session.open(config, context.paths.database, profile=profile, env=context.env) as s:
        batch = await submit_retry(
            s, plan, label=args.label, force=args.force, progress=_print_progress
        )
    print(batch.id)
    return 0


async def _retry_plan(store: Store, args: argparse.Namespace) -> RetryPlan:
    from tui.core.submit.retry import plan_retry, plan_truncated

    if args.truncated:
        return await plan_truncated(
            store, args.batch_id, args.max_tokens, custom_ids=args.custom_ids
        )
    return await plan_retry(
        store,
        args.batch_id,
        types=[ResultType(t) for t in args.types or ()],
        error_types=args.error_types,
        error_keys=args.error_keys,
        custom_ids=args.custom_ids,
        include_invalid=args.include_invalid,
    )


# --- results -----------------------------------------------------------------------------------


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


# --- attach ------------------------------------------------------------------------------------


def run_attach(args: argparse.Namespace, context: Context) -> int:
    return asyncio.run(_attach(args, context))


async def _attach(args: argparse.Namespace, context: Context) -> int:
    from tui.core.submit.attach import attach_file

    async with _session_or_store(context, args.profile, offline_ok=True) as (store, session):
        batch = await _find_batch(store, session, args.batch_id)
        report = await attach_file(store, batch, args.file)
    print(f"stored params of {report.stored:,} request(s) under {batch.id}")
    return 0


async def _find_batch(store: Store, session: Session | None, batch_id: str) -> Batch:
    """The batch from the cache, or else from any open provider (then cached)."""
    try:
        return await store.batches.find(batch_id)
    except NotFoundError:
        if session is None:
            raise
    for provider in session.providers.values():
        with contextlib.suppress(BatchtuiError):
            batch = await provider.get_batch(batch_id)
            await store.batches.upsert([batch])
            return batch
    raise NotFoundError(f"no batch {batch_id!r} in the cache or at any profile")


# --- shared ------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _session_or_store(
    context: Context, profile: str | None, *, offline_ok: bool
) -> AsyncIterator[tuple]:
    """``(store, session)``; with ``offline_ok``, ``(store, None)`` when no profile is usable."""
    from tui.core.session import Session
    from tui.core.store import Store

    context.paths.ensure_data_dir()
    database = context.paths.database
    async with contextlib.AsyncExitStack() as stack:
        session = None
        try:
            session = await stack.enter_async_context(
                Session.open(context.config, database, profile=profile, env=context.env)
            )
        except ConfigError as exc:
            if not offline_ok:
                raise
            print(f"note: {exc}; working offline", file=sys.stderr)
        if session is None:
            store = await Store.open(database)
            stack.push_async_callback(store.close)
        else:
            store = session.store
        yield store, session


def _confirm(yes: bool, question: str) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise BatchtuiError(f"{question} Not a terminal: add --yes to go ahead without asking")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")
