"""Fold runs into groups by any run field or config path (DESIGN §2.3).

A key is a run field (``group``, ``job_type``, ``state``, ``host``, ``name``,
``tags``), ``config.<path>`` or ``summary.<path>``. Paths may go through nested
dicts and list items (``config.layers.0``) and match keys that themselves contain
dots (``config.optimizer.name`` finds ``{"optimizer.name": ...}`` too). Runs
missing the key, or with null, fall in the ``(none)`` group; a run with several
tags is in each tag's group.

Values group exactly: 0.1 and 0.10000000000000002 are two groups. Numbers group
by value, so ``1`` and ``1.0`` are one group (as in JSON, the web UI's JavaScript
and filters' ``$eq``), named by its first run's value; ``True`` is not ``1``, and
every NaN falls in one ``NaN`` group.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from .errors import UsageError
from .store.base import RUN_FIELDS

__all__ = ["NONE_LABEL", "value_at", "group_runs", "key_label", "MISSING"]

NONE_LABEL = "(none)"


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
    """The value of ``key`` for a run (RunRow or Api run); MISSING when absent."""
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


def _sort_token(value: Any) -> tuple[float, Any]:
    if value is None or value is MISSING:
        return (3, "")
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, float) and math.isnan(value):
        return (0.5, "")  # after the numbers: NaN compares with nothing
    if isinstance(value, (int, float)):
        return (0, value)
    return (2, _canonical(value))


def _canonical(value: Any) -> str:
    """An exact text for a group value (no rounding that merges groups)."""
    if value is None or value is MISSING:
        return NONE_LABEL
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    import json

    return json.dumps(value, sort_keys=True, default=str)


def key_label(key: Sequence[Any]) -> str:
    return " / ".join(_canonical(v) for v in key)


def _hashable(value: Any) -> Any:
    if value is MISSING:
        return None
    # True == 1 and hash(True) == hash(1) merged a flag's group with a number's;
    # NaN != NaN (and hashes by identity) could split one value into many groups.
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, (dict, list)):
        return ("json", _canonical(value))
    return value


def _values_of(run: Any, key: str) -> list[Any]:
    value = value_at(run, key)
    if key == "tags":
        # dict.fromkeys: a tag listed twice must not put the run twice in its group.
        return list(dict.fromkeys(value)) if value else [None]
    return [value]


def group_runs(
    runs: Iterable[Any], by: Sequence[str]
) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """Group runs by the keys in ``by`` (in order). Returns ``[(key, runs)]``
    sorted by key, numbers numerically, ``(none)`` last."""
    if isinstance(by, str):
        by = [by]
    groups: dict[tuple[Any, ...], list[Any]] = {}
    originals: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for run in runs:
        keys: list[tuple[Any, ...]] = [()]
        for field in by:
            keys = [k + (v,) for k in keys for v in _values_of(run, field)]
        for key in keys:
            clean = tuple(None if v is MISSING else v for v in key)
            hkey = tuple(_hashable(v) for v in clean)
            groups.setdefault(hkey, []).append(run)
            originals.setdefault(hkey, clean)
    ordered = sorted(groups, key=lambda k: tuple(_sort_token(v) for v in originals[k]))
    return [(originals[k], groups[k]) for k in ordered]
