"""``batchtui submit FILE``: check every line, cut into batches, estimate, confirm, create.

Creation goes through the submit ledger, so an interrupted run never creates a batch twice: run
it again to resume. A dry run needs no profile: the file is checked and estimated locally.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.common import Context, add_command, confirm, print_progress, session_or_store
from tui.core.config import Profile
from tui.core.errors import BatchtuiError, ConfigError
from tui.core.models import ProviderKind
from tui.core.text import one_line
from tui.display.presentation import estimate_lines, money

if TYPE_CHECKING:
    from tui.core.submit.estimate import Estimate

OFFLINE_PROFILE = "(no profile)"
"""Stands in for a profile when a dry run has none: the file is checked and estimated locally."""

SUBMIT_EXAMPLES = """\
examples:
  batchtui submit requests.jsonl --dry-run         check and estimate only
  batchtui submit requests.jsonl --max-cost 5 --yes
  batchtui submit requests.jsonl --profile work --label nightly
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "submit",
        run_submit,
        help="validate, estimate and submit a JSONL requests file",
        description="Check every line of a JSONL requests file (Anthropic or OpenAI batch "
        "format), split it into batches within the provider's limits, estimate tokens and "
        "cost, then create the batches. Running it again after an interruption resumes "
        "without creating any batch twice.",
        examples=SUBMIT_EXAMPLES,
    )
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
    async with session_or_store(context, wanted, offline_ok=args.dry_run) as (store, session):
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
        assert session is not None  # only a dry run works offline
        _check_max_cost(args.max_cost, estimate)
        if not confirm(args.yes, f"Submit {chunks} batch(es) to {profile.name!r}?"):
            return 1
        batches = await submit_file(session, plan, force=args.force, progress=print_progress)
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
