"""What callers may ask of a store: three protocols, their union ``Store``, and
the plain data they return (defined in ``rows.py``, re-exported here).

``RunStore`` is runs and their data (ingest, reads, history), ``ReportStore`` a
project's reports, ``AccountStore`` team mode (users, teams, keys, sessions,
project owners). ``Store`` is all three plus the store's lifecycle: what both
backends (``SQLiteStore``, ``PostgresStore``) implement and ``open_store``
returns. Type a caller against the narrowest one it needs.
``tests/store/test_interfaces.py`` holds both backends to exactly these methods
and signatures, so a method cannot be added to one side only.

Importing this module loads neither NumPy nor a backend: the array types are
named for the type checker only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .artifactrows import ArtifactLink, ArtifactRow, ArtifactVersionRow
from .rows import (
    Caller,
    Claim,
    KeyInfo,
    MediaRef,
    ProjectRow,
    ReportRow,
    ReportVersion,
    RunList,
    RunRow,
    SweepRow,
    SweepRunRow,
)  # fmt: skip

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from .history import Columns, Lod
    from .views import ViewRow

__all__ = [
    "RunStore", "ReportStore", "AccountStore", "SweepStore", "ArtifactStore",
    "ViewStore", "Store",
    "UNCHANGED", "ArtifactRow", "ArtifactVersionRow", "ArtifactLink",
    "RunRow", "RunList", "ProjectRow", "ReportRow", "ReportVersion", "Caller", "KeyInfo",
]  # fmt: skip

# ``update_report(group=UNCHANGED)`` keeps the report's group; None detaches it.
UNCHANGED: Any = object()


class RunStore(Protocol):
    """Runs, their history and histograms.

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
        """Apply run-log records ``(seq, kind, body)`` (kinds: ``model.RecordKind``),
        creating the project and run as needed; return the run's last ingested
        sequence number. A gap in sequence numbers stops the batch there."""
        ...

    def heartbeat(self, project: str, run_id: str, at: float) -> None:
        """Note that the run's process is alive at ``at`` (no-op for a missing run)."""
        ...

    def update_run(self, project: str, run_id: str, changes: dict[str, Any]) -> None:
        """Change EDITABLE_FIELDS of a run after the fact; raises UsageError for
        other fields, ProjectNotFound or RunNotFound."""
        ...

    def list_projects(self) -> list[ProjectRow]:
        """Every project with its run and group counts, by name."""
        ...

    def list_runs(self, project: str) -> RunList:
        """All runs of a project with summary and reductions, oldest first;
        raises ProjectNotFound."""
        ...

    def get_run(self, project: str, run_id: str) -> RunRow | None:
        """One run, or None when the project or the run does not exist."""
        ...

    def metric_keys(self, project: str) -> list[str]:
        """The project's scalar metric keys, sorted; raises ProjectNotFound."""
        ...

    def history(self, run_pk: int, keys: list[str] | None) -> dict[str, Columns]:
        """One run's full history per key (all keys when ``keys`` is None)."""
        ...

    def series(
        self, run_pks: list[int], key: str, times: bool = True
    ) -> dict[int, Columns]:
        """The full history of ``key`` for each run that logged it, by run pk;
        ``times=False`` leaves the timestamps out (empty arrays), a third less
        to read."""
        ...

    def raw_chunks(
        self, run_pks: list[int], key: str
    ) -> dict[int, list[tuple[int, int, bytes, bytes]]]:
        """Each run's chunks of ``key`` as stored: (first step, points, step
        bytes, value bytes), step bytes empty for consecutive steps."""
        ...

    def lods(self, run_pks: list[int], key: str) -> dict[int, Lod]:
        """The downsampled history of ``key`` for each run that logged it."""
        ...

    def histogram_keys(self, run_pk: int) -> list[tuple[str, int, int, int]]:
        """The run's histogram keys: (key, steps, first step, last step), by key."""
        ...

    def histograms(
        self, run_pk: int, key: str
    ) -> list[tuple[int, float, np.ndarray, np.ndarray]]:
        """``[(step, timestamp, bin edges, counts)]`` of one histogram key, by step."""
        ...

    def media_keys(self, run_pk: int) -> list[tuple[str, str, int, int, int]]:
        """The run's media keys: (key, _type at the last step, steps, first, last)."""
        ...

    def media(self, run_pk: int, key: str) -> list[MediaRef]:
        """``[(step, timestamp, reference)]`` of one media key, by step."""
        ...

    def project_media_keys(
        self, project: str, run_pks: list[int] | None = None
    ) -> list[tuple[str, str, int]]:
        """The project's media keys: (key, a _type, how many runs logged it), of
        the runs ``run_pks`` when given."""
        ...

    def media_at(
        self, run_pks: list[int], key: str, step: int | None
    ) -> tuple[dict[int, MediaRef], list[int]]:
        """Per run pk, ``key``'s (step, timestamp, reference) at the largest step ≤
        ``step`` (the last when None); and every step the runs logged it at."""
        ...


