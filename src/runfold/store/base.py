"""The store interface and the plain data it returns. No SQL here."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .history import Columns, Lod, Reductions

__all__ = ["RunRow", "ProjectRow", "Store"]


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


@dataclass
class ProjectRow:
    name: str
    run_count: int
    group_count: int
    last_activity: float | None


class Store(Protocol):
    """What every backend (SQLite, PostgreSQL) provides.

    Writes are idempotent by (run, sequence): ``ingest`` skips records whose
    sequence number the run has already seen, so replaying a run log adds nothing
    twice. Reads return plain dataclasses and NumPy arrays.
    """

    def ingest(
        self,
        project: str,
        run_id: str,
        records: list[tuple[int, str, Any]],
        *,
        heartbeat_at: float | None = None,
    ) -> int:
        """Apply run-log records; return the run's last ingested sequence number."""
        ...

    def heartbeat(self, project: str, run_id: str, at: float) -> None: ...

    def get_run(self, project: str, run_id: str) -> RunRow | None: ...

    def list_runs(self, project: str) -> list[RunRow]:
        """All runs of a project with summary and reductions; raises ProjectNotFound."""
        ...

    def list_projects(self) -> list[ProjectRow]: ...

    def update_run(self, project: str, run_id: str, changes: dict[str, Any]) -> None:
        """Change EDITABLE_FIELDS of a run after the fact; raises RunNotFound."""
        ...

    def history(self, run_pk: int, keys: list[str] | None) -> dict[str, Columns]: ...

    def metric_keys(self, project: str) -> list[str]: ...

    def histogram_keys(self, run_pk: int) -> list[tuple[str, int, int, int]]: ...

    def series(self, run_pks: list[int], key: str) -> dict[int, Columns]: ...

    def lods(self, run_pks: list[int], key: str) -> dict[int, Lod]: ...

    def close(self) -> None: ...
