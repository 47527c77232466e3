-- Workspace layouts per page (issue 20, PostgreSQL): a user's workspace of a
-- project (scope '') and of each of its group pages (scope 'group:<name>'), one
-- row each. The rows there were are the project workspace's. The SQLite dialect
-- has the same columns and key under the same number.
ALTER TABLE workspaces ADD COLUMN scope TEXT NOT NULL DEFAULT '';

ALTER TABLE workspaces DROP CONSTRAINT workspaces_pkey;

ALTER TABLE workspaces ADD PRIMARY KEY (project_id, owner, scope);

COMMENT ON COLUMN workspaces.scope IS
    'The page: empty for the project workspace, group:<name> for a group page'