class ReportStore(Protocol):
    """A project's reports; every saved version is kept (``store/reports.py``)."""

    def list_reports(self, project: str, group: str | None = None) -> list[ReportRow]:
        """The project's reports (latest versions, no blocks), newest updated
        first; with ``group``, only those about that group. ProjectNotFound."""
        ...

    def get_report(
        self, project: str, report_id: str, version: int | None = None
    ) -> ReportRow:
        """The latest version of a report, or ``version``; NotFound for either."""
        ...

    def report_versions(self, project: str, report_id: str) -> list[ReportVersion]:
        """Every saved version of a report, newest first; NotFound."""
        ...

    def create_report(
        self, project: str, title: str, *, group: str | None = None,
        blocks: Sequence[dict[str, Any]] = (), author: str | None = None,
    ) -> ReportRow:  # fmt: skip
        """A new report, version 1, in an existing project (ProjectNotFound);
        UsageError for a bad title or group."""
        ...

    def update_report(
        self, project: str, report_id: str, *, title: str | None = None,
        group: str | None = UNCHANGED, blocks: Sequence[dict[str, Any]] | None = None,
        base_version: int | None = None, author: str | None = None,
    ) -> ReportRow:  # fmt: skip
        """Save a new version: the latest with ``title``, ``group`` and ``blocks``
        replaced where given. Conflict when ``base_version`` is not the latest."""
        ...

    def restore_report(
        self, project: str, report_id: str, version: int, *, author: str | None = None
    ) -> ReportRow:
        """A new latest version whose title, group and blocks are ``version``'s."""
        ...

    def delete_report(self, project: str, report_id: str) -> None:
        """Remove a report and all its versions; NotFound."""
        ...


class AccountStore(Protocol):
    """Team mode: users, teams, API keys, UI sessions and who owns each project
    (``store/accounts.py``). Keys and session tokens are stored hashed."""

    def create_user(self, name: str) -> int:
        """Add a user and return its id; Conflict when the name is taken."""
        ...

    def create_team(self, name: str) -> int:
        """Add a team and return its id; Conflict when the name is taken."""
        ...

    def add_member(self, team: str, user: str, *, default: bool = False) -> None:
        """Put ``user`` in ``team``; their first team (or ``default=True``) owns
        the projects they create. NotFound; Conflict when already a member
        (unless ``default``)."""
        ...

    def create_key(self, user: str, name: str | None = None) -> tuple[KeyInfo, str]:
        """A new API key for ``user``: its info and the secret, shown only now."""
        ...

    def list_keys(self, user: str) -> list[KeyInfo]:
        """The user's keys, revoked ones included, oldest first; NotFound."""
        ...

    def revoke_key(self, key_id: int) -> KeyInfo:
        """Revoke a key and the UI sessions opened with it; NotFound."""
        ...

    def assign_project(self, project: str, team: str) -> None:
        """Give an existing project to ``team``; NotFound for either."""
        ...

    def caller_for_key(self, secret: str) -> Caller | None:
        """The caller an API key stands for; None when unknown or revoked."""
        ...

    def caller_for_session(self, token: str) -> Caller | None:
        """The caller of a UI session; None when unknown, expired or revoked."""
        ...

    def create_session(self, user: str, secret: str) -> tuple[Caller, str] | None:
        """Log ``user`` in with one of their keys: the caller and a new session
        token, or None when the key is not theirs (or unknown, or revoked)."""
        ...

    def delete_session(self, token: str) -> None:
        """Log a UI session out (no-op for an unknown token)."""
        ...

    def project_owner(self, project: str) -> tuple[bool, int | None]:
        """(whether the project exists, the id of its team or None)."""
        ...

    def claim_project(self, project: str, team_id: int) -> int | None:
        """Create ``project`` owned by ``team_id`` unless it exists; return the id
        of the team that owns it now."""
        ...

    def team_project_names(self, team_ids: Iterable[int]) -> set[str]:
        """The names of the projects these teams own."""
        ...

    def team_names(self, team_ids: Iterable[int]) -> list[str]:
        """The names of these teams, sorted."""
        ...


