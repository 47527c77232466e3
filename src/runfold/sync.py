"""Load run logs into the store, or upload them to a server: offline runs, shared
cluster directories, rsynced run directories, and runs whose process died (or whose
server was down) before all their records arrived. An upload also sends the run's
files (``files/`` and ``output.log``) that the server lacks.

Ingest is idempotent by (run, sequence), so syncing twice adds nothing twice. A
damaged run log is read past its damage (``sdk.runlog``): what was lost is said
on stderr per file, and the records after the damage are loaded. ``sync_all``
goes on past a file that cannot be synced at all, and says which.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ServerRejected, ServerUnavailable, UsageError
from .model import RecordKind
from .sdk.artifactship import store_locally
from .sdk.runlog import (
    LOST,
    RUNLOG_NAME,
    Damage,
    Record,
    RunLogScan,
    chunk_records,
    describe_damage,
    scan,
)
from .sdk.sinks import Refusals, Refused, deliver
from .settings import validate_project, validate_run_id
from .store.base import Store

__all__ = [
    "find_run_logs", "sync_run_log", "upload_run_log", "sync_all", "SyncResult",
    "SyncSummary",
]  # fmt: skip

_BATCH_RECORDS = 64
_BATCH_POINTS = 50_000
NO_IDENTITY = (
    "Cannot tell which run {path!r} belongs to: its first record is unreadable and "
    "it is not at runs/<project>/<run_id>/{name}. Move it there, then sync again."
)


@dataclass
class SyncResult:
    path: Path
    project: str
    run_id: str
    records: int
    last_seq: int
    files: int = 0  # files uploaded (upload_run_log only)
    files_refused: dict[str, str] = field(default_factory=dict)  # path -> why
    damage: list[Damage] = field(default_factory=list)  # what the reader skipped
    refused: int = 0  # records the store or server refused (skipped, still in the log)

    @property
    def lost_records(self) -> int:
        return sum(d.lost_records or 0 for d in self.damage)


def find_run_logs(path: Path) -> list[Path]:
    """Run logs at ``path``: a run log file, a run directory, or any folder above."""
    path = Path(path)
    if not path.exists():
        raise UsageError(
            f"Nothing to sync at {str(path)!r}: no such file or directory."
        )
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob(RUNLOG_NAME) if p.is_file())


def _identity(path: Path) -> tuple[str, str]:
    for _, kind, body in scan(path, markers=False):
        if kind == RecordKind.RUN and body.get("project") and body.get("id"):
            return body["project"], body["id"]
        break
    # Older or partial logs, or a damaged first record: runs/<project>/<run_id>/
    project, run_id = path.parent.parent.name, path.parent.name
    try:
        return validate_project(project), validate_run_id(run_id)
    except UsageError:
        raise UsageError(NO_IDENTITY.format(path=str(path), name=path.name)) from None


def _first_seq(record: Record) -> int:
    """The first seq a record stands for: a ``lost`` marker's first, else its own."""
    if record[1] == LOST and isinstance(record[2], dict):
        return int(record[2].get("first", record[0]))
    return record[0]


def _batches(records: Iterable[Record]) -> Iterator[list[Record]]:
    return chunk_records(records, max_points=_BATCH_POINTS, max_records=_BATCH_RECORDS)


def _print_damage(path: Path, message: str) -> None:
    print(f"runfold sync: {message}", file=sys.stderr)


def _report(
    log: RunLogScan, on_damage: Callable[[Path, str], Any] | None
) -> list[Damage]:
    message = describe_damage(log.path, log.damage)
    if message is not None:
        (on_damage or _print_damage)(log.path, message)
    return log.damage


