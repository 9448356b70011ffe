-- Weight jobs, their per-key request counter and their history (PostgreSQL).
-- Times are Unix microseconds (UTC), as in the SQLite schema, so both stores
-- share one code path; JSON columns are jsonb.

-- +goose Up
CREATE TABLE weight_job_keys (
    identity  TEXT     NOT NULL,
    netuid    INTEGER  NOT NULL,
    mechanism SMALLINT NOT NULL,
    -- Bumped by every Create for the key; its row lock serialises concurrent
    -- Creates of one key.
    seq       BIGINT   NOT NULL,
    PRIMARY KEY (identity, netuid, mechanism)
);

CREATE TABLE weight_jobs (
    id                     TEXT     NOT NULL PRIMARY KEY,
    identity               TEXT     NOT NULL,
    hotkey                 TEXT     NOT NULL,
    netuid                 INTEGER  NOT NULL,
    mechanism              SMALLINT NOT NULL,
    seq                    BIGINT   NOT NULL,
    weights                JSONB    NOT NULL,
    options                JSONB    NOT NULL,
    status                 TEXT     NOT NULL CHECK (status IN ('pending', 'running', 'committed', 'landed', 'failed', 'expired', 'superseded', 'cancelled')),
    version                BIGINT   NOT NULL,
    epoch_formula          TEXT,
    epoch_index            BIGINT,
    window_start           BIGINT,
    window_end             BIGINT,
    attempts               INTEGER  NOT NULL DEFAULT 0,
    next_attempt_at        BIGINT,
    last_error             TEXT,
    last_error_module      TEXT,
    submission             JSONB,
    commit_state           JSONB,
    commit_block           BIGINT,
    result_block           BIGINT,
    result_block_hash      TEXT,
    result_extrinsic_hash  TEXT,
    result_extrinsic_index BIGINT,
    created_at             BIGINT   NOT NULL,
    updated_at             BIGINT   NOT NULL,
    finished_at            BIGINT
);

-- Latest wins, enforced by the database too: at most one unfinished job per key.
CREATE UNIQUE INDEX weight_jobs_one_unfinished
    ON weight_jobs (identity, netuid, mechanism)
    WHERE status IN ('pending', 'running', 'committed');

CREATE INDEX weight_jobs_by_key_status ON weight_jobs (identity, netuid, mechanism, status);
CREATE INDEX weight_jobs_by_status ON weight_jobs (status, created_at);

CREATE TABLE weight_job_events (
    seq    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id TEXT   NOT NULL REFERENCES weight_jobs (id) ON DELETE CASCADE,
    at     BIGINT NOT NULL,
    kind   TEXT   NOT NULL,
    detail JSONB  NOT NULL
);

CREATE INDEX weight_job_events_by_job ON weight_job_events (job_id, seq);

-- +goose Down
DROP TABLE weight_job_events;
DROP TABLE weight_jobs;
DROP TABLE weight_job_keys;
