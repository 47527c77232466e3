"""The domain's vocabulary, shared by the SDK, the store and the query layer.

What a run is made of (its fields, which of them can change afterwards, its
states and their roll-up order), how a run's value is addressed by a key
(``value_at``), the summary rules, the kinds of record a run log holds, and the
size of the downsampled history. Everything here is plain data and small pure
functions; this module imports nothing else of Runfold's but ``errors``, so every
part can import it without an arrow pointing upward.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from .errors import UsageError

__all__ = [
    "RUN_FIELDS", "EDITABLE_FIELDS", "STATE_ORDER", "SUMMARY_RULES", "LOD_SIZE",
    "X_AXES", "RecordKind", "RECORD_KINDS", "ROW_KINDS", "MISSING", "value_at",
    "effective_state", "rule_for", "RowColumns", "GilShare",
]  # fmt: skip

# Run fields a user can filter and group by (besides config.* and summary.*).
RUN_FIELDS = (
    "id",
    "name",
    "group",
    "job_type",
    "state",
    "host",
    "notes",
    "tags",
    "created_at",
    "updated_at",
    "finished_at",
    "exit_code",
)

# Fields that can be changed after the run (DESIGN §2.10).
EDITABLE_FIELDS = ("name", "group", "job_type", "tags", "notes", "config")

# Roll-up order for a group's state: the first present wins.
STATE_ORDER = ("running", "crashed", "failed", "finished")

# How a summary key follows its history (``define_metric(summary=...)``).
SUMMARY_RULES = ("min", "max", "mean", "last")

# Buckets of a run's downsampled history per metric (the store keeps it at ingest).
LOD_SIZE = 1024

# The x axes every run has, besides any logged metric.
X_AXES = ("_step", "_timestamp", "_runtime")


class RecordKind(StrEnum):
    """The kinds of ``[seq, kind, body]`` record in a run log (and in an upload)."""

    RUN = "run"  # the run's identity and what init() recorded
    CONFIG = "config"  # config changes
    HISTORY = "history"  # logged rows: [step, timestamp, {key: value}]
    SUMMARY = "summary"  # summary values the user set
    DEFINE = "define"  # define_metric rules
    UPDATE = "update"  # name, group, tags ... changed during the run
    FINISH = "finish"  # state, exit code, time
    SYSTEM = "system"  # system-metric rows
    HISTOGRAM = "histogram"  # one histogram at a step
    MEDIA = (
        "media"  # references to media files at a step: [step, timestamp, {key: ref}]
    )
    META = "meta"  # host and process details
    ARTIFACT = "artifact"  # an artifact version logged or used (docs/artifacts.md)


class RowColumns:
    """A history body's rows, ``[step, timestamp, {key: value}]``, held as three
    columns while the SDK's writer, its run log and a local store pass them on.

    Iterating gives the rows (``zip`` reuses its tuple when the loop unpacks it,
    so no tuple is made per row); ``plain()`` makes the list of rows that
    msgpack, JSON and the other receivers take. Why columns: a tuple holding a
    dict is tracked by the garbage collector for good, and every one alive when
    a collection runs can be moved to the oldest generation, whose full
    collections paused ``log()`` 10-30 ms (issue 19)."""

    __slots__ = ("steps", "times", "values")

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.times: list[float] = []
        self.values: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Any:
        return zip(self.steps, self.times, self.values, strict=True)

    def extend(self, rows: Any) -> None:
        """Append rows: another ``RowColumns`` column by column, or rows."""
        if type(rows) is RowColumns:
            self.steps.extend(rows.steps)
            self.times.extend(rows.times)
            self.values.extend(rows.values)
            return
        for step, at, values in rows:
            self.steps.append(step)
            self.times.append(at)
            self.values.append(values)

    def plain(self) -> list[Any]:
        return list(zip(self.steps, self.times, self.values, strict=True))


class GilShare:
    """Hands the GIL back after ``hold_s`` of work: call it every few rows.

    A thread that works beside the training loop (the SDK's writer, the store's
    ingest on it) holds the GIL until the interpreter takes it away, after its
    5 ms switch interval, so ``log()`` waited up to that long, more when two such
    threads took turns (issue 19). Each hand-back costs the worker up to a switch
    interval before it runs again, so a worker that must keep up with a fast
    loop also has the loop wait for it while it is far behind (the writer's
    ``Pacer``).

    ``sleep(0)`` gives the GIL back only to a thread that takes it first, and
    one waiting for it starts its wait over each time it loses that race. A
    ``log()`` waiting for its writer (``waiting``, sdk/pacing.py's ``PacedWait``)
    is handed the GIL for good: once it has waited its slice, the next worker to
    come here wakes it and waits until it runs again. While a run's writer runs
    in the process, the hand-back is a short real sleep (``handback_s``), so that
    a ``log()`` waiting for the GIL gets it."""

    __slots__ = ("hold", "since")
    waiting: ClassVar[Any] = None  # a PacedWait while a paced log() waits
    handback_s: ClassVar[float] = 0.0  # the hand-back's sleep: sdk/pacing.py

    def __init__(self, hold_s: float = 0.0005) -> None:
        self.hold = hold_s
        self.since = time.perf_counter()

    def __call__(self) -> None:
        now = time.perf_counter()
        waiting = GilShare.waiting
        if waiting is not None and now - waiting.since >= waiting.slice_s:
            waiting.hand_back()
            self.since = time.perf_counter()
        elif now - self.since >= self.hold:
            time.sleep(GilShare.handback_s)
            self.since = time.perf_counter()


RECORD_KINDS = frozenset(RecordKind)
# Kinds whose body is a list of rows; the others but HISTOGRAM and MEDIA carry an
# object.
ROW_KINDS = frozenset({RecordKind.HISTORY, RecordKind.SYSTEM})


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def _walk(node: Any, parts: list[str]) -> Any:
    if not parts:
        return node
    if isinstance(node, dict):
        # Longest match first, so a key containing dots wins over nesting.
        for i in range(len(parts), 0, -1):
            key = ".".join(parts[:i])
            if key in node:
                found = _walk(node[key], parts[i:])
                if found is not MISSING:
                    return found
        return MISSING
    if isinstance(node, list):
        try:  # "--1" or "²" passed isdigit() checks and then broke int()
            index = int(parts[0])
        except ValueError:
            return MISSING
        if -len(node) <= index < len(node):
            return _walk(node[index], parts[1:])
    return MISSING


def value_at(run: Any, key: str) -> Any:
    """The value of ``key`` for a run (RunRow or Api run); MISSING when absent.
    A key is a run field, ``config.<path>`` or ``summary.<path>``; paths go through
    nested dicts and list items and match keys that themselves contain dots."""
    head, _, rest = key.partition(".")
    if head == "summary_metrics":  # W&B's spelling in filters
        head = "summary"
    if head in ("config", "summary") and rest:
        return _walk(getattr(run, head), rest.split("."))
    if key in RUN_FIELDS:
        return getattr(run, key)
    raise UsageError(
        f"Cannot group or filter by {key!r}: use a run field "
        f"({', '.join(RUN_FIELDS)}), config.<path> or summary.<path>."
    )


def effective_state(
    state: str, heartbeat_at: float | None, heartbeat_seconds: float, now: float
) -> str:
    """A running run whose heartbeat stopped is crashed: its process is gone."""
    if state != "running" or heartbeat_at is None:
        return state
    grace = 3 * heartbeat_seconds + 1.0
    return "crashed" if now - heartbeat_at > grace else state


def rule_for(rules: Mapping[str, Any], key: str) -> str:
    """The summary rule of a key: exact name first, then a glob like ``val/*``."""
    rule = rules.get(key)
    if rule is None:
        for pattern, candidate in rules.items():
            if "*" in pattern and fnmatch.fnmatchcase(key, pattern):
                rule = candidate
                break
    if isinstance(rule, Mapping):
        rule = rule.get("summary")
    return rule or "last"
