"""Getting requests in: check a JSONL file, cut it into batches, estimate, submit, retry.

- :mod:`~tui.core.submit.validate`: stream a requests file and report every problem by line;
- :mod:`~tui.core.submit.chunking`: split under each provider's count and byte limits;
- :mod:`~tui.core.submit.estimate`: tokens and cost before anything is sent;
- :mod:`~tui.core.submit.ledger`: the record that stops a batch from being created twice;
- :mod:`~tui.core.submit.submitter`: plan and submit a file through the ledger;
- :mod:`~tui.core.submit.retry`: resubmit failed requests (lineages: :mod:`tui.core.lineage`);
- :mod:`~tui.core.submit.attach`: link the original file of a batch created elsewhere.

The TUI's submit screen and its ``R`` (retry) key use these names::

    plan = plan_file(path, profile, label)                  # sync: run it in a thread worker
    estimate = await estimate_file(plan, provider, price_table_fn(overrides))
    await load_previous(store, plan); plan.already_submitted
    batches = await submit_file(session, plan, force=False, progress=callback)

    plan = await plan_retry(store, batch_id, custom_ids=marked)   # or types / error_keys
    batch = await submit_retry(session, plan)
"""

from tui.core.submit.attach import AttachReport, attach_file
from tui.core.submit.estimate import Estimate, output_history, price_table_fn
from tui.core.submit.ledger import AmbiguousSubmission
from tui.core.submit.retry import (
    RetryPlan,
    count_truncated,
    plan_retry,
    plan_truncated,
    submit_retry,
    suggested_max_tokens,
)
from tui.core.submit.submitter import (
    AlreadySubmitted,
    FilePlan,
    SubmitProgress,
    estimate_file,
    load_previous,
    plan_file,
    submit_file,
)
from tui.core.submit.validate import FileScan, Problem, ValidationFailed, scan_requests_file

__all__ = [
    "AlreadySubmitted",
    "AmbiguousSubmission",
    "AttachReport",
    "Estimate",
    "FilePlan",
    "FileScan",
    "Problem",
    "RetryPlan",
    "SubmitProgress",
    "ValidationFailed",
    "attach_file",
    "count_truncated",
    "estimate_file",
    "load_previous",
    "output_history",
    "plan_file",
    "plan_retry",
    "plan_truncated",
    "price_table_fn",
    "scan_requests_file",
    "submit_file",
    "submit_retry",
    "suggested_max_tokens",
]
