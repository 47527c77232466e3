"""An imported run written as a Runfold run log: whole the first time, then only
what the source added or changed.

The run log of an imported run lives where a native run keeps its own,
``<store dir>/runs/<project>/<id>/run.rflog``, with its files beside it. It is
also the importer's memory: before writing, the records already there are
folded into ``Previous`` (fields, config, summary, meta, finish, and how many
rows of each of the source's streams it holds: every row read from the source
is written as one row, even a media row whose files are all missing, so the
log's rows count the source's). Then the source is read again from the start:
rows already imported are passed over (the last of them must still be the one
imported, or that stream changed in the middle and is left alone), new rows are
appended with the next sequence numbers, and a record is added for each field
that differs. The records of an unchanged source are all there already, so
importing it again appends nothing, and ``runfold sync`` (which ingests by
sequence number) has nothing to add either. An import killed half-way leaves
whole records only (a cut last frame is cut off, as for any run log), so the
next one goes on from the last row they hold.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..model import RecordKind
from ..sdk.runlog import RUNLOG_NAME, RunLogWriter, scan
from .source import STREAMS, RunFiles, SourceRun

__all__ = ["Previous", "RunOutcome", "SkipRun", "read_previous", "write_run"]

_FLUSH_POINTS = 10_000  # values in one history record
_FLUSH_ROWS = 1_000  # rows in one record of the other streams
_IDENTITY = ("name", "group", "job_type", "tags", "notes", "host")

FOREIGN = (
    "run {run_id!r} of project {project!r} already exists and was not imported "
    "from this {origin} run ({where}); it was left as it is. Import into another "
    "project with --project."
)
CHANGED = (
    "its {kind} rows in the source changed before the last one imported earlier, "
    "so new {kind} rows were not imported; import it into another project "
    "(--project) to take it whole"
)


class SkipRun(UsageError):
    """This run is left out of the import; the message says why."""


@dataclass
class Previous:
    """What a run log already holds: the state its records leave."""

    last_seq: int = 0
    identity: dict[str, Any] = field(default_factory=dict)
    config: Any = None
    summary: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    finish: dict[str, Any] | None = None
    # per stream: rows held, and the last one's [step, timestamp]
    rows_held: Counter[str] = field(default_factory=Counter)
    last_row: dict[str, list[Any]] = field(default_factory=dict)

    def take(self, seq: int, kind: str, body: Any) -> None:
        self.last_seq = max(self.last_seq, seq)
        if kind in STREAMS and isinstance(body, list) and body:
            self.rows_held[kind] += len(body)
            self.last_row[kind] = list(body[-1][:2])
        elif kind in (RecordKind.RUN, RecordKind.UPDATE):
            self.identity.update({k: body[k] for k in _IDENTITY if k in body})
            if kind == RecordKind.RUN and isinstance(body.get("meta"), dict):
                self.meta = dict(body["meta"])
        elif kind == RecordKind.CONFIG:
            self.config = body
        elif kind == RecordKind.SUMMARY:
            self.summary.update(body)
            self.summary = {k: v for k, v in self.summary.items() if v is not None}
        elif kind == RecordKind.DEFINE:
            self.rules.update(body)
        elif kind == RecordKind.META:
            self.meta.update(body)
        elif kind == RecordKind.FINISH:
            self.finish = body

    @property
    def origin(self) -> dict[str, Any]:
        found = self.meta.get("imported_from")
        return found if isinstance(found, dict) else {}

    def rows(self, kind: str) -> tuple[int, Any]:
        """(rows of the source's ``kind`` stream imported so far, the last
        one's [step, timestamp])."""
        return self.rows_held[kind], self.last_row.get(kind)


def read_previous(path: Path) -> Previous:
    previous = Previous()
    if path.exists():
        for seq, kind, body in scan(path, markers=False):
            previous.take(seq, kind, body)
    return previous


@dataclass
class RunOutcome:
    """What importing one run did (or, in a dry run, would do)."""

    run: SourceRun
    status: str  # "new", "updated" or "unchanged"
    records: int = 0  # records appended to its run log
    rows: Counter[str] = field(default_factory=Counter)  # new rows per stream
    points: int = 0  # new history values
    files: int = 0  # run files and media files written
    sent: int = 0  # records the store or server took
    notes: list[str] = field(default_factory=list)  # what was left out, and why


def _canonical(value: Any) -> str:
    # Keys sorted: a source may list the same keys in another order each time
    # (protobuf maps do); tuples as lists, as the run log reads them back.
    try:
        return json.dumps(value, sort_keys=True, default=repr, separators=(",", ":"))
    except TypeError:  # keys of mixed types: unsortable, compared in their order
        return repr(value)


def _same(a: Any, b: Any) -> bool:
    """Equal as the run log keeps them; numbers by value (1 == 1.0, NaN == NaN)."""
    numbers = (int, float)  # bool too: a logged True is the number 1
    if isinstance(a, numbers) and isinstance(b, numbers):
        return a == b or (math.isnan(a) and math.isnan(b))
    return _canonical(a) == _canonical(b)


class _RunLog:
    """Appends records after those of ``previous``, which it keeps up to date;
    counts them only, in a dry run."""

    def __init__(self, path: Path, previous: Previous, dry_run: bool) -> None:
        self.path = path
        self.previous = previous
        self.seq = previous.last_seq
        self.added = 0
        self.dry_run = dry_run
        self._writer: RunLogWriter | None = None

    def add(self, kind: RecordKind, body: Any) -> None:
        self.seq += 1
        self.added += 1
        self.previous.take(self.seq, kind, body)
        if self.dry_run:
            return
        if self._writer is None:
            self._writer = RunLogWriter(self.path)
        self._writer.append([(self.seq, kind, body)])

    def close(self) -> None:
        if self._writer is not None:
            self._writer.sync()
            self._writer.close()


class _Streams:
    """The source's rows: those imported before passed over, new ones batched
    into records."""

    def __init__(
        self, log: _RunLog, put: RunFiles, outcome: RunOutcome,
        on_rows: Callable[[int], Any] | None,
    ) -> None:  # fmt: skip
        self.done = {kind: log.previous.rows(kind) for kind in STREAMS}
        self.log = log
        self.put = put
        self.outcome = outcome
        self.on_rows = on_rows
        self.read: Counter[str] = Counter()
        self.changed: set[str] = set()
        self.pending: dict[str, list[list[Any]]] = {kind: [] for kind in STREAMS}
        self.points = 0
        self.total = 0  # rows read, for on_rows
        self.last_values: dict[str, Any] = {}  # each history key's last value

    def take(self, kind: RecordKind, step: int, ts: float, values: dict) -> None:
        index = self.read[kind]
        self.read[kind] += 1
        self.total += 1
        if self.on_rows is not None and self.total % 1000 == 0:
            self.on_rows(self.total)
        if kind == RecordKind.HISTORY:
            self.last_values.update(values)
        done, last = self.done[kind]
        if index < done:
            if index == done - 1 and not _same([step, ts], last):
                self.changed.add(kind)
            return
        if kind in self.changed:
            return
        if kind == RecordKind.MEDIA:
            values = self._media(values)  # kept when empty: one row per source row
        self.pending[kind].append([step, ts, values])
        self.points += len(values) if kind == RecordKind.HISTORY else 1
        if self.points >= _FLUSH_POINTS or len(self.pending[kind]) >= _FLUSH_ROWS:
            self.flush()

    def _media(self, values: dict[str, Any]) -> dict[str, Any]:
        refs = {}
        for key, media in values.items():
            ref = media.to_ref(self.put)
            if ref is None:
                self.outcome.run.not_carried["media whose file is missing"] += 1
            else:
                refs[key] = ref
        return refs

    def flush(self) -> None:
        for kind in STREAMS:
            rows = self.pending[kind]
            if not rows:
                continue
            self.log.add(kind, rows)
            self.outcome.rows[kind] += len(rows)
            if kind == RecordKind.HISTORY:
                self.outcome.points += sum(len(row[2]) for row in rows)
            self.pending[kind] = []
        self.points = 0


def _run_body(run: SourceRun) -> dict[str, Any]:
    origin = run.origin_meta()
    origin.pop("fingerprint", None)  # only once the run is written whole
    return {
        "project": run.project, "id": run.run_id, **run.identity(),
        "created_at": run.created_at if run.created_at is not None else time.time(),
        "heartbeat_seconds": 10.0,
        "meta": {**run.meta, "imported_from": origin},
    }  # fmt: skip


def _check_origin(previous: Previous, run: SourceRun) -> None:
    origin = previous.origin
    if previous.last_seq and (
        origin.get("source") != run.origin or origin.get("id") != run.source_id
    ):
        raise SkipRun(
            FOREIGN.format(
                run_id=run.run_id,
                project=run.project,
                origin=run.origin,
                where=run.location,
            )  # fmt: skip
        )


def _is_unchanged(run: SourceRun, previous: Previous) -> bool:
    """The same source files as the last import took whole, and the same
    fields asked for (another --group-by changes them): nothing to read."""
    return (
        run.fingerprint is not None
        and previous.origin.get("fingerprint") == run.fingerprint
        and all(_same(previous.identity.get(k), v) for k, v in run.identity().items())
    )


def write_run(
    run: SourceRun,
    run_dir: Path,
    *,
    dry_run: bool = False,
    on_rows: Callable[[int], Any] | None = None,
) -> RunOutcome:
    """Write what ``run`` adds to the run log in ``run_dir`` (created when new),
    its media and files beside it; ``on_rows(n)`` hears how many rows were read
    so far. SkipRun when the directory holds a run that was not imported from
    this source."""
    if run.broken:
        raise SkipRun(run.broken)
    path = run_dir / RUNLOG_NAME
    previous = read_previous(path)
    _check_origin(previous, run)
    outcome = RunOutcome(run, "new" if not previous.last_seq else "unchanged")
    if _is_unchanged(run, previous):
        return outcome
    log = _RunLog(path, previous, dry_run)
    put = RunFiles(run_dir / "files", dry_run=dry_run)
    is_new = not run_dir.exists()
    try:
        if not previous.last_seq:
            log.add(RecordKind.RUN, _run_body(run))
        streams = _Streams(log, put, outcome, on_rows)
        for kind, step, ts, values in run.read():
            streams.take(kind, step, ts, values)
        streams.flush()
        if on_rows is not None:
            on_rows(streams.total)
        files = _copy_files(run, run_dir, dry_run)
        _add_changes(run, previous, streams, log)
    except BaseException:
        log.close()
        if is_new:  # a run that could not be read leaves nothing behind
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    log.close()
    for changed in sorted(streams.changed):
        outcome.notes.append(CHANGED.format(kind=changed))
    outcome.records = log.added
    outcome.files = put.written + files
    if outcome.status == "unchanged" and (outcome.records or outcome.files):
        outcome.status = "updated"
    return outcome


def _add_changes(
    run: SourceRun, previous: Previous, streams: _Streams, log: _RunLog
) -> None:
    identity = run.identity()
    changed = {
        k: v for k, v in identity.items() if not _same(previous.identity.get(k), v)
    }
    if changed:
        log.add(RecordKind.UPDATE, changed)
    if not _same(previous.config if previous.config is not None else {}, run.config):
        log.add(RecordKind.CONFIG, run.config)
    rules = {k: v for k, v in run.rules.items() if not _same(previous.rules.get(k), v)}
    if rules:
        log.add(RecordKind.DEFINE, rules)
    summary = _summary_changes(run, previous, streams.last_values)
    if summary:
        log.add(RecordKind.SUMMARY, summary)
    if run.state is not None:
        finish = {"state": run.state, "exit_code": run.exit_code, "at": run.finished_at}
        if previous.finish is None or not _same(previous.finish, finish):
            log.add(RecordKind.FINISH, finish)
    # Last: the source's fingerprint says the run was imported whole.
    meta = {**run.meta, "imported_from": run.origin_meta()}
    meta = {k: v for k, v in meta.items() if not _same(previous.meta.get(k), v)}
    if meta:
        log.add(RecordKind.META, meta)


def _summary_changes(
    run: SourceRun, previous: Previous, last_values: dict[str, Any]
) -> dict[str, Any]:
    """The source's summary values a native run would hold as set: those that
    are not the key's last logged value; and None for those no longer set."""
    wanted = {
        k: v for k, v in run.summary.items()
        if k not in last_values or not _same(last_values[k], v)
    }  # fmt: skip
    changes = {
        k: v for k, v in wanted.items()
        if k not in previous.summary or not _same(previous.summary[k], v)
    }  # fmt: skip
    changes.update({k: None for k in previous.summary if k not in wanted})
    return changes


def _copy_files(run: SourceRun, run_dir: Path, dry_run: bool) -> int:
    """Copy the run's files that are new or changed; how many."""
    files_dir = (run_dir / "files").resolve()
    copied = 0
    for source in run.files:
        target = (files_dir / source.name).resolve()
        if not target.is_relative_to(files_dir) or target == files_dir:
            run.not_carried[f"files with a name outside the run ({source.name!r})"] += 1
            continue
        if source.is_same(target):
            continue
        copied += 1
        if not dry_run:
            source.copy_to(target)
    if run.console:
        data = run.console.encode("utf-8", "replace")
        target = run_dir / "output.log"
        if not target.exists() or target.read_bytes() != data:
            copied += 1
            if not dry_run:
                run_dir.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    return copied
