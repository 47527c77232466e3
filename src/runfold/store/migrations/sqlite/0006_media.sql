-- Media logged with runfold.Image, Table, plot.* ... (issue 15): one row per (run,
-- key, step) holding the reference to the media files (W&B's shape, JSON) and its
-- _type. The files themselves are files of the run (files/media/...). The
-- PostgreSQL dialect has the same table under the same number.
CREATE TABLE media (
    run_pk INTEGER NOT NULL REFERENCES runs (pk),
    metric_id INTEGER NOT NULL REFERENCES metrics (id),
    step INTEGER NOT NULL,
    logged_at REAL NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_pk, metric_id, step)
);
CREATE INDEX media_key_step ON media (metric_id, step)
