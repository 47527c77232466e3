"""W&B runs as W&B keeps them on disk: ``wandb/run-<time>-<id>/`` (online runs)
and ``wandb/offline-run-<time>-<id>/``, each with its transaction log
``run-<id>.wandb`` (``wandb_log.py``) and its ``files/``.

Everything a run logged is in its transaction log, in the order it happened: the
run's fields and config (``run`` and ``config`` records), history rows, summary
updates, system metrics (``stats``), console output, ``define_metric`` rules,
the host (``environment``) and the exit. A run resumed later has one directory
per process with the same id: they are read in order as one run. Files under
``files/`` are carried as files of the run, media through their references
(``wandb_media.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..model import RecordKind
from ..sdk.values import key_problem, number
from ..settings import validate_run_id
from .source import (
    Item,
    LocalFile,
    SourceRun,
    fingerprint,
    project_name,
    short_id,
)
from .wandb_log import WandbLog, record_proto
from .wandb_media import MEDIA_TYPES, WandbMedia, histogram
from .wandb_meta import environment_meta, files_meta, system_key

__all__ = ["find_logs", "wandb_runs", "NO_RUNS"]

NO_RUNS = (
    "No W&B runs at {path!r}: expected a run directory (wandb/run-*/ or "
    "wandb/offline-run-*/, holding a run-<id>.wandb file) or a folder above them."
)
NOT_A_NUMBER = "values that are not numbers or media (text, lists)"
_ID = re.compile(r"run-(.+)\.wandb$")
_SKIPPED_FILES = ("output.log",)  # carried as the run's console log instead


def find_logs(paths: list[Path]) -> list[list[Path]]:
    """The ``.wandb`` files under ``paths``, one list per run id (a run resumed
    in several processes has several), each in the order they were written."""
    found: dict[Path, None] = {}
    for path in paths:
        if not path.exists():
            raise UsageError(
                f"Nothing to import at {str(path)!r}: no such file or directory."
            )
        logs = [path] if path.is_file() else sorted(path.rglob("*.wandb"))
        logs = [p for p in logs if p.is_file() and _ID.search(p.name)]
        if not logs:
            raise UsageError(NO_RUNS.format(path=str(path)))
        found.update((p.resolve(), None) for p in logs)
    by_id: dict[str, list[Path]] = {}
    for log in sorted(found, key=lambda p: p.parent.name):
        match = _ID.search(log.name)
        assert match is not None
        by_id.setdefault(match.group(1), []).append(log)
    return list(by_id.values())


def wandb_runs(groups: list[list[Path]], project: str | None) -> list[SourceRun]:
    """A ``SourceRun`` per run id; ``project`` replaces W&B's project names.
    UsageError, saying what to install, without the wandb package."""
    record_proto()
    return [_source_run(logs, project) for logs in groups]


def _first_run_record(log: Path) -> Any:
    """The run's first ``run`` record (its second, as W&B writes them); None
    for a file that is no W&B log, which the import reports as it reads it."""
    try:
        for i, record in enumerate(WandbLog(log)):
            if record.WhichOneof("record_type") == "run":
                return record.run
            if i > 1000:
                break
    except (UsageError, OSError):
        pass
    return None


def _source_run(logs: list[Path], project: str | None) -> SourceRun:
    match = _ID.search(logs[0].name)
    assert match is not None
    wandb_id = match.group(1)
    first = _first_run_record(logs[0])
    wandb_project = first.project if first is not None and first.project else None
    try:
        run_id = validate_run_id(wandb_id)
    except UsageError:
        run_id = short_id("wandb", wandb_id)
    run = SourceRun(
        origin="wandb", source_id=f"{wandb_project or ''}/{wandb_id}",
        location=str(logs[0].parent), project=project or project_name(wandb_project),
        run_id=run_id, name=wandb_id, state="crashed",
    )  # fmt: skip
    if first is not None:
        _apply_run(run, first, is_first=True)
    reader = _Reader(run, logs)
    run.read = reader.items
    files = [p for log in logs for p in sorted((log.parent / "files").rglob("*"))]
    run.fingerprint = fingerprint(logs + [p for p in files if p.is_file()])
    return run


def _seconds(stamp: Any) -> float | None:
    if stamp is None or (not stamp.seconds and not stamp.nanos):
        return None
    return float(stamp.seconds) + stamp.nanos / 1e9


def _apply_run(run: SourceRun, record: Any, *, is_first: bool) -> None:
    """A ``run`` record: the fields it sets (empty ones are not set)."""
    for source, name in (
        ("display_name", "name"), ("run_group", "group"), ("job_type", "job_type"),
        ("notes", "notes"), ("host", "host"),
    ):  # fmt: skip
        value = getattr(record, source)
        if value:
            setattr(run, name, value)
    if record.tags:
        run.tags = list(record.tags)
    if is_first:
        run.created_at = _seconds(record.start_time) or run.created_at
    _apply_items(run.config, record.config.update, [])
    if record.git.remote_url or record.git.commit:
        git = run.meta.setdefault("git", {})
        git.update(
            remote=record.git.remote_url or None, commit=record.git.commit or None
        )
    wandb = run.meta.setdefault("wandb", {})
    wandb.update(
        {k: v for k, v in (("entity", record.entity), ("project", record.project),
                           ("id", record.run_id), ("sweep_id", record.sweep_id)) if v}
    )  # fmt: skip


def _value(item: Any) -> Any:
    """An item's value: W&B's typed fields, or its JSON."""
    has_oneof = "value" in item.DESCRIPTOR.oneofs_by_name
    which = item.WhichOneof("value") if has_oneof else None
    if which == "none":
        return None
    if which == "json":
        return json.loads(item.json)
    if which is not None:
        return getattr(item, which)
    return json.loads(item.value_json) if item.value_json else None


def _path(item: Any) -> list[str]:
    return list(item.nested_key) or [item.key]


def _apply_items(target: dict[str, Any], updates: Any, removes: Any) -> None:
    for item in updates:
        *parents, last = _path(item)
        node = target
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not parents and last == "_wandb":
            continue
        node[last] = _value(item)
    for item in removes:
        *parents, last = _path(item)
        node = target
        for part in parents:
            child = node.get(part)
            node = child if isinstance(child, dict) else {}
        node.pop(last, None)


class _Reader:
    """Reads a run's transaction logs, completing the run's fields as it goes
    and yielding its rows."""

    def __init__(self, run: SourceRun, logs: list[Path]) -> None:
        self.run = run
        self.logs = logs

    def items(self) -> Iterator[Item]:
        run = self.run
        run.files, run.config = [], {}
        run.not_carried.clear()
        run.damage.clear()
        # The last update of each summary path, decoded once at the end: W&B
        # writes the summary again at every step.
        self.summary: dict[tuple[str, ...], Any] = {}
        self.system_index = 0
        self.last_ts = run.created_at or 0.0
        self.console: list[str] = []
        self.seen_run = False
        for path in self.logs:
            files_dir = path.parent / "files"
            log = WandbLog(path)
            for record in log:
                yield from self._record(record, files_dir)
            run.damage.extend(f"{path.name}: {what}" for what in log.damage)
            run.files = _files(files_dir, run.files)
            files_meta(run.meta, files_dir)
            if (files_dir / "output.log").is_file() and not self.console:
                run.console = (files_dir / "output.log").read_text("utf-8", "replace")
        summary: dict[str, Any] = {}
        _apply_items(summary, self.summary.values(), [])
        run.summary = _summary(summary)
        if self.console:
            run.console = "".join(self.console)
        run.finished_at = max(run.finished_at or 0.0, self.last_ts) or None

    def _record(self, record: Any, files_dir: Path) -> Iterator[Item]:
        kind = record.WhichOneof("record_type")
        if kind == "history":
            yield from self._history(record.history, files_dir)
        elif kind == "stats":
            yield from self._stats(record.stats)
        elif kind == "summary":
            for item in record.summary.update:
                self.summary[tuple(_path(item))] = item
            for item in record.summary.remove:
                path = tuple(_path(item))
                for held in [p for p in self.summary if p[: len(path)] == path]:
                    del self.summary[held]
        elif kind == "config":
            _apply_items(self.run.config, record.config.update, record.config.remove)
        elif kind == "run":
            _apply_run(self.run, record.run, is_first=not self.seen_run)
            self.seen_run = True
        elif kind in ("output_raw", "output"):
            line = (
                record.output_raw.line if kind == "output_raw" else record.output.line
            )
            self.console.append(line if kind == "output_raw" or line.endswith("\n")
                                else line + "\n")  # fmt: skip
        elif kind == "exit":
            self._exit(record.exit)
        elif kind == "metric":
            self._metric(record.metric)
        elif kind == "environment":
            environment_meta(self.run.meta, record.environment)
        elif kind == "artifact" and record.artifact.type != "run_table":
            self.run.not_carried["artifacts (Runfold keeps no W&B artifacts)"] += 1

    def _history(self, record: Any, files_dir: Path) -> Iterator[Item]:
        row: dict[str, Any] = {}
        _apply_items(row, record.item, [])
        step = row.pop("_step", None)
        step = int(step) if isinstance(step, (int, float)) else int(record.step.num)
        ts = row.pop("_timestamp", None)
        ts = float(ts) if isinstance(ts, (int, float)) else self.last_ts
        self.last_ts = max(self.last_ts, ts)
        row.pop("_runtime", None)
        numbers: dict[str, float] = {}
        hists: dict[str, Any] = {}
        media: dict[str, Any] = {}
        self._split(row, "", (numbers, hists, media), files_dir)
        for kind, values in (
            (RecordKind.HISTORY, numbers), (RecordKind.HISTOGRAM, hists),
            (RecordKind.MEDIA, media),
        ):  # fmt: skip
            if values:
                yield kind, step, ts, values

    def _split(
        self, row: dict[str, Any], prefix: str, into: tuple[dict, dict, dict],
        files_dir: Path,
    ) -> None:  # fmt: skip
        numbers, hists, media = into
        for name, value in row.items():
            key = f"{prefix}{name}"
            if isinstance(value, dict) and "_type" not in value:
                self._split(value, f"{key}/", into, files_dir)
            elif key_problem(key):
                self.run.not_carried["values under keys Runfold cannot hold"] += 1
            elif isinstance(value, dict):
                kind = value["_type"]
                if kind == "histogram" and (found := histogram(value)) is not None:
                    hists[key] = found
                elif kind in MEDIA_TYPES:
                    media[key] = WandbMedia(value, files_dir)
                else:
                    self.run.not_carried[f"values of W&B type {kind!r}"] += 1
            elif (as_float := number(value)) is not None:
                numbers[key] = as_float
            else:
                self.run.not_carried[NOT_A_NUMBER] += 1

    def _stats(self, record: Any) -> Iterator[Item]:
        ts = _seconds(record.timestamp) or self.last_ts
        values = {}
        for item in record.item:
            value = number(_value(item))
            if value is not None:
                values[system_key(item.key)] = value
        if values:
            yield RecordKind.SYSTEM, self.system_index, ts, values
            self.system_index += 1

    def _exit(self, record: Any) -> None:
        run = self.run
        run.exit_code = int(record.exit_code)
        run.state = "finished" if record.exit_code == 0 else "failed"
        if record.runtime and run.created_at is not None:
            run.finished_at = run.created_at + float(record.runtime)

    def _metric(self, record: Any) -> None:
        name = record.name or record.glob_name
        if not name or name.startswith("_"):
            return
        summary = record.summary
        rule = next(
            (r for r in ("min", "max", "mean", "last") if getattr(summary, r)), None
        )
        if rule is None and summary.best:
            rule = "max" if record.goal == 2 else "min"  # W&B's GOAL_MAXIMIZE
        body = {"summary": rule, "step_metric": record.step_metric or None,
                "hidden": None}  # fmt: skip
        if rule is not None or body["step_metric"]:
            self.run.rules[name] = body


def _files(files_dir: Path, earlier: list[Any]) -> list[Any]:
    """The run's files (later directories of a resumed run win), media aside."""
    found = {f.name: f for f in earlier}
    if files_dir.is_dir():
        for path in sorted(files_dir.rglob("*")):
            name = path.relative_to(files_dir).as_posix()
            if path.is_file() and not name.startswith("media/"):
                if name not in _SKIPPED_FILES:
                    found[name] = LocalFile(name, path)
    return list(found.values())


def _summary(raw: dict[str, Any]) -> dict[str, Any]:
    """W&B's summary as Runfold keys: nested dicts as ``a/b``; W&B's own keys,
    media and histograms left out (Runfold has them from the history)."""
    out: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, value in node.items():
            key = f"{prefix}{name}"
            if not prefix and name.startswith("_"):
                continue
            if not isinstance(value, dict):
                out[key] = value
            elif "_type" not in value:
                walk(value, f"{key}/")

    walk(raw, "")
    return out
