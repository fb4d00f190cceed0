"""The database schema, as ordered upgrade steps keyed by ``PRAGMA user_version``.

A new database runs every step; an old one runs the steps after its version. Add a change as a
new step at the end, never by editing a step that has shipped.

Timestamps are stored as UTC epoch seconds (REAL) so they sort and group cheaply.
"""

from __future__ import annotations

SCHEMA_V1 = """
CREATE TABLE batches (
    id                  TEXT PRIMARY KEY,
    profile             TEXT NOT NULL,
    provider            TEXT NOT NULL,
    status              TEXT NOT NULL,
    provider_status     TEXT NOT NULL,
    processing          INTEGER NOT NULL DEFAULT 0,
    succeeded           INTEGER NOT NULL DEFAULT 0,
    errored             INTEGER NOT NULL DEFAULT 0,
    canceled            INTEGER NOT NULL DEFAULT 0,
    expired             INTEGER NOT NULL DEFAULT 0,
    created_at          REAL NOT NULL,
    expires_at          REAL,
    ended_at            REAL,
    cancel_initiated_at REAL,
    archived_at         REAL,
    endpoint            TEXT,
    models              TEXT NOT NULL DEFAULT '[]',
    input_file_id       TEXT,
    output_file_id      TEXT,
    error_file_id       TEXT,
    label               TEXT,
    notes               TEXT,
    source              TEXT,
    parent_id           TEXT,
    results_state       TEXT NOT NULL DEFAULT 'none',
    deleted_remotely    INTEGER NOT NULL DEFAULT 0,
    raw                 BLOB
);
CREATE INDEX batches_by_profile ON batches (profile, created_at);
CREATE INDEX batches_by_status ON batches (status);
CREATE INDEX batches_by_parent ON batches (parent_id);

-- What was sent, per request, when known (submitted here or attached), so retries reuse it.
CREATE TABLE requests (
    batch_id  TEXT NOT NULL,
    custom_id TEXT NOT NULL,
    params    BLOB NOT NULL,
    PRIMARY KEY (batch_id, custom_id)
) WITHOUT ROWID;

CREATE TABLE results (
    seq            INTEGER PRIMARY KEY,
    batch_id       TEXT NOT NULL,
    custom_id      TEXT NOT NULL,
    type           TEXT NOT NULL,
    model          TEXT,
    stop_reason    TEXT,
    error_type     TEXT,
    error_message  TEXT,
    error_key      TEXT,
    text           TEXT,
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    cache_write_5m INTEGER NOT NULL DEFAULT 0,
    cache_write_1h INTEGER NOT NULL DEFAULT 0,
    cache_read     INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    raw            BLOB NOT NULL
);
-- Upserts and jumps to a custom_id; measured: without it every page scans the batch.
CREATE UNIQUE INDEX results_by_custom_id ON results (batch_id, custom_id);
-- Outcome filters page in custom_id order without a sort.
CREATE INDEX results_by_type ON results (batch_id, type, custom_id);
CREATE INDEX results_by_error ON results (batch_id, error_key) WHERE error_key IS NOT NULL;

CREATE VIRTUAL TABLE results_fts USING fts5 (
    text, error_message, content='results', content_rowid='seq', tokenize='unicode61'
);
CREATE TRIGGER results_fts_insert AFTER INSERT ON results BEGIN
    INSERT INTO results_fts (rowid, text, error_message)
    VALUES (new.seq, new.text, new.error_message);
END;
CREATE TRIGGER results_fts_delete AFTER DELETE ON results BEGIN
    INSERT INTO results_fts (results_fts, rowid, text, error_message)
    VALUES ('delete', old.seq, old.text, old.error_message);
END;
CREATE TRIGGER results_fts_update AFTER UPDATE OF text, error_message ON results BEGIN
    INSERT INTO results_fts (results_fts, rowid, text, error_message)
    VALUES ('delete', old.seq, old.text, old.error_message);
    INSERT INTO results_fts (rowid, text, error_message)
    VALUES (new.seq, new.text, new.error_message);
END;
"""

SCHEMA_V2_SUBMISSIONS = """
-- The submit ledger: one row per batch we are about to create, written BEFORE the create call
-- and completed after it, so a crash or timeout in between can be reconciled on the next run
-- instead of creating the batch twice (see tui/core/submit/ledger.py).
CREATE TABLE submissions (
    token         TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL,
    profile       TEXT NOT NULL,
    file_sha256   TEXT NOT NULL,
    source        TEXT,
    label         TEXT,
    parent_id     TEXT,
    chunk_index   INTEGER NOT NULL,
    chunk_count   INTEGER NOT NULL,
    request_count INTEGER NOT NULL,
    fingerprint   TEXT NOT NULL,
    state         TEXT NOT NULL,
    batch_id      TEXT,
    started_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE INDEX submissions_by_file ON submissions (profile, file_sha256, chunk_index);
"""

