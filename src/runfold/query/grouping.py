"""Fold runs into groups by any run field or config path (DESIGN §2.3).

A key is a run field (``group``, ``job_type``, ``state``, ``host``, ``name``,
``tags``), ``config.<path>`` or ``summary.<path>``. Paths may go through nested
dicts and list items (``config.layers.0``) and match keys that themselves contain
dots (``config.optimizer.name`` finds ``{"optimizer.name": ...}`` too). Runs
missing the key, or with null, fall in the ``(none)`` group; a run with several
tags is in each tag's group.

Two keys look at all the runs at once (DESIGN §2.3):

* ``config.*`` groups by every config value that varies across the runs, and
  ``config.* except seed,data.split`` leaves some out, so runs that differ only by
  seed fold together. The group value is a ``ConfigValues`` dict of those leaves.
* ``name~<regex>`` groups by the regex's first capture group on the run name (the
  whole match if it has no group); a name it does not match is ``(none)``.

Values group exactly: 0.1 and 0.10000000000000002 are two groups. Numbers group
by value, so ``1`` and ``1.0`` are one group (as in JSON, the web UI's JavaScript
and filters' ``$eq``), named by its first run's value; ``True`` is not ``1``, and
every NaN falls in one ``NaN`` group.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import UsageError
from ..model import MISSING, value_at

__all__ = [
    "NONE_LABEL", "group_runs", "key_label", "ConfigValues",
    "value_token", "sort_token", "has_value",
]  # fmt: skip

NONE_LABEL = "(none)"


def has_value(value: Any) -> bool:
    """False for what sorts last either way: missing, null or NaN."""
    return not (
        value is None
        or value is MISSING
        or (isinstance(value, float) and math.isnan(value))
    )


def sort_token(value: Any) -> tuple[float, Any]:
    """How values order: numbers, NaN, booleans, text and other values (by their
    exact text), then missing or null."""
    if value is None or value is MISSING:
        return (3, "")
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, float) and math.isnan(value):
        return (0.5, "")  # after the numbers: NaN compares with nothing
    if isinstance(value, (int, float)):
        return (0, value)
    return (2, _canonical(value))


class ConfigValues(dict):  # type: ignore[type-arg]
    """The varying config leaves of a run, as one group value: ``lr=0.1, bs=32``."""


def _canonical(value: Any) -> str:
    """An exact text for a group value (no rounding that merges groups)."""
    if value is None or value is MISSING:
        return NONE_LABEL
    if isinstance(value, ConfigValues):
        if not value:
            return "(same config)"
        return ", ".join(f"{k}={_canonical(v)}" for k, v in value.items())
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    import json

    return json.dumps(value, sort_keys=True, default=str)


def key_label(key: Sequence[Any]) -> str:
    return " / ".join(_canonical(v) for v in key)


def value_token(value: Any) -> Any:
    """A hashable token, equal for values that fold into one group."""
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


def _leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    """Config flattened to dotted leaf paths (lists stay whole values)."""
    if not isinstance(node, dict) or not node:
        return {prefix: node} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        out.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _varying_config(runs: list[Any], spec: str) -> Callable[[Any], list[Any]]:
    rest = spec[len("config.*") :].strip()
    if rest and not rest.startswith("except "):
        raise UsageError(
            f"Cannot group by {spec!r}: write 'config.*' or "
            "'config.* except seed,data.split'."
        )
    excluded = [k.strip() for k in rest[len("except ") :].split(",") if k.strip()]
    leaves = [_leaves(run.config) for run in runs]
    paths = sorted({p for leaf in leaves for p in leaf})
    varying = [
        p for p in paths
        if not any(p == e or p.startswith(e + ".") for e in excluded)
        and len({value_token(leaf.get(p, MISSING)) for leaf in leaves}) > 1
    ]  # fmt: skip
    by_run = {
        id(run): ConfigValues((p, leaf.get(p)) for p in varying)
        for run, leaf in zip(runs, leaves, strict=True)
    }
    return lambda run: [by_run[id(run)]]


def _name_capture(spec: str) -> Callable[[Any], list[Any]]:
    try:
        pattern = re.compile(spec[len("name~") :])
    except re.error as exc:
        raise UsageError(
            f"Cannot group by {spec!r}: bad regular expression ({exc})."
        ) from None

    def capture(run: Any) -> list[Any]:
        found = pattern.search(run.name or "")
        if found is None:
            return [None]
        return [found.group(1) if pattern.groups else found.group(0)]

    return capture


def _resolver(runs: list[Any], key: str) -> Callable[[Any], list[Any]]:
    if key.startswith("config.*"):
        return _varying_config(runs, key)
    if key.startswith("name~"):
        return _name_capture(key)
    if key == "tags":
        # dict.fromkeys: a tag listed twice must not put the run twice in its group.
        return lambda run: list(dict.fromkeys(run.tags)) if run.tags else [None]
    value_at(_NoRun(), key)  # fail early, with the message, on an unknown field
    return lambda run: [value_at(run, key)]


class _NoRun:
    """Stands in for a run to check a key's spelling before any run is read."""

    config: dict[str, Any] = {}
    summary: dict[str, Any] = {}

    def __getattr__(self, name: str) -> None:
        return None


# Run fields whose values are text or None: ``_by_text`` groups by them.
_TEXT_FIELDS = frozenset({"id", "name", "group", "job_type", "state", "host"})


def _by_text(
    runs: list[Any], field: str
) -> list[tuple[tuple[Any, ...], list[Any]]] | None:
    """``group_runs(runs, [field])`` when every value is text or None: one dict
    step per run (the general path took ~30 ms of a cold grouped read of 10,000
    runs, issue 19). None when some value is not."""
    groups: dict[Any, list[Any]] = {}
    for run in runs:
        value = getattr(run, field)
        found = groups.get(value)
        if found is None:
            if value is not None and type(value) is not str:
                return None
            found = groups[value] = []
        found.append(run)
    return [((value,), groups[value]) for value in sorted(groups, key=sort_token)]


def group_runs(
    runs: Iterable[Any], by: Sequence[str]
) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """Group runs by the keys in ``by`` (in order). Returns ``[(key, runs)]``
    sorted by key, numbers numerically, ``(none)`` last."""
    if isinstance(by, str):
        by = [by]
    runs = list(runs)
    if len(by) == 1 and by[0] in _TEXT_FIELDS:
        found = _by_text(runs, by[0])
        if found is not None:
            return found
    resolvers = [_resolver(runs, key) for key in by]
    groups: dict[tuple[Any, ...], list[Any]] = {}
    originals: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for run in runs:
        keys: list[tuple[Any, ...]] = [()]
        for resolve in resolvers:
            keys = [k + (v,) for k in keys for v in resolve(run)]
        for key in keys:
            clean = tuple(None if v is MISSING else v for v in key)
            hkey = tuple(value_token(v) for v in clean)
            groups.setdefault(hkey, []).append(run)
            originals.setdefault(hkey, clean)
    ordered = sorted(groups, key=lambda k: tuple(sort_token(v) for v in originals[k]))
    return [(originals[k], groups[k]) for k in ordered]
