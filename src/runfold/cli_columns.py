"""Which columns ``runfold runs`` shows, and their values.

By default: the run's id, name, group, job type, state and runtime, and the four
most useful summary keys: those most runs have, a loss before an accuracy before
the rest, then those whose values vary most (a key every run shares says nothing
in a table). When the terminal is narrow, the id, name, state and the first
summary key go first (``PRIORITY``). ``--columns`` names the columns instead: run
fields, ``config.<path>``, ``summary.<key>`` or a bare summary key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import click

__all__ = ["choose_columns", "column_values", "priority", "FIELDS"]

FIELDS = ("id", "name", "group", "job_type", "state", "runtime", "tags", "notes",
          "host", "created", "exit_code")  # fmt: skip
DEFAULT_FIELDS = ("id", "name", "group", "job_type", "state", "runtime")
SUMMARY_SHOWN = 4
_OBJECTIVES = (re.compile(r"loss"), re.compile(r"acc|accuracy"))


def _summary_keys(runs: Sequence[Any]) -> list[str]:
    """The runs' summary keys, the most useful first (see the module docstring)."""
    seen: dict[str, set[str]] = {}
    count: dict[str, int] = {}
    for run in runs:
        for key, value in run.summary.items():
            if key.startswith("_") or isinstance(value, (dict, list)):
                continue
            count[key] = count.get(key, 0) + 1
            seen.setdefault(key, set()).add(repr(value))

    def rank(key: str) -> tuple[int, int, int, str]:
        leaf = key.rsplit("/", 1)[-1].lower()
        kind = next((i for i, p in enumerate(_OBJECTIVES) if p.search(leaf)), 2)
        return -count[key], kind, -len(seen[key]), key

    return sorted(count, key=rank)


def choose_columns(runs: Sequence[Any], requested: Sequence[str]) -> list[str]:
    """The columns to show: ``requested`` (checked, in its order) or the default."""
    keys = _summary_keys(runs)
    if requested:
        return [_checked(c, keys) for c in requested]
    empty = {
        f for f in ("group", "job_type") if all(getattr(r, f) is None for r in runs)
    }
    fields = [f for f in DEFAULT_FIELDS if f not in empty]
    return fields + keys[:SUMMARY_SHOWN]


def priority(columns: Sequence[str], requested: bool) -> list[str]:
    """The order columns are kept in when the terminal is too narrow for all."""
    if requested:
        return list(columns)
    keys = [c for c in columns if c not in FIELDS]
    first = ["id", "name", "state", *keys[:1], "group", "job_type", *keys[1:2],
             "runtime", *keys[2:]]  # fmt: skip
    return [c for c in first if c in columns]


def _checked(column: str, keys: list[str]) -> str:
    if column in FIELDS or column.startswith(("config.", "summary.")):
        return column
    if column in keys:
        return column
    raise click.BadParameter(
        f"{column!r} is neither a run field ({', '.join(FIELDS)}), config.<path>, "
        f"summary.<key> nor a summary key of these runs "
        f"({', '.join(keys[:12]) or 'they have none'}).",
        param_hint="--columns",
    )


def column_values(run: Any, columns: Sequence[str]) -> list[Any]:
    from .model import MISSING, value_at

    out: list[Any] = []
    for column in columns:
        if column == "runtime":
            out.append(f"{run.runtime:.0f}s")
        elif column == "created":
            from .clitools import format_time

            out.append(format_time(run.created_at))
        elif column in FIELDS:
            out.append(getattr(run, column))
        else:
            key = column if column.startswith(("config.", "summary.")) else None
            value = value_at(run, key) if key else run.summary.get(column)
            out.append(None if value is MISSING else value)
    return out
