-- Workspace views (issue 20). ``views`` holds a project's named views, which
-- anyone who can read the project may open, and ``workspaces`` each user's own
-- workspace, saved as they edit it (owner '' off team mode). A spec is the JSON
-- the UI saved ({layout, query}), and the store does not look inside it. The
-- PostgreSQL dialect has the same tables and columns under the same number.
CREATE TABLE views (
    pk INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    author TEXT,
    spec TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (project_id, id)
);

CREATE TABLE workspaces (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    owner TEXT NOT NULL,
    spec TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (project_id, owner)
);
