-- Workspace layouts per page (issue 20): a user's workspace of a project (scope '')
-- and of each of its group pages (scope 'group:<name>'), one row each. SQLite
-- cannot change a primary key, so the table is made again with the rows it had
-- (all of them the project workspace's). The PostgreSQL dialect has the same
-- columns and key under the same number.
CREATE TABLE workspaces_scoped (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    owner TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    spec TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (project_id, owner, scope)
);

INSERT INTO workspaces_scoped (project_id, owner, scope, spec, updated_at)
    SELECT project_id, owner, '', spec, updated_at FROM workspaces;

DROP TABLE workspaces;

ALTER TABLE workspaces_scoped RENAME TO workspaces;
