"""What the submit screen's report says: pure functions of the plan, the scan and the estimate.

Everything quoted from the file (paths, problems, warnings) is untrusted text: it goes through
:func:`~tui.display.formatting.safe` and into a :class:`~rich.text.Text`, never into markup.
"""

from __future__ import annotations

from rich.text import Text

from tui.core.submit import Estimate, FilePlan, FileScan
from tui.display.formatting import money, safe
from tui.display.presentation import estimate_lines

MAX_WARNINGS_SHOWN = 5
"""Warnings listed in the summary (one per model and kind, so rarely more)."""


def plan_summary(plan: FilePlan) -> Text:
    chunks = len(plan.job.chunks)
    text = Text()  # a Text's own style would cover all it holds: only the names are bold
    text.append(f"{safe(plan.path)}: ", style="bold")
    text.append(safe(plan.scan.summary()))
    text.append(f"\n→ {chunks} batch{'es' if chunks != 1 else ''} on profile ")
    text.append(safe(plan.job.profile), style="bold")
    warnings = plan.scan.warnings
    for warning in warnings[:MAX_WARNINGS_SHOWN]:
        text.append("\nwarning: ", style="bold yellow")
        text.append(safe(warning), style="yellow")
    if len(warnings) > MAX_WARNINGS_SHOWN:
        text.append(f"\n… {len(warnings) - MAX_WARNINGS_SHOWN} more warning(s)", style="dim")
    return text


def invalid_summary(scan: FileScan) -> Text:
    if not scan.problems:
        return Text(f"{safe(scan.path)}: the file holds no requests.", style="bold red")
    more = "more than " if scan.truncated else ""
    text = Text()
    text.append(f"{safe(scan.path)}: ", style="bold")
    text.append(f"{more}{len(scan.problems):,} problem(s); nothing can be sent.", style="red")
    text.append(f"\n{scan.count:,} valid line(s). Fix the lines below and check again.")
    return text


def problems_text(scan: FileScan) -> Text:
    """One line per problem; the message quotes the file, so it is shown as plain text."""
    text = Text(end="")
    for problem in scan.problems:
        text.append(f"line {problem.line}: ", style="bold")
        text.append(safe(problem.message) + "\n")
    if scan.truncated:
        text.append("… more problems not listed\n", style="dim")
    return text


def estimate_text(estimate: Estimate) -> Text:
    text = Text(end="")
    for line in estimate_lines(estimate):
        style = "yellow" if line.startswith("warning:") else ""
        text.append(safe(line) + "\n", style=style)
    return text


def submit_stakes(plan: FilePlan, estimate: Estimate, force: bool) -> Text:
    """What submitting means: how many requests, where, and what it may cost."""
    chunks = len(plan.job.chunks)
    text = Text(end="")
    text.append(f"{safe(plan.path.name)}\n", style="bold")
    text.append(f"{plan.scan.count:,} requests as {chunks} batch{'es' if chunks != 1 else ''}")
    text.append(" on profile ")
    text.append(safe(plan.job.profile), style="bold")
    text.append(".\n")
    expected, high = estimate.cost("expected"), estimate.cost("max")
    if high is None:
        text.append("Cost unknown: some models have no price.\n", style="yellow")
    else:
        text.append(f"Expected cost {money(expected)}, at most {money(high)}.\n")
    if force:
        text.append("This file was submitted before: this creates new batches.\n", style="red")
    text.append("The provider starts processing (and charging) right away.", style="bold")
    return text
