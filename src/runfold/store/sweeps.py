"""Sweeps in the store (migration 0005): a project's hyperparameter searches, the
proposals handed to agents, and the agents. A part of ``SQLStore`` (``sql.py``),
so both backends share this SQL.

Many agents, in many processes or behind a server, share one sweep through
``claim_sweep_run``: in one write transaction (the sweep's row locked) it hands out
a lost proposal again, or the next index with the parameters ``propose(index)``
gives, so no index is handed out twice and a grid point runs once. A proposal is
lost when its agent has not been seen for ``lost_after`` seconds (its process
died; claiming counts as being seen); its run is then marked ``lost`` and its
parameters go to the next agent. So that a lost point can still be run, a sweep
whose search is done stays ``running`` (claims get nothing) until its last
proposal has ended, and only then becomes ``finished``.
The store does not search: ``propose`` comes from ``runfold.sweeps`` (via the
agent's controller), so this module knows nothing of search methods.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from ..errors import NotFound, UsageError
from .rows import AgentRow, Claim, SweepRow, SweepRunRow
from .sqlbase import SQLBase

__all__ = [
    "SweepsMixin", "SweepRow", "SweepRunRow", "AgentRow", "Claim", "SWEEP_STATES",
    "RUN_END_STATES", "sweep_fields",
]  # fmt: skip

# running: agents take runs; paused: they wait; finished: no new runs (stopped, or
# the search is done); canceled: no new runs and running ones are ended.
SWEEP_STATES = ("running", "paused", "finished", "canceled")
# A proposal's life: running, then finished / failed / crashed / stopped (early
# termination, or the sweep canceled), or lost (its agent died) and then replaced.
RUN_END_STATES = ("finished", "failed", "crashed", "stopped")
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
NO_SWEEP = (
    "Sweep {sweep_id!r} not found in project {project!r}. List its sweeps with: "
    "runfold sweeps {project}"
)


def sweep_fields(sweep: SweepRow) -> dict[str, Any]:
    """A sweep as the API's JSON."""
    return {
        "id": sweep.id, "project": sweep.project, "name": sweep.name,
        "state": sweep.state, "config": sweep.definition,
        "created_at": sweep.created_at, "updated_at": sweep.updated_at,
        "run_count": sweep.run_count,
        "agents": [vars(a) for a in sweep.agents],
    }  # fmt: skip


def _new_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def _run_row(row: Any) -> SweepRunRow:
    run_id, index, params, agent_id, state, reason, claimed_at, ended_at = row
    return SweepRunRow(run_id, index, json.loads(params), agent_id, state, reason,
                       claimed_at, ended_at)  # fmt: skip


_SWEEP_COLUMNS = "s.pk, s.id, s.name, s.state, s.definition, s.created_at, s.updated_at"
_RUN_COLUMNS = "run_id, idx, params, agent_id, state, reason, claimed_at, ended_at"


