-- Runfold schema, version 1. Keep it portable: the PostgreSQL dialect has the same
-- tables and columns under the same number.
CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);

CREATE TABLE runs (
    pk INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    "group" TEXT,
    job_type TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT,
    state TEXT NOT NULL DEFAULT 'running',
    exit_code INTEGER,
    config TEXT NOT NULL DEFAULT '{}',
    summary_set TEXT NOT NULL DEFAULT '{}',
    summary_rules TEXT NOT NULL DEFAULT '{}',
    host TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished_at REAL,
    heartbeat_at REAL,
    heartbeat_seconds REAL NOT NULL DEFAULT 10,
    last_seq INTEGER NOT NULL DEFAULT 0,
    next_step INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, id)
);
CREATE INDEX runs_project_group ON runs (project_id, "group");

CREATE TABLE metrics (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    key TEXT NOT NULL,
    UNIQUE (project_id, key)
);

CREATE TABLE metric_stats (
    run_pk INTEGER NOT NULL REFERENCES runs (pk),
    metric_id INTEGER NOT NULL REFERENCES metrics (id),
    count INTEGER NOT NULL,
    nans INTEGER NOT NULL,
    sum REAL NOT NULL,
    first REAL,
    last REAL,
    min REAL,
    max REAL,
    min_step INTEGER,
    max_step INTEGER,
    first_step INTEGER,
    last_step INTEGER,
    PRIMARY KEY (run_pk, metric_id)
);
CREATE INDEX metric_stats_metric ON metric_stats (metric_id);

CREATE TABLE history_chunks (
    run_pk INTEGER NOT NULL REFERENCES runs (pk),
    metric_id INTEGER NOT NULL REFERENCES metrics (id),
    first_seq INTEGER NOT NULL,
    n INTEGER NOT NULL,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    steps BLOB NOT NULL,
    timestamps BLOB NOT NULL,
    vals BLOB NOT NULL,
    PRIMARY KEY (run_pk, metric_id, first_seq)
);

CREATE TABLE history_lod (
    run_pk INTEGER NOT NULL REFERENCES runs (pk),
    metric_id INTEGER NOT NULL REFERENCES metrics (id),
    width INTEGER NOT NULL,
    sums BLOB NOT NULL,
    counts BLOB NOT NULL,
    PRIMARY KEY (run_pk, metric_id)
);
