"""TensorBoard event files, read with TensorBoard's own reader and its data
migrations (``event_file_loader``, ``data_compat``, ``dataclass_compat``), so
what TF 1, TF 2, PyTorch's ``SummaryWriter`` and tensorboardX wrote reads alike.

One run per directory holding event files, named by its path under the log
directory (as TensorBoard lists runs); the subdirectory PyTorch's
``add_hparams`` makes (named by the time) is read as part of its run. Its group
and job type can come from a pattern of the path (``--group-by '{parent}'``:
``runs/exp1/seed3`` -> ``exp1``). Scalars become the history at their steps and
times, histograms histograms, images image media, text a table (one row per
string), and the hparams plugin's values the config. What TensorBoard cannot
read back in a file (a damaged or cut-short record) ends that file there; it is
reported, and the rest is imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import UsageError
from ..model import RecordKind
from ..sdk.values import key_problem
from .source import Item, SourceRun, fingerprint, project_name, short_id
from .tensorboard_values import Images, TextTable, histogram, hparams

__all__ = ["find_run_dirs", "tensorboard_runs", "check_pattern", "NEEDS_TENSORBOARD"]

NEEDS_TENSORBOARD = (
    "Importing TensorBoard event files needs the tensorboard package, whose reader "
    "they are read with: pip install 'runfold[importers]' (or pip install "
    "tensorboard)."
)
NO_EVENTS = (
    "No TensorBoard event files under {path!r} (files named "
    "events.out.tfevents.*); pass the log directory you gave TensorBoard."
)
BAD_PATTERN = (
    "{option} {pattern!r} names {{{field}}}; use {{name}} (the run's directory), "
    "{{parent}}, {{path}} (under the log directory), {{logdir}}, or {{0}}, {{1}}, "
    "{{-1}} ... (one part of the path)."
)
_FIELD = re.compile(r"\{([^{}]*)\}")
_HPARAMS_DIR = re.compile(r"^\d{9,}(\.\d+)?$")  # add_hparams' time.time() folder
_FILE = re.compile(r"^events\.out\.tfevents\.(\d+)\.(.+?)(\.\d+\.\d+)?(\.v2)?$")


def find_run_dirs(logdir: Path) -> list[tuple[Path, list[Path]]]:
    """(run directory, its event files in order) under ``logdir``."""
    if not logdir.exists():
        raise UsageError(f"Nothing to import at {str(logdir)!r}: no such directory.")
    if not logdir.is_dir():
        raise UsageError(
            f"{str(logdir)!r} is a file; pass the directory that holds the event "
            "files (TensorBoard's --logdir)."
        )
    by_dir: dict[Path, list[Path]] = {}
    for path in sorted(logdir.rglob("*tfevents*")):
        if path.is_file():
            by_dir.setdefault(path.parent, []).append(path)
    for directory in sorted(by_dir, key=lambda d: -len(d.parts)):
        if _HPARAMS_DIR.match(directory.name) and directory.parent in by_dir:
            by_dir[directory.parent].extend(by_dir.pop(directory))
    if not by_dir:
        raise UsageError(NO_EVENTS.format(path=str(logdir)))
    # In the order they were written (a writer opened later adds a later file),
    # so a run imported again finds its earlier events first.
    return sorted((d, sorted(files, key=_written)) for d, files in by_dir.items())


def _written(path: Path) -> tuple[int, str]:
    found = _FILE.match(path.name)
    return (int(found.group(1)) if found else int(path.stat().st_mtime), path.name)


def _fields(rel: PurePosixPath, logdir: str) -> dict[str, str]:
    parts = rel.parts or (logdir,)
    fields = {
        "name": parts[-1], "parent": parts[-2] if len(parts) > 1 else logdir,
        "path": rel.as_posix() if rel.parts else logdir, "logdir": logdir,
    }  # fmt: skip
    for i, part in enumerate(parts):
        fields[str(i)] = part
        fields[str(i - len(parts))] = part
    return fields


def check_pattern(option: str, pattern: str | None) -> None:
    """UsageError for a pattern naming a field no run has."""
    known = {"name", "parent", "path", "logdir"}
    for field in _FIELD.findall(pattern or ""):
        if field not in known and not re.fullmatch(r"-?\d+", field):
            raise UsageError(
                BAD_PATTERN.format(option=option, pattern=pattern, field=field)
            )


def _apply(pattern: str | None, fields: dict[str, str]) -> str | None:
    if not pattern:
        return None
    value = _FIELD.sub(lambda m: fields.get(m.group(1), ""), pattern).strip()
    return value or None


def tensorboard_runs(
    logdir: Path, project: str | None, group_by: str | None = None,
    job_type_by: str | None = None,
) -> list[SourceRun]:  # fmt: skip
    check_pattern("--group-by", group_by)
    check_pattern("--job-type-by", job_type_by)
    root = logdir.resolve()
    runs = []
    for directory, files in find_run_dirs(logdir):
        rel = PurePosixPath(directory.relative_to(logdir).as_posix())
        fields = _fields(rel, root.name)
        stamps = [m.group(1) for f in files if (m := _FILE.match(f.name))]
        hosts = [m.group(2) for f in files if (m := _FILE.match(f.name))]
        source_dir = str(directory.resolve())
        run = SourceRun(
            origin="tensorboard", source_id=source_dir, location=str(directory),
            project=project or project_name(root.name),
            run_id=short_id("tensorboard", source_dir), name=fields["path"],
            group=_apply(group_by, fields), job_type=_apply(job_type_by, fields),
            host=hosts[0] if hosts else None,
            created_at=float(min(stamps)) if stamps else files[0].stat().st_mtime,
            meta={"host": {"hostname": hosts[0]}} if hosts else {},
        )  # fmt: skip
        run.read = _Reader(run, files).items
        run.fingerprint = fingerprint(files)
        runs.append(run)
    return runs


def _loader() -> Any:
    try:
        from tensorboard import data_compat, dataclass_compat
        from tensorboard.backend.event_processing.event_file_loader import (
            RawEventFileLoader,
        )
        from tensorboard.compat.proto import event_pb2
    except ImportError:
        raise UsageError(NEEDS_TENSORBOARD) from None
    return RawEventFileLoader, event_pb2.Event, data_compat, dataclass_compat


class _Reader:
    def __init__(self, run: SourceRun, files: list[Path]) -> None:
        self.run = run
        self.files = files

    def items(self) -> Iterator[Item]:
        loader, event_class, data_compat, dataclass_compat = _loader()
        run = self.run
        run.not_carried.clear()
        run.damage.clear()
        run.config = {}
        initial: dict[str, Any] = {}  # per run, as TensorBoard keeps it
        last = run.created_at or 0.0
        for path in self.files:
            read = 0
            for raw in loader(str(path)).Load():
                read += len(raw) + 16  # length, its CRC, the data, its CRC
                event = event_class.FromString(raw)
                last = max(last, event.wall_time)
                if _only_simple_scalars(event):  # most events: no migration needed
                    yield from self._scalars(event)
                    continue
                event = data_compat.migrate_event(event)
                for migrated in dataclass_compat.migrate_event(event, initial):
                    yield from self._event(migrated)
            size = path.stat().st_size
            if read < size:
                run.damage.append(
                    f"{path.name}: {size - read} bytes from byte {read} could not be "
                    "read (a damaged or cut-short record); the events after them "
                    "were lost"
                )
        run.finished_at = last or None

    def _scalars(self, event: Any) -> Iterator[Item]:
        """The legacy ``simple_value`` scalars (what PyTorch and tensorboardX
        write), read as ``data_compat`` would make them: a history row."""
        values = {}
        for value in event.summary.value:
            if key_problem(value.tag):
                self.run.not_carried["values under tags Runfold cannot hold"] += 1
            else:
                values[value.tag] = float(value.simple_value)
        if values and event.step < 0:
            self.run.not_carried["values at a negative step"] += len(values)
        elif values:
            yield RecordKind.HISTORY, int(event.step), float(event.wall_time), values

    def _event(self, event: Any) -> Iterator[Item]:
        if event.HasField("graph_def") or event.HasField("meta_graph_def"):
            self.run.not_carried["model graphs"] += 1
        if not event.HasField("summary"):
            return
        step, ts = int(event.step), float(event.wall_time)
        rows: dict[RecordKind, dict[str, Any]] = {
            RecordKind.HISTORY: {}, RecordKind.HISTOGRAM: {}, RecordKind.MEDIA: {},
        }  # fmt: skip
        for value in event.summary.value:
            self._value(value, rows)
        for kind, values in rows.items():
            if values and step < 0:
                self.run.not_carried["values at a negative step"] += len(values)
            elif values:
                yield kind, step, ts, values

    def _value(self, value: Any, rows: dict[RecordKind, dict[str, Any]]) -> None:
        from tensorboard.util import tensor_util

        plugin = value.metadata.plugin_data.plugin_name
        if plugin == "hparams":
            self.run.config.update(hparams(value.metadata.plugin_data.content))
            return
        if key_problem(value.tag):
            self.run.not_carried["values under tags Runfold cannot hold"] += 1
            return
        array = tensor_util.make_ndarray(value.tensor)
        found: tuple[RecordKind, Any] | None = None
        if plugin == "scalars" and array.size == 1:
            found = RecordKind.HISTORY, float(array.reshape(()))
        elif plugin == "histograms":
            found = _maybe(RecordKind.HISTOGRAM, histogram(array))
        elif plugin == "images":
            found = _maybe(RecordKind.MEDIA, Images.from_tensor(array))
        elif plugin == "text":
            found = RecordKind.MEDIA, TextTable(array)
        if found is None:
            self.run.not_carried[f"{plugin or 'untyped'} summaries"] += 1
        else:
            rows[found[0]][value.tag] = found[1]


def _only_simple_scalars(event: Any) -> bool:
    if not event.HasField("summary") or not event.summary.value:
        return False
    return all(v.WhichOneof("value") == "simple_value" for v in event.summary.value)


def _maybe(kind: RecordKind, value: Any) -> tuple[RecordKind, Any] | None:
    return None if value is None else (kind, value)