class SweepsMixin(SQLBase):
    """Sweeps, their proposals and agents, over ``SQLBase``'s transactions."""

    def create_sweep(
        self, project: str, definition: dict[str, Any], *, name: str | None = None
    ) -> SweepRow:
        """A new sweep in ``running`` state (the project is created if new).
        ``definition`` is stored as given (``SweepDefinition.as_dict()``); a name
        with NUL is refused on both backends (PostgreSQL's text cannot hold it)."""
        if name is not None and (not isinstance(name, str) or "\x00" in name):
            raise UsageError(
                f"The sweep's name {name!r:.60} is not allowed: it must be text "
                "without NUL characters."
            )
        now = time.time()
        with self._write() as cur:
            project_id = self._project_id(cur, project, create=True)
            sweep_id = _new_id()
            self._exec(cur, (
                "INSERT INTO sweeps (project_id, id, name, state, definition, created_at,"
                " updated_at) VALUES (?, ?, ?, 'running', ?, ?, ?)"
            ), (project_id, sweep_id, name, json.dumps(definition), now, now))  # fmt: skip
        return self.get_sweep(project, sweep_id)

    def _sweep_pk(self, cur: Any, project: str, sweep_id: str, lock: str = "") -> Any:
        found = self._one(cur, (
            f"SELECT {_SWEEP_COLUMNS} FROM sweeps s JOIN projects p ON p.id = s.project_id"
            f" WHERE p.name = ? AND s.id = ?{lock}"
        ), (project, sweep_id))  # fmt: skip
        if found is None:
            raise NotFound(NO_SWEEP.format(sweep_id=sweep_id, project=project))
        return found

    def _sweep_row(self, cur: Any, project: str, found: Any) -> SweepRow:
        pk, sweep_id, name, state, definition, created, updated = found
        (count,) = self._one(cur, (
            "SELECT COUNT(*) FROM sweep_runs WHERE sweep_pk = ? AND state <> 'replaced'"
        ), (pk,))  # fmt: skip
        agents = [AgentRow(*row) for row in self._all(cur, (
            "SELECT id, host, pid, started_at, seen_at, state FROM sweep_agents"
            " WHERE sweep_pk = ? ORDER BY started_at"
        ), (pk,))]  # fmt: skip
        return SweepRow(project, sweep_id, name, state, json.loads(definition),
                        created, updated, int(count), agents)  # fmt: skip

    def get_sweep(self, project: str, sweep_id: str) -> SweepRow:
        """One sweep with its run count and agents; NotFound says how to list them."""
        with self._read() as cur:
            return self._sweep_row(cur, project, self._sweep_pk(cur, project, sweep_id))

    def list_sweeps(self, project: str) -> list[SweepRow]:
        """The project's sweeps, newest first; raises ProjectNotFound."""
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            rows = self._all(cur, (
                f"SELECT {_SWEEP_COLUMNS} FROM sweeps s WHERE s.project_id = ?"
                " ORDER BY s.created_at DESC"
            ), (project_id,))  # fmt: skip
            return [self._sweep_row(cur, project, row) for row in rows]

    def set_sweep_state(self, project: str, sweep_id: str, state: str) -> SweepRow:
        """Pause, resume, stop (``finished``) or cancel a sweep."""
        if state not in SWEEP_STATES:
            raise UsageError(
                f"Sweep state {state!r} is not one of {', '.join(SWEEP_STATES)}."
            )
        with self._write() as cur:
            pk = self._sweep_pk(cur, project, sweep_id, self._lock_sweep)[0]
            self._exec(cur, "UPDATE sweeps SET state = ?, updated_at = ? WHERE pk = ?",
                       (state, time.time(), pk))  # fmt: skip
        return self.get_sweep(project, sweep_id)

    def sweep_runs(self, project: str, sweep_id: str) -> list[SweepRunRow]:
        """Every proposal handed out, in index order (a replaced one before the
        proposal that took its place)."""
        with self._read() as cur:
            pk = self._sweep_pk(cur, project, sweep_id)[0]
            rows = self._all(cur, (
                f"SELECT {_RUN_COLUMNS} FROM sweep_runs WHERE sweep_pk = ?"
                " ORDER BY idx, claimed_at"
            ), (pk,))  # fmt: skip
        return [_run_row(r) for r in rows]

    def agent_seen(
        self, project: str, sweep_id: str, agent_id: str, *, host: str | None = None,
        pid: int | None = None, state: str = "running", at: float | None = None,
    ) -> str:  # fmt: skip
        """Record an agent's contact (its first adds it); returns the sweep's state,
        so an agent learns of a pause or a cancel from its heartbeat."""
        now = time.time() if at is None else at
        with self._write() as cur:
            found = self._sweep_pk(cur, project, sweep_id)
            pk, sweep_state = found[0], found[3]
            self._exec(cur, (
                "INSERT INTO sweep_agents (sweep_pk, id, host, pid, started_at, seen_at,"
                " state) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sweep_pk, id)"
                " DO UPDATE SET seen_at = excluded.seen_at, state = excluded.state,"
                " host = COALESCE(excluded.host, sweep_agents.host),"
                " pid = COALESCE(excluded.pid, sweep_agents.pid)"
            ), (pk, agent_id, host, pid, now, now, state))  # fmt: skip
        return str(sweep_state)

    def claim_sweep_run(
        self, project: str, sweep_id: str, agent_id: str,
        propose: Callable[[int], dict[str, Any] | None], *, run_id: str | None = None,
        lost_after: float = 60.0, now: float | None = None,
    ) -> Claim:  # fmt: skip
        """Hand the agent its next proposal: a lost one again, else the next index
        with ``propose(index)``'s parameters. Nothing while the sweep is not
        running, nor when the search is done (``propose`` gives None) but other
        proposals still run; once none does, the sweep becomes ``finished``.
        Claiming counts as the agent's contact (``agent_seen``)."""
        now = time.time() if now is None else now
        with self._write() as cur:
            found = self._sweep_pk(cur, project, sweep_id, self._lock_sweep)
            pk, state = found[0], found[3]
            if state != "running":
                return Claim(state, None)
            self._touch_agent(cur, pk, agent_id, now)
            self._mark_lost(cur, pk, now - lost_after)
            index, params = self._next_proposal(cur, pk, propose)
            if params is None:
                return Claim(self._finish_if_idle(cur, pk, now), None)
            self._exec(cur, "UPDATE sweeps SET updated_at = ? WHERE pk = ?", (now, pk))
            run = SweepRunRow(run_id or _new_id(), index, params, agent_id,
                              "running", None, now, None)  # fmt: skip
            self._exec(cur, (
                f"INSERT INTO sweep_runs (sweep_pk, {_RUN_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ), (pk, run.run_id, run.index, json.dumps(params), agent_id, run.state,
                None, now, None))  # fmt: skip
            return Claim("running", run)

    @property
    def _lock_sweep(self) -> str:
        # Only the sweep's row: a lock on its project's row would queue run writes.
        return self._for_update and self._for_update + " OF s"

    def _next_proposal(
        self, cur: Any, pk: int, propose: Callable[[int], dict[str, Any] | None]
    ) -> tuple[int, dict[str, Any] | None]:
        """A lost proposal's index and parameters (it becomes ``replaced``), else
        the next index and ``propose``'s parameters for it (None: none left)."""
        again = self._one(cur, (
            "SELECT run_id, idx, params FROM sweep_runs WHERE sweep_pk = ? AND"
            " state = 'lost' ORDER BY idx LIMIT 1"
        ), (pk,))  # fmt: skip
        if again is not None:
            self._exec(cur, "UPDATE sweep_runs SET state = 'replaced' WHERE"
                       " sweep_pk = ? AND run_id = ?", (pk, again[0]))  # fmt: skip
            return int(again[1]), json.loads(again[2])
        (index,) = self._one(cur, "SELECT next_index FROM sweeps WHERE pk = ?", (pk,))
        params = propose(int(index))
        if params is not None:
            self._exec(cur, "UPDATE sweeps SET next_index = next_index + 1"
                       " WHERE pk = ?", (pk,))  # fmt: skip
        return int(index), params

    def _finish_if_idle(self, cur: Any, pk: int, now: float) -> str:
        """The search is done: ``finished`` once no proposal runs, else still
        ``running`` (a running one may yet be lost and handed out again)."""
        (running,) = self._one(cur, (
            "SELECT COUNT(*) FROM sweep_runs WHERE sweep_pk = ? AND state = 'running'"
        ), (pk,))  # fmt: skip
        if running:
            return "running"
        self._exec(cur, "UPDATE sweeps SET state = 'finished', updated_at = ?"
                   " WHERE pk = ?", (now, pk))  # fmt: skip
        return "finished"

    def _touch_agent(self, cur: Any, pk: int, agent_id: str, now: float) -> None:
        self._exec(cur, (
            "INSERT INTO sweep_agents (sweep_pk, id, host, pid, started_at, seen_at,"
            " state) VALUES (?, ?, NULL, NULL, ?, ?, 'running') ON CONFLICT"
            " (sweep_pk, id) DO UPDATE SET seen_at = excluded.seen_at"
        ), (pk, agent_id, now, now))  # fmt: skip

    def _mark_lost(self, cur: Any, pk: int, seen_before: float) -> None:
        self._exec(cur, (
            "UPDATE sweep_runs SET state = 'lost', reason = 'its agent stopped"
            " answering', ended_at = ? WHERE sweep_pk = ? AND state = 'running' AND"
            " agent_id IN (SELECT id FROM sweep_agents WHERE sweep_pk = ? AND"
            " seen_at < ?)"
        ), (time.time(), pk, pk, seen_before))  # fmt: skip

    def end_sweep_run(
        self, project: str, sweep_id: str, run_id: str, state: str,
        reason: str | None = None,
    ) -> None:  # fmt: skip
        """A proposal's run ended: finished, failed, crashed or stopped (with the
        reason, e.g. hyperband's). A proposal already handed out again stays
        ``replaced``: its agent was thought dead, and its point ran elsewhere."""
        if state not in RUN_END_STATES:
            raise UsageError(
                f"Sweep run state {state!r} is not one of {', '.join(RUN_END_STATES)}."
            )
        with self._write() as cur:
            pk = self._sweep_pk(cur, project, sweep_id)[0]
            self._exec(cur, (
                "UPDATE sweep_runs SET state = ?, reason = COALESCE(?, reason),"
                " ended_at = ? WHERE sweep_pk = ? AND run_id = ? AND state <> 'replaced'"
            ), (state, reason, time.time(), pk, run_id))  # fmt: skip
