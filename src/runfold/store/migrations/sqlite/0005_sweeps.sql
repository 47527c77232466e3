-- Sweeps (issue 14): a hyperparameter search over a project's runs: ``sweeps`` holds
-- the definition (normalised JSON) and the state, ``sweep_runs`` each proposal
-- handed to an agent (its index, parameters and the run id it was given), and
-- ``sweep_agents`` each agent and its last contact. The PostgreSQL dialect has the
-- same tables and columns under the same number.
CREATE TABLE sweeps (
    pk INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    id TEXT NOT NULL,
    name TEXT,
    state TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    next_index INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, id)
);

CREATE TABLE sweep_runs (
    sweep_pk INTEGER NOT NULL REFERENCES sweeps (pk),
    run_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    params TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    claimed_at REAL NOT NULL,
    ended_at REAL,
    PRIMARY KEY (sweep_pk, run_id)
);
CREATE INDEX sweep_runs_state ON sweep_runs (sweep_pk, state);

CREATE TABLE sweep_agents (
    sweep_pk INTEGER NOT NULL REFERENCES sweeps (pk),
    id TEXT NOT NULL,
    host TEXT,
    pid INTEGER,
    started_at REAL NOT NULL,
    seen_at REAL NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (sweep_pk, id)
);
