"""A sweep's page: its runs in index order with the metric and the best value so
far, and each parameter's correlation with the metric and its importance. Pure:
it takes the sweep's row, its proposals and its runs (store rows or ``Api`` runs),
so the server's sweep route and ``runfold.Api().sweep(...).page()`` answer alike.

How the numbers are made (the web UI's sweep page shows them):

- ``value``: the run's summary value of the sweep's metric, when it is a finite
  number; ``best_so_far``: the best ``value`` (the metric's goal) among the runs
  up to this index.
- ``correlation``: Spearman's rank correlation (ties share their mean rank) of a
  parameter with the metric over the runs that have a value; None for a
  parameter with a value that is not a number (categorical), and where either
  side does not vary.
- ``importance``: the share of the metric's variance a parameter explains, the
  correlation ratio eta² = (sum of n_g * (mean_g - mean)²) / (sum of (y - mean)²)
  over the groups g of runs with the same parameter value. A numeric parameter
  with more than ``MAX_BINS`` distinct values is first cut into at most
  ``MAX_BINS`` quantile bins (``pandas.qcut(x, 10, duplicates="drop")``: right-
  closed bins, the lowest value in the first). The eta² values are then divided by
  their sum, so importances sum to 1. With few runs every run is its own group
  and every parameter explains everything: read importance once a sweep has
  many more runs than bins.
- Both are None with fewer than ``MIN_RUNS`` runs with a value; importance is
  None too where the metric does not vary (nothing to explain).

The JSON of a sweep and of a proposal both ways (``sweep_row``, ``proposal_row``)
lives here too: the server sends it, ``runfold.remote`` and the agents' client
read it back into the store's rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..model import MISSING, value_at
from ..store.rows import AgentRow, SweepRow, SweepRunRow
from ..store.sweeps import sweep_fields
from ..sweeps import SweepDefinition

__all__ = [
    "sweep_page", "sweep_row", "proposal_fields", "proposal_row", "param_paths",
    "flat_params", "metric_value", "rank_correlation", "explained_share",
    "MAX_BINS", "MIN_RUNS",
]  # fmt: skip

MAX_BINS = 10
MIN_RUNS = 3


def sweep_row(fields: Mapping[str, Any]) -> SweepRow:
    """``sweep_fields``' JSON (or a page, which holds it) back as the store's row."""
    return SweepRow(
        fields["project"], fields["id"], fields["name"], fields["state"],
        fields["config"], fields["created_at"], fields["updated_at"],
        fields["run_count"], [AgentRow(**a) for a in fields["agents"]],
    )  # fmt: skip


def proposal_fields(proposal: SweepRunRow) -> dict[str, Any]:
    """A proposal as JSON: run_id, index, params, agent_id, state, reason,
    claimed_at, ended_at."""
    return dict(vars(proposal))


def proposal_row(fields: Mapping[str, Any]) -> SweepRunRow:
    return SweepRunRow(**fields)


def param_paths(definition: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Every leaf parameter's key path in a stored definition, sorted (W&B's
    order, ``SweepDefinition.leaves``)."""
    return [path for path, _ in SweepDefinition.from_dict(definition).leaves()]


def flat_params(
    params: Mapping[str, Any], paths: Sequence[tuple[str, ...]]
) -> dict[str, Any]:
    """A proposal's nested parameters by dotted name ("optimizer.lr")."""
    out = {}
    for path in paths:
        node: Any = params
        for part in path:
            node = node.get(part, MISSING) if isinstance(node, Mapping) else MISSING
        if node is not MISSING:
            out[".".join(path)] = node
    return out


