-- Artifacts (issue 17): versioned datasets and models with lineage. ``artifacts`` is
-- a name in a project (its type, and the number its next version gets, so a
-- number is never given twice), ``artifact_versions`` one version each: its
-- manifest's digest (its identity: the same content is the same version), sizes,
-- metadata and the run that logged it first, ``artifact_aliases`` the movable
-- names of versions (latest, best ...), ``artifact_runs`` the lineage: which runs
-- logged (role 'logged') and used (role 'used') each version. The files and the
-- manifest are content-addressed files under the store's artifacts/ folder, not
-- rows. The PostgreSQL dialect has the same tables under the same number.
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at REAL NOT NULL,
    next_version INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, name)
);

CREATE TABLE artifact_versions (
    id INTEGER PRIMARY KEY,
    artifact_id INTEGER NOT NULL REFERENCES artifacts (id),
    version INTEGER NOT NULL,
    digest TEXT NOT NULL,
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    size INTEGER NOT NULL,
    file_count INTEGER NOT NULL,
    created_at REAL NOT NULL,
    run_pk INTEGER REFERENCES runs (pk),
    UNIQUE (artifact_id, version),
    UNIQUE (artifact_id, digest)
);

CREATE TABLE artifact_aliases (
    artifact_id INTEGER NOT NULL REFERENCES artifacts (id),
    alias TEXT NOT NULL,
    version_id INTEGER NOT NULL REFERENCES artifact_versions (id),
    PRIMARY KEY (artifact_id, alias)
);
CREATE INDEX artifact_aliases_version ON artifact_aliases (version_id);

CREATE TABLE artifact_runs (
    version_id INTEGER NOT NULL REFERENCES artifact_versions (id),
    run_pk INTEGER NOT NULL REFERENCES runs (pk),
    role TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (version_id, run_pk, role)
);
CREATE INDEX artifact_runs_run ON artifact_runs (run_pk, role)
