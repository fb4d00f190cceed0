"""Getting requests in: check a JSONL file, cut it into batches, estimate, submit, retry.

- :mod:`~tui.core.submit.validate`: stream a requests file and report every problem by line;
- :mod:`~tui.core.submit.chunking`: split under each provider's count and byte limits;
- :mod:`~tui.core.submit.estimate`: tokens and cost before anything is sent;
- :mod:`~tui.core.submit.ledger`: the record that stops a batch from being created twice;
- :mod:`~tui.core.submit.submitter`: plan and submit a file through the ledger;
- :mod:`~tui.core.submit.retry`: resubmit failed requests, and the lineage of retries;
- :mod:`~tui.core.submit.attach`: link the original file of a batch created elsewhere.
"""