def metric_value(run: Any, metric: str) -> float | None:
    """The run's summary value of ``metric`` when it is a finite number."""
    value = value_at(run, f"summary.{metric}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _ranks(a: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their mean rank."""
    order = np.argsort(a, kind="mergesort")
    _, first, counts = np.unique(a[order], return_index=True, return_counts=True)
    ranks = np.empty(len(a))
    ranks[order] = np.repeat(first + (counts - 1) / 2.0, counts) + 1.0
    return ranks


def rank_correlation(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation; None with fewer than MIN_RUNS pairs or where
    either side does not vary."""
    if len(x) < MIN_RUNS:
        return None
    rx, ry = _ranks(np.asarray(x, float)), _ranks(np.asarray(y, float))
    dx, dy = rx - rx.mean(), ry - ry.mean()
    scale = math.sqrt(float((dx * dx).sum() * (dy * dy).sum()))
    if scale == 0.0:
        return None
    return max(-1.0, min(1.0, float((dx * dy).sum()) / scale))


def _groups(values: Sequence[Any]) -> list[Any]:
    """Each value's group: itself (categorical, or a few numbers) or its
    quantile bin."""
    if not all(_is_number(v) for v in values):
        return [json.dumps(v, sort_keys=True, default=str) for v in values]
    x = np.asarray(values, float)
    if len(np.unique(x)) <= MAX_BINS:
        return x.tolist()
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, MAX_BINS + 1)))
    return np.searchsorted(edges[1:-1], x, side="left").tolist()


def explained_share(values: Sequence[Any], y: Sequence[float]) -> float | None:
    """eta²: the share of ``y``'s variance between the groups of ``values``; None
    with fewer than MIN_RUNS runs or where ``y`` does not vary."""
    if len(y) < MIN_RUNS:
        return None
    target = np.asarray(y, float)
    mean = target.mean()
    total = float(((target - mean) ** 2).sum())
    if total <= 0.0:
        return None
    by_group: dict[Any, list[float]] = {}
    for key, v in zip(_groups(values), target.tolist(), strict=True):
        by_group.setdefault(key, []).append(v)
    between = sum(len(g) * (float(np.mean(g)) - mean) ** 2 for g in by_group.values())
    return min(1.0, between / total)


def _parameters(
    names: Sequence[str], rows: Sequence[tuple[dict[str, Any], float]]
) -> list[dict[str, Any]]:
    """Each parameter's correlation and normalised importance over ``rows``
    (flat params, metric value) of the runs with a value."""
    found = []
    for name in names:
        pairs = [(p[name], v) for p, v in rows if name in p]
        xs, ys = [x for x, _ in pairs], [v for _, v in pairs]
        numeric = all(_is_number(x) for x in xs)
        corr = rank_correlation(xs, ys) if numeric else None
        found.append((name, corr, explained_share(xs, ys)))
    total = sum(share for _, _, share in found if share is not None)
    return [
        {"name": name,
         "importance": share / total if share is not None and total > 0 else None,
         "correlation": corr}
        for name, corr, share in found
    ]  # fmt: skip


def sweep_page(
    sweep: SweepRow, proposals: Sequence[SweepRunRow], runs: Sequence[Any]
) -> dict[str, Any]:
    """The sweep page's JSON: ``sweep_fields`` with ``metric`` ({name, goal} or
    None), ``runs`` (one per proposal in index order: index, run_id, name,
    state, proposal_state, reason, flat params, value, best_so_far, group,
    job_type) and ``parameters`` (name, importance, correlation)."""
    spec = sweep.definition.get("metric") or None
    metric = (
        {"name": spec["name"], "goal": spec.get("goal", "minimize")} if spec else None
    )
    paths = param_paths(sweep.definition)
    by_id = {r.id: r for r in runs}
    out, rows, best = [], [], None
    for p in sorted((p for p in proposals if p.state != "replaced"),
                    key=lambda p: p.index):  # fmt: skip
        run = by_id.get(p.run_id)
        params = flat_params(p.params, paths)
        value = (
            metric_value(run, metric["name"]) if run is not None and metric else None
        )
        if value is not None:
            rows.append((params, value))
            better = min if metric and metric["goal"] == "minimize" else max
            best = value if best is None else better(best, value)
        out.append({
            "index": p.index, "run_id": p.run_id, "name": getattr(run, "name", None),
            "state": run.state if run is not None else p.state,
            "proposal_state": p.state, "reason": p.reason, "params": params,
            "value": value, "best_so_far": best,
            "group": getattr(run, "group", None),
            "job_type": getattr(run, "job_type", None),
        })  # fmt: skip
    names = [".".join(path) for path in paths]
    return {**sweep_fields(sweep), "metric": metric, "runs": out,
            "parameters": _parameters(names, rows)}  # fmt: skip