class SweepStore(Protocol):
    """A project's sweeps, the proposals handed to agents, and the agents
    (``store/sweeps.py``); the search itself is the caller's (``propose``)."""

    def create_sweep(
        self, project: str, definition: dict[str, Any], *, name: str | None = None
    ) -> SweepRow:
        """A new sweep, ``running``, with its normalised definition (the project
        is created if new)."""
        ...

    def get_sweep(self, project: str, sweep_id: str) -> SweepRow:
        """One sweep with its run count and agents; NotFound."""
        ...

    def list_sweeps(self, project: str) -> list[SweepRow]:
        """The project's sweeps, newest first; ProjectNotFound."""
        ...

    def set_sweep_state(self, project: str, sweep_id: str, state: str) -> SweepRow:
        """Pause (``paused``), resume (``running``), stop (``finished``) or cancel
        (``canceled``) a sweep; UsageError for another state."""
        ...

    def sweep_runs(self, project: str, sweep_id: str) -> list[SweepRunRow]:
        """Every proposal handed out, by index."""
        ...

    def agent_seen(
        self, project: str, sweep_id: str, agent_id: str, *, host: str | None = None,
        pid: int | None = None, state: str = "running", at: float | None = None,
    ) -> str:  # fmt: skip
        """Record an agent's contact; the sweep's state."""
        ...

    def claim_sweep_run(
        self, project: str, sweep_id: str, agent_id: str,
        propose: Callable[[int], dict[str, Any] | None], *, run_id: str | None = None,
        lost_after: float = 60.0, now: float | None = None,
    ) -> Claim:  # fmt: skip
        """The agent's next proposal, handed out once: a lost one again, else the
        next index with ``propose(index)``'s parameters."""
        ...

    def end_sweep_run(
        self, project: str, sweep_id: str, run_id: str, state: str,
        reason: str | None = None,
    ) -> None:  # fmt: skip
        """A proposal's run ended (finished, failed, crashed, stopped)."""
        ...


class ArtifactStore(Protocol):
    """Artifact versions, aliases and lineage, kept at ingest of ``artifact``
    records (``store/artifacts.py``); the files are content-addressed files
    beside the store (``runfold.artifacts.blobs``), not rows. An alias is
    ``latest``, a user's alias, ``v<number>`` or a version's digest."""

    def list_artifacts(
        self, project: str, type: str | None = None
    ) -> list[ArtifactRow]:  # noqa: A002
        """The project's artifact names (of ``type`` when given), by type and
        name, each with its version count and latest version; ProjectNotFound."""
        ...

    def artifact_versions(self, project: str, name: str) -> list[ArtifactVersionRow]:
        """Every version of an artifact, v0 first; NotFound."""
        ...

    def get_artifact_version(
        self, project: str, name: str, alias: str = "latest"
    ) -> ArtifactVersionRow:
        """One version by alias, ``vN`` or digest; NotFound."""
        ...

    def artifact_links(
        self, project: str, *, name: str | None = None,
        run_ids: list[str] | None = None,
    ) -> list[ArtifactLink]:  # fmt: skip
        """The lineage: each (run, role, version) edge of the project, of the
        artifact ``name`` and of the runs ``run_ids`` when given, oldest first."""
        ...

    def artifact_digests(self, project: str) -> set[str]:
        """The digests (manifest files) of every version the project keeps."""
        ...

    def update_artifact_version(
        self, project: str, name: str, version: str, *,
        aliases: list[str] | None = None, description: Any = UNCHANGED,
        metadata: dict[str, Any] | None = None,
    ) -> ArtifactVersionRow:  # fmt: skip
        """Set a version's aliases (moved from other versions; ``latest`` stays
        where it is), description or metadata; NotFound."""
        ...

    def delete_artifact_version(self, project: str, name: str, version: str) -> None:
        """Forget a version, its aliases and its lineage (``latest`` moves to the
        newest left); its files stay until ``runfold artifact gc``. NotFound."""
        ...


class ViewStore(Protocol):
    """A project's named workspace views and each user's own workspace
    (``store/views.py``). Specs are the UI's JSON objects, kept as given."""

    def list_views(self, project: str) -> list[ViewRow]:
        """The project's named views (no specs), by name; ProjectNotFound."""
        ...

    def get_view(self, project: str, view_id: str) -> ViewRow:
        """One named view with its spec; NotFound."""
        ...

    def create_view(
        self, project: str, name: str, spec: dict[str, Any], *,
        author: str | None = None,
    ) -> ViewRow:  # fmt: skip
        """A new named view; UsageError for a bad name or spec."""
        ...

    def update_view(
        self, project: str, view_id: str, *, name: str | None = None,
        spec: dict[str, Any] | None = None,
    ) -> ViewRow:  # fmt: skip
        """Rename a view and/or replace its spec; NotFound."""
        ...

    def delete_view(self, project: str, view_id: str) -> None:
        """Remove a named view; NotFound."""
        ...

    def get_workspace(
        self, project: str, owner: str, scope: str = ""
    ) -> dict[str, Any] | None:
        """The workspace ``owner`` saved for the page ``scope`` (``""``: the
        project's workspace, ``"group:<name>"``: a group page), or None."""
        ...

    def save_workspace(
        self, project: str, owner: str, spec: dict[str, Any] | None, scope: str = ""
    ) -> None:
        """Keep ``owner``'s workspace of the page ``scope``; None removes it (the
        automatic one again)."""
        ...


class Store(
    RunStore, ReportStore, AccountStore, SweepStore, ArtifactStore, ViewStore, Protocol
):
    """A whole store, as ``open_store`` returns it: runs, reports, accounts, sweeps
    and artifacts, plus where it keeps its files and how to close it."""

    @property
    def path(self) -> Path | None:
        """The SQLite file (files live beside it), or None for PostgreSQL."""
        ...

    def close(self) -> None:
        """Release the connection (SQLite) or the pool (PostgreSQL)."""
        ...
