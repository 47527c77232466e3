-- Histograms logged with runfold.Histogram: one row per (run, key, step), the bin
-- edges and counts as packed float64 arrays.
CREATE TABLE histograms (
    run_pk BIGINT NOT NULL REFERENCES runs (pk),
    metric_id BIGINT NOT NULL REFERENCES metrics (id),
    step BIGINT NOT NULL,
    logged_at DOUBLE PRECISION NOT NULL,
    bins BYTEA NOT NULL,
    counts BYTEA NOT NULL,
    PRIMARY KEY (run_pk, metric_id, step)
)
