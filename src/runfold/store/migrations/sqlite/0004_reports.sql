-- Reports (issue 8): a project's write-ups. ``reports`` holds each report's latest
-- title, group and version (for lists), ``report_versions`` every saved version,
-- so an edit can be undone and an older version read. Blocks are JSON text. The
-- PostgreSQL dialect has the same tables and columns under the same number.
CREATE TABLE reports (
    pk INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    id TEXT NOT NULL,
    "group" TEXT,
    title TEXT NOT NULL,
    author TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (project_id, id)
);
CREATE INDEX reports_project_group ON reports (project_id, "group");

CREATE TABLE report_versions (
    report_pk INTEGER NOT NULL REFERENCES reports (pk),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    "group" TEXT,
    author TEXT,
    blocks TEXT NOT NULL,
    saved_at REAL NOT NULL,
    PRIMARY KEY (report_pk, version)
);
