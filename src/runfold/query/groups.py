"""Group rows (DESIGN §2.4): per group its runs, count, state roll-up, the config
its runs share and each summary key aggregated; and runs ordered by a column."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import MISSING, STATE_ORDER, value_at
from .aggregate import cross_run_stats
from .grouping import group_runs, has_value, key_label, sort_token, value_token

__all__ = ["Group", "groups_of", "ordered"]


@dataclass
class Group:
    """One group row: its key, runs, counts and aggregated summary."""

    key: tuple[Any, ...]
    name: str
    runs: list[Any]
    count: int
    states: dict[str, int]
    state: str
    config: dict[str, Any]
    summary: dict[str, dict[str, float | None]] = field(default_factory=dict)


def groups_of(runs: Sequence[Any], by: Sequence[str]) -> list[Group]:
    """Group rows of already-read runs (``runfold.Api`` runs or the store's rows),
    in ``group_runs`` order."""
    out = []
    for key, members in group_runs(runs, list(by)):
        states = Counter(r.state for r in members)
        out.append(Group(
            key=key, name=key_label(key), runs=members, count=len(members),
            states=dict(states),
            state=next((s for s in STATE_ORDER if s in states), members[0].state),
            config=_shared_config(members), summary=_summary_stats(members),
        ))  # fmt: skip
    return out


def ordered(runs: Sequence[Any], order: str) -> list[Any]:
    """Runs sorted by a field (``-`` for descending); numbers before text, and runs
    without a value (missing, null, NaN) last either way."""
    desc = order.startswith("-")
    field_name = order.lstrip("+-")
    values = [(value_at(r, field_name), r) for r in runs]
    present = [(sort_token(v), r) for v, r in values if has_value(v)]
    absent = [r for v, r in values if not has_value(v)]
    present.sort(key=lambda item: item[0], reverse=desc)
    return [r for _, r in present] + absent


def _shared_config(runs: list[Any]) -> dict[str, Any]:
    """The config values every run of the group has, equal; others are "mixed".
    Equal as grouping sees it: NaN equals NaN, True is not 1."""
    if not runs:
        return {}
    keys = set().union(*(r.config for r in runs))
    return {key: _shared_value([r.config.get(key, MISSING) for r in runs])
            for key in sorted(keys)}  # fmt: skip


def _shared_value(values: list[Any]) -> Any:
    """The first value if all are equal as grouping sees it, else "mixed". Stops at
    the second distinct value; equal scalars of one type skip the token (for
    10,000 runs, tokens of every config value were most of a group row's time)."""

    def token(v: Any) -> Any:
        return ("missing",) if v is MISSING else value_token(v)

    first = values[0]
    plain = type(first) in (str, int, float)
    # A dict or list (a nested config section) equal as text is the same value:
    # repr tells True from 1, 1 from 1.0 and -0.0 from 0.0 as the token does,
    # and costs a fifth of it (10,000 runs' tokens: ~50 ms of cold group rows).
    text = repr(first) if type(first) in (dict, list) else None
    seen = {token(first)}
    for v in values:
        if plain and type(v) is type(first) and v == first:
            continue
        if text is not None and type(v) is type(first) and repr(v) == text:
            continue
        seen.add(token(v))
        if len(seen) > 1:
            return "mixed"
    return first


def _summary_stats(runs: list[Any]) -> dict[str, dict[str, float | None]]:
    keys = sorted(set().union(*(r.summary for r in runs))) if runs else []
    out = {}
    for key in keys:
        values = [r.summary.get(key) for r in runs]
        numbers = [
            float(v)
            for v in values
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        if not numbers:
            continue
        _, stats = cross_run_stats([np.zeros(len(numbers))], [np.array(numbers)])
        out[key] = {
            name: (None if v[0] != v[0] else v[0].item()) if len(v) else None
            for name, v in stats.items()
        }
    return out