SCHEMA_V3_DEFERRED_SEARCH_INDEX = """
-- Batches whose results are being bulk-downloaded: their rows skip the full-text triggers, and
-- the whole batch is indexed in one statement when the download ends, which costs a third of
-- indexing row by row (ResultRepository.defer_search_index / build_search_index).
CREATE TABLE fts_deferred (batch_id TEXT PRIMARY KEY) WITHOUT ROWID;
DROP TRIGGER results_fts_insert;
DROP TRIGGER results_fts_delete;
DROP TRIGGER results_fts_update;
CREATE TRIGGER results_fts_insert AFTER INSERT ON results
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred WHERE batch_id = new.batch_id) BEGIN
    INSERT INTO results_fts (rowid, text, error_message)
    VALUES (new.seq, new.text, new.error_message);
END;
CREATE TRIGGER results_fts_delete AFTER DELETE ON results
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred WHERE batch_id = old.batch_id) BEGIN
    INSERT INTO results_fts (results_fts, rowid, text, error_message)
    VALUES ('delete', old.seq, old.text, old.error_message);
END;
CREATE TRIGGER results_fts_update AFTER UPDATE OF text, error_message ON results
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred WHERE batch_id = new.batch_id) BEGIN
    INSERT INTO results_fts (results_fts, rowid, text, error_message)
    VALUES ('delete', old.seq, old.text, old.error_message);
    INSERT INTO results_fts (rowid, text, error_message)
    VALUES (new.seq, new.text, new.error_message);
END;
"""

SCHEMA_V4_BULK_SEARCH_INDEX = """
-- A deferred batch whose download started with no rows appends them with plain INSERTs and
-- indexes each chunk for search in the chunk's own transaction: rows of the batch up to this
-- seq are in the full-text index (0: none are). See ResultRepository.appending.
ALTER TABLE fts_deferred ADD COLUMN indexed_upto INTEGER NOT NULL DEFAULT 0;
-- The index without positions (detail=none): searches are words ANDed, the last as a prefix,
-- never phrases (fts_query), and building it costs a third less. Rebuilt here from the rows,
-- leaving out deferred batches as before.
DROP TABLE results_fts;
CREATE VIRTUAL TABLE results_fts USING fts5 (
    text, error_message, content='results', content_rowid='seq', tokenize='unicode61',
    detail=none
);
INSERT INTO results_fts (rowid, text, error_message)
SELECT seq, text, error_message FROM results
WHERE batch_id NOT IN (SELECT batch_id FROM fts_deferred) ORDER BY seq;
"""

SCHEMA_V5_ATTENTION_AND_PACE = """
-- A batch the user acknowledged ("a"), or whose retries left no failure: it no longer needs
-- attention. acknowledged_by says which ('you' or 'retries'); both are local, never synced.
ALTER TABLE batches ADD COLUMN acknowledged_at REAL;
ALTER TABLE batches ADD COLUMN acknowledged_by TEXT;
-- Finished requests of a running batch as each poll saw them: throughput and ETA are read
-- from here (tui/core/pace.py). Small: one row per poll that changed a running batch.
CREATE TABLE count_samples (
    batch_id TEXT NOT NULL,
    at       REAL NOT NULL,
    finished INTEGER NOT NULL,
    total    INTEGER NOT NULL,
    PRIMARY KEY (batch_id, at)
) WITHOUT ROWID;
"""

SCHEMA_V6_RAW_DICTIONARIES = """
-- results.raw is stored zstd-compressed with a dictionary trained per batch (a frame names its
-- dictionary's id); rows written before, and small batches, keep the plain line. See
-- tui/core/store/raw_json.py.
CREATE TABLE raw_dictionaries (
    id       INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL UNIQUE,
    data     BLOB NOT NULL
);
"""

MIGRATIONS: list[tuple[int, str]] = [
    (1, SCHEMA_V1),
    (2, SCHEMA_V2_SUBMISSIONS),
    (3, SCHEMA_V3_DEFERRED_SEARCH_INDEX),
    (4, SCHEMA_V4_BULK_SEARCH_INDEX),
    (5, SCHEMA_V5_ATTENTION_AND_PACE),
    (6, SCHEMA_V6_RAW_DICTIONARIES),
]
"""``(version, script)`` pairs in ascending order; the database ends at the last version."""

LATEST_VERSION = MIGRATIONS[-1][0]
