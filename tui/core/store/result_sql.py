"""The SQL of writing result rows, shared by the store's writer connection and the writer
process (:mod:`tui.core.store.writer_process`), which must write exactly the same way."""

from __future__ import annotations

from tui.core.store.codec import RESULT_COLUMNS

APPEND = (
    f"INSERT INTO results ({', '.join(RESULT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in RESULT_COLUMNS)})"
)
"""A row of a batch with no rows yet: a plain INSERT (a custom_id seen twice fails it)."""

UPSERT = f"{APPEND} ON CONFLICT (batch_id, custom_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in RESULT_COLUMNS[2:]
)
"""A row that replaces the stored one of its ``(batch_id, custom_id)``: a re-download."""

LAST_SEQ = "SELECT max(seq) FROM results"

INDEX_ROWS_AFTER = (
    "INSERT INTO results_fts (rowid, text, error_message) "
    "SELECT seq, text, error_message FROM results "
    "WHERE seq > ? AND +batch_id = ? ORDER BY seq"
)
"""Index for search the rows of a batch appended after a seq (one chunk, in its transaction)."""

MARK_INDEXED = (
    "UPDATE fts_deferred SET indexed_upto = (SELECT max(seq) FROM results) WHERE batch_id = ?"
)

# A batch's rows by a rowid range scan, not through a batch_id index (the unary + keeps the
# planner off them): one download's rows sit together, so pages are read in order and FTS5 gets
# rowids ascending. Measured: 1.3 s instead of 3.2 s to index 100,000 results.
BATCH_ROWS_IN_ROWID_ORDER = (
    "FROM results WHERE seq BETWEEN (SELECT min(seq) FROM results WHERE batch_id = ?) "
    "AND (SELECT max(seq) FROM results WHERE batch_id = ?) AND +batch_id = ? ORDER BY seq"
)
# Rows of a deferred batch not yet in the full-text index: those after its indexed_upto.
BATCH_ROWS_NOT_INDEXED = (
    "FROM results WHERE seq BETWEEN max((SELECT min(seq) FROM results WHERE batch_id = ?), "
    "(SELECT indexed_upto + 1 FROM fts_deferred WHERE batch_id = ?)) "
    "AND (SELECT max(seq) FROM results WHERE batch_id = ?) AND +batch_id = ? ORDER BY seq"
)
# ...and those in it (rows appended and indexed chunk by chunk, see ResultRepository.appending).
BATCH_ROWS_INDEXED = (
    "FROM results WHERE seq BETWEEN (SELECT min(seq) FROM results WHERE batch_id = ?) "
    "AND (SELECT indexed_upto FROM fts_deferred WHERE batch_id = ?) AND +batch_id = ? "
    "ORDER BY seq"
)

DEFER = "INSERT OR IGNORE INTO fts_deferred (batch_id) VALUES (?)"
"""Take a batch out of the full-text index (its rows skip the triggers from now on)."""

UNINDEX_ALL = (
    "INSERT INTO results_fts (results_fts, rowid, text, error_message) "
    f"SELECT 'delete', seq, text, error_message {BATCH_ROWS_IN_ROWID_ORDER}"
)
"""Drop every row of a batch from the index (params: the batch id three times)."""

UNINDEX_INDEXED = (
    "INSERT INTO results_fts (results_fts, rowid, text, error_message) "
    f"SELECT 'delete', seq, text, error_message {BATCH_ROWS_INDEXED}"
)
"""Drop the rows of a deferred batch that a cut-short download indexed (the batch id 3x)."""

RESET_INDEXED = "UPDATE fts_deferred SET indexed_upto = 0 WHERE batch_id = ?"
