-- Team mode (issue 7): users, teams, memberships, API keys (only their sha256 is
-- stored), UI sessions, and the team that owns each project. The PostgreSQL dialect
-- has the same tables and columns under the same number.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    default_team_id INTEGER REFERENCES teams (id),
    created_at REAL NOT NULL
);

CREATE TABLE memberships (
    team_id INTEGER NOT NULL REFERENCES teams (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at REAL NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT,
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES api_keys (id),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);

ALTER TABLE projects ADD COLUMN team_id INTEGER REFERENCES teams (id);
CREATE INDEX projects_team ON projects (team_id);
