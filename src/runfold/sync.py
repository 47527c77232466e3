"""Load run logs into the store, or upload them to a server: offline runs, shared
cluster directories, rsynced run directories, and runs whose process died (or whose
server was down) before all their records arrived. An upload also sends the run's
files (``files/`` and ``output.log``) that the server lacks.

Ingest is idempotent by (run, sequence), so syncing twice adds nothing twice.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ServerUnavailable, UsageError
from .model import RecordKind
from .sdk.runlog import RUNLOG_NAME, Record, chunk_records, scan
from .store.base import Store

__all__ = ["find_run_logs", "sync_run_log", "upload_run_log", "SyncResult"]

_BATCH_RECORDS = 64
_BATCH_POINTS = 50_000


@dataclass
class SyncResult:
    path: Path
    project: str
    run_id: str
    records: int
    last_seq: int
    files: int = 0  # files uploaded (upload_run_log only)
    files_refused: dict[str, str] = field(default_factory=dict)  # path -> why


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
    for _, kind, body in scan(path):
        if kind == RecordKind.RUN and body.get("project") and body.get("id"):
            return body["project"], body["id"]
        break
    # Older or partial logs: runs/<project>/<run_id>/run.rflog
    return path.parent.parent.name, path.parent.name


def _batches(records: Iterator[Record]) -> Iterator[list[Record]]:
    return chunk_records(records, max_points=_BATCH_POINTS, max_records=_BATCH_RECORDS)


def sync_run_log(
    store: Store, path: Path, on_batch: Callable[[int], Any] | None = None
) -> SyncResult:
    """Ingest the records of one run log the store has not seen yet."""
    project, run_id = _identity(path)
    stored = store.get_run(project, run_id)
    after = stored.last_seq if stored is not None else 0
    # The log's mtime is the run's last sign of life: a run whose writer stopped
    # without finishing reads as crashed once that is older than its heartbeat.
    mtime = os.stat(path).st_mtime
    count, last = 0, after
    for batch in _batches(scan(path, after_seq=after)):
        last = store.ingest(project, run_id, batch, heartbeat_at=mtime)
        if last < batch[-1][0]:
            raise UsageError(_continues(path, project, run_id, batch[0][0], last))
        count += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    return SyncResult(
        path=path, project=project, run_id=run_id, records=count, last_seq=last
    )


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
) -> SyncResult:
    """Upload the records of one run log that the server at ``base_url`` lacks:
    asks the server for the run's last seq first, then sends only what follows.
    Then the run's files that the server lacks; a file the server refuses (too
    large) is reported to ``on_refused(path, why)`` (default: printed to stderr)
    and the upload goes on."""
    from .sdk.sinks import HttpSink
    from .sdk.uploads import upload_changed

    project, run_id = _identity(path)
    sink = HttpSink(base_url, project, run_id, path, api_key=api_key)
    sink.heartbeat_at = os.stat(path).st_mtime
    try:
        after = sink.register("allow")["last_seq"]
        count = 0
        for batch in _batches(scan(path, after_seq=after)):
            if batch[0][0] > (sink.server_seq or 0) + 1:
                raise UsageError(
                    _continues(path, project, run_id, batch[0][0], sink.server_seq or 0)
                )
            sink.send(batch)
            count += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
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
    )  # fmt: skip


def _print_refused(remote: str, why: str) -> None:
    print(f"runfold sync: {why}; it was not uploaded.", file=sys.stderr)