def sync_run_log(
    store: Store,
    path: Path,
    on_batch: Callable[[int], Any] | None = None,
    on_damage: Callable[[Path, str], Any] | None = None,
) -> SyncResult:
    """Ingest the records of one run log the store has not seen yet. Damage in the
    log is reported to ``on_damage(path, message)`` (default: stderr) and the
    records after it are ingested."""
    project, run_id = _identity(path)
    stored = store.get_run(project, run_id)
    after = stored.last_seq if stored is not None else 0
    # The log's mtime is the run's last sign of life: a run whose writer stopped
    # without finishing reads as crashed once that is older than its heartbeat.
    mtime = os.stat(path).st_mtime
    count, last = 0, after
    log = scan(path, after_seq=after)
    refusals = Refusals("the store", f"{project}/{run_id}", path)

    def ingest(records: list[Record]) -> int:
        try:
            store_locally(records, store, project, path.parent)  # artifact files
            return store.ingest(project, run_id, records, heartbeat_at=mtime)
        except UsageError as exc:  # a record it cannot hold: skipped, said once
            raise Refused(str(exc).rstrip(".")) from None

    for batch in _batches(log):
        last = deliver(batch, ingest, refusals)
        if last < batch[-1][0]:
            raise UsageError(
                _continues(path, project, run_id, _first_seq(batch[0]), last)
            )
        count += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    if refusals.summary():
        print(refusals.summary(), file=sys.stderr)
    return SyncResult(
        path=path, project=project, run_id=run_id, records=count, last_seq=last,
        damage=_report(log, on_damage), refused=refusals.count,
    )  # fmt: skip


def _continues(path: Path, project: str, run_id: str, first: int, last: int) -> str:
    return (
        f"{str(path)!r} continues run {project}/{run_id} from record {first}, but "
        f"the store has only up to {last}: sync the run's own directory first, then "
        "this one."
    )


def upload_run_log(
    base_url: str,
    path: Path,
    *,
    api_key: str | None = None,
    on_batch: Callable[[int], Any] | None = None,
    on_refused: Callable[[str, str], Any] | None = None,
    on_damage: Callable[[Path, str], Any] | None = None,
) -> SyncResult:
    """Upload the records of one run log that the server at ``base_url`` lacks:
    asks the server for the run's last seq first, then sends only what follows.
    Then the run's files that the server lacks; a file the server refuses (too
    large) is reported to ``on_refused(path, why)`` (default: printed to stderr)
    and the upload goes on. Damage in the log goes to ``on_damage`` as in
    ``sync_run_log``."""
    from .sdk.sinks import HttpSink
    from .sdk.uploads import upload_changed

    project, run_id = _identity(path)
    sink = HttpSink(base_url, project, run_id, path, api_key=api_key)
    sink.heartbeat_at = os.stat(path).st_mtime
    try:
        after = sink.register("allow")["last_seq"]
        count = 0
        log = scan(path, after_seq=after)
        for batch in _batches(log):
            first, have = _first_seq(batch[0]), sink.server_seq or 0
            if first > have + 1:
                raise UsageError(_continues(path, project, run_id, first, have))
            sink.send(batch)
            count += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
        damage = _report(log, on_damage)
        records_refused = sink.refusals.count
        files, refused = upload_changed(
            sink, path.parent, on_refused=on_refused or _print_refused
        )
    except ServerUnavailable as exc:
        raise ServerUnavailable(
            f"{str(exc)[:1].upper()}{str(exc)[1:]}. Check the URL and that the server "
            "is running, then run the same command again: nothing is sent twice."
        ) from None
    finally:
        sink.close()
    return SyncResult(
        path=path, project=project, run_id=run_id, records=count,
        last_seq=sink.server_seq or after, files=files, files_refused=refused,
        damage=damage, refused=records_refused,
    )  # fmt: skip


def _print_refused(remote: str, why: str) -> None:
    print(f"runfold sync: {why}; it was not uploaded.", file=sys.stderr)


@dataclass
class SyncSummary:
    """What ``sync_all`` did: a result per synced file, a reason per skipped one."""

    results: list[SyncResult] = field(default_factory=list)
    skipped: dict[Path, str] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return sum(r.records for r in self.results)


def sync_all(
    logs: Iterable[Path],
    sync_one: Callable[[Path], SyncResult],
    *,
    on_done: Callable[[Path], Any] | None = None,
) -> SyncSummary:
    """``sync_one`` each run log. One that cannot be synced (not a run log, a run
    it cannot tell, unreadable, refused by the server) is said on stderr and
    skipped, and the others go on (issue 18: one damaged header aborted a whole
    directory). An unreachable server (ServerUnavailable) stops everything."""
    summary = SyncSummary()
    for path in logs:
        try:
            summary.results.append(sync_one(path))
        except (UsageError, ServerRejected, OSError) as exc:
            why = (
                str(exc) if not isinstance(exc, OSError) else f"cannot read it ({exc})"
            )
            summary.skipped[path] = why
            print(f"runfold sync: skipped {path}: {why}", file=sys.stderr)
        if on_done is not None:
            on_done(path)
    return summary
