-- Histograms logged with runfold.Histogram: one row per (run, key, step), the bin
-- edges and counts as packed float64 arrays.
CREATE TABLE histograms (
    run_pk INTEGER NOT NULL REFERENCES runs (pk),
    metric_id INTEGER NOT NULL REFERENCES metrics (id),
    step INTEGER NOT NULL,
    logged_at REAL NOT NULL,
    bins BLOB NOT NULL,
    counts BLOB NOT NULL,
    PRIMARY KEY (run_pk, metric_id, step)
)
