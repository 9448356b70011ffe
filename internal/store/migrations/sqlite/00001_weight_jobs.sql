-- Weight jobs, their per-key request counter and their history (SQLite).
-- Times are Unix microseconds (UTC); JSON columns hold TEXT.

-- +goose Up
CREATE TABLE weight_job_keys (
    identity  TEXT    NOT NULL,
    netuid    INTEGER NOT NULL,
    mechanism INTEGER NOT NULL,
    -- Bumped by every Create for the key; the row is also what serialises
    -- concurrent Creates of one key.
    seq       INTEGER NOT NULL,
    PRIMARY KEY (identity, netuid, mechanism)
);

CREATE TABLE weight_jobs (
    id                     TEXT    NOT NULL PRIMARY KEY,
    identity               TEXT    NOT NULL,
    hotkey                 TEXT    NOT NULL,
    netuid                 INTEGER NOT NULL,
    mechanism              INTEGER NOT NULL,
    seq                    INTEGER NOT NULL,
    weights                TEXT    NOT NULL,
    options                TEXT    NOT NULL,
    status                 TEXT    NOT NULL CHECK (status IN ('pending', 'running', 'committed', 'landed', 'failed', 'expired', 'superseded', 'cancelled')),
    version                INTEGER NOT NULL,
    epoch_formula          TEXT,
    epoch_index            INTEGER,
    window_start           INTEGER,
    window_end             INTEGER,
    attempts               INTEGER NOT NULL DEFAULT 0,
    next_attempt_at        INTEGER,
    last_error             TEXT,
    last_error_module      TEXT,
    submission             TEXT,
    commit_state           TEXT,
    commit_block           INTEGER,
    result_block           INTEGER,
    result_block_hash      TEXT,
    result_extrinsic_hash  TEXT,
    result_extrinsic_index INTEGER,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    finished_at            INTEGER
);

-- Latest wins, enforced by the database too: at most one unfinished job per key.
CREATE UNIQUE INDEX weight_jobs_one_unfinished
    ON weight_jobs (identity, netuid, mechanism)
    WHERE status IN ('pending', 'running', 'committed');

CREATE INDEX weight_jobs_by_key_status ON weight_jobs (identity, netuid, mechanism, status);
CREATE INDEX weight_jobs_by_status ON weight_jobs (status, created_at);

CREATE TABLE weight_job_events (
    seq    INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    job_id TEXT    NOT NULL REFERENCES weight_jobs (id) ON DELETE CASCADE,
    at     INTEGER NOT NULL,
    kind   TEXT    NOT NULL,
    detail TEXT    NOT NULL
);

CREATE INDEX weight_job_events_by_job ON weight_job_events (job_id, seq);

-- +goose Down
DROP TABLE weight_job_events;
DROP TABLE weight_jobs;
DROP TABLE weight_job_keys;
