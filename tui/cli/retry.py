"""``batchtui retry ID``: a new batch from a batch's failed requests, with their original params.

What is resent is chosen by outcome, error type, error group or custom_id (``--truncated``: the
succeeded requests that stopped at max_tokens, with a new ``--max-tokens``). Failures that would
fail again unchanged are left out unless asked for. An OpenAI batch made elsewhere gets its
params from the input file the provider still holds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_command, confirm, print_progress
from tui.core.errors import ConfigError
from tui.core.models import ResultsState, ResultType

if TYPE_CHECKING:
    from tui.core.store import Store
    from tui.core.submit.retry import RetryPlan

FAILED_CHOICES = ("errored", "expired", "canceled")

RETRY_EXAMPLES = """\
examples:
  batchtui retry msgbatch_01abc --dry-run          what would be resent
  batchtui retry msgbatch_01abc --type expired --yes
  batchtui retry msgbatch_01abc --error-type overloaded_error --yes
  batchtui retry msgbatch_01abc --truncated --max-tokens 1024 --yes
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "retry",
        run_retry,
        help="resubmit a batch's failed requests as a new batch",
        description="Create a new batch from a batch's failed requests, each with the params "
        "it was first sent with. Failures that would fail again unchanged (invalid_request_error, "
        "and not_found_error: an unknown or retired model) are left out unless "
        "--include-invalid (or --error-type with their type) is given.",
        examples=RETRY_EXAMPLES,
    )
    parser.add_argument("batch_id", metavar="ID", help="the batch (a unique prefix is enough)")
    _add_selection(parser)
    parser.add_argument(
        "--truncated",
        action="store_true",
        help="resend the succeeded requests that stopped at max_tokens instead (with --max-tokens)",
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
    if not confirm(args.yes, f"Retry {plan.count} request(s) as a new batch?"):
        return 1
    config, profile = context.config, plan.batch.profile
    async with Session.open(config, context.paths.database, profile=profile, env=context.env) as s:
        batch = await submit_retry(
            s, plan, label=args.label, force=args.force, progress=print_progress
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
