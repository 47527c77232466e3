"""The plain data a store returns: runs, projects, reports, accounts, sweeps. No SQL
here.

``base.py`` re-exports these beside the interfaces that return them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .history import Reductions

__all__ = [
    "RunRow", "RunList", "ProjectRow", "ReportRow", "ReportVersion", "Caller", "KeyInfo",
    "SweepRow", "SweepRunRow", "AgentRow", "Claim", "MediaRef",
]  # fmt: skip


@dataclass
class RunRow:
    pk: int
    project: str
    id: str
    name: str
    group: str | None
    job_type: str | None
    tags: list[str]
    notes: str | None
    state: str
    exit_code: int | None
    config: dict[str, Any]
    summary: dict[str, Any]
    host: str | None
    meta_json: str
    created_at: float
    updated_at: float
    finished_at: float | None
    heartbeat_at: float | None
    last_seq: int
    next_step: int
    metrics: dict[str, Reductions] = field(default_factory=dict)
    stored_state: str = "running"  # as written; ``state`` adds the heartbeat rule
    heartbeat_seconds: float = 10.0

    @property
    def meta(self) -> dict[str, Any]:
        """Host and process details (decoded on use: no table needs them)."""
        return json.loads(self.meta_json)

    @property
    def runtime(self) -> float:
        end = self.finished_at or self.heartbeat_at or self.updated_at or time.time()
        return max(0.0, end - self.created_at)


class RunList(list[RunRow]):
    """Runs as a store lists them, with ``key``: a value naming these runs as they
    are now (equal keys, equal runs; ``query.cache.rows_key`` uses it), or None."""

    key: Any = None


@dataclass
class ProjectRow:
    name: str
    run_count: int
    group_count: int
    last_activity: float | None


@dataclass(frozen=True)
class ReportRow:
    """One version of a report; ``blocks`` is None in lists."""

    id: str
    project: str
    group: str | None
    title: str
    author: str | None
    created_at: float
    updated_at: float
    version: int
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class ReportVersion:
    version: int
    updated_at: float
    author: str | None
    title: str


@dataclass(frozen=True)
class Caller:
    """Who sent a request: the user behind an API key or a UI session."""

    user_id: int
    user: str
    key_id: int
    team_ids: frozenset[int]
    default_team_id: int | None


@dataclass(frozen=True)
class KeyInfo:
    id: int
    user: str
    name: str | None
    prefix: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None


@dataclass
class AgentRow:
    id: str
    host: str | None
    pid: int | None
    started_at: float
    seen_at: float
    state: str


@dataclass
class SweepRunRow:
    run_id: str
    index: int
    params: dict[str, Any]
    agent_id: str
    state: str
    reason: str | None
    claimed_at: float
    ended_at: float | None


@dataclass
class SweepRow:
    project: str
    id: str
    name: str | None
    state: str
    definition: dict[str, Any]
    created_at: float
    updated_at: float
    run_count: int
    agents: list[AgentRow] = field(default_factory=list)


@dataclass
class Claim:
    """What an agent asking for work gets: the sweep's state, and the proposal
    handed to it (None: none now, e.g. paused, finished or the search is done)."""

    state: str
    run: SweepRunRow | None


# One logged media value of a run's key: (step, timestamp, W&B reference dict).
MediaRef = tuple[int, float, dict[str, Any]]
