"""The numbers behind a report's panels, computed as the web UI computes them, so
an export shows exactly what the report's page plots (DESIGN §2.8).

A chart block's metric gives ``plotted(...)``: the groups the chart draws (the
first ``settings.max`` entries of ``Api.group_series``), each with its own points
``x``, ``line`` (the entry's mean/median/min/max), ``lower``/``upper`` (the band of
``settings.shading``: min–max, mean ± std or mean ± stderr, none where n < 2) and
``n``; with shading ``members``, the member runs' own lines (at most 20 a group and
200 in all, as the UI fetches them). Non-finite values and, on a log axis, values
≤ 0 are None: not drawn.
"""

from __future__ import annotations

import math
import mimetypes
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import RunfoldError

__all__ = [
    "PALETTE", "chart_panels", "runs_panel", "group_panel", "file_panel",
    "color_of",
]  # fmt: skip


def _palette() -> tuple[str, ...]:
    """The web UI's palette (web/static/lib/colors.js, its one copy): an exported
    report colours a group as the UI does, by its index in API order."""
    text = resources.files("runfold.web").joinpath("static/lib/colors.js").read_text()
    block = text[text.index("PALETTE = [") : text.index("];")]
    return tuple(re.findall(r'"(#[0-9a-fA-F]{6})"', block))


PALETTE = _palette()
MEMBERS_PER_GROUP = 20
MEMBERS_TOTAL = 200
DEFAULT_COLUMNS = ("name", "group", "job_type", "state")


def mean_std(stats: dict[str, Any] | None, text: Callable[[Any], str]) -> str:
    """A group's summary cell: "mean ± std" (the mean alone for one run), each
    number written by the exporter's ``text``."""
    if not stats or stats.get("mean") is None:
        return ""
    if stats.get("std") is None:
        return text(stats["mean"])
    return f"{text(stats['mean'])} ± {text(stats['std'])}"


def color_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _band(entry: dict[str, Any], shading: str, i: int) -> tuple[Any, Any]:
    """web/static/lib/bands.js ``bandAt``."""
    n = _num(entry["count"][i])
    if shading in ("none", "members") or n is None or n < 2:
        return None, None
    if shading == "minmax":
        lo, hi = _num(entry["min"][i]), _num(entry["max"][i])
        return (lo, hi) if lo is not None and hi is not None else (None, None)
    mean, spread = _num(entry["mean"][i]), _num(entry[shading][i])
    if mean is None or spread is None:
        return None, None
    return mean - spread, mean + spread


def _positive(v: float | None, log: bool) -> float | None:
    return None if log and v is not None and v <= 0 else v


def _plotted_group(entry: dict[str, Any], index: int, settings: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    line, shading, log = settings["line"], settings["shading"], settings["log"]
    lows, highs = [], []
    for i in range(len(entry["x"])):
        lo, hi = _band(entry, shading, i)
        lows.append(_positive(lo, log))
        highs.append(_positive(hi, log))
    return {
        "name": entry["name"], "key": list(entry["key"]), "color": color_of(index),
        "runs": entry["runs"], "mode": entry["mode"], "x": list(entry["x"]),
        "x_lo": list(entry["x_lo"]), "x_hi": list(entry["x_hi"]),
        "line": [_positive(_num(v), log) for v in entry[line]],
        "lower": lows, "upper": highs, "n": list(entry["count"]),
    }  # fmt: skip


def _member_ids(drawn: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, int]]]:
    """web/static/lib/members.js ``memberPlan``."""
    ids: list[str] = []
    counts = []
    for entry in drawn:
        run_ids = entry.get("run_ids") or []
        room = max(0, min(MEMBERS_PER_GROUP, MEMBERS_TOTAL - len(ids)))
        take = run_ids[:room]
        ids.extend(take)
        counts.append({"shown": len(take), "total": len(run_ids)})
    return ids, counts


def _members(api: Any, project: str, metric: str, drawn: list[dict[str, Any]],
             settings: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    ids, counts = _member_ids(drawn)
    owner = {rid: gi for gi, e in enumerate(drawn) for rid in e.get("run_ids") or []}
    entries = []
    if ids:
        entries = api.group_series_of(
            project, [metric], [], x=settings["x"],
            smoothing=settings["smoothing"] or None, filters={"id": {"$in": ids}},
        )[metric]  # fmt: skip
    lines = []
    for e in entries:
        run_id = e["key"][0]
        if run_id in owner:
            lines.append({
                "run": run_id, "group": owner[run_id], "x": list(e["x"]),
                "line": [_positive(_num(v), settings["log"]) for v in e["mean"]],
            })  # fmt: skip
    return {"lines": lines, "counts": counts}


def chart_panels(api: Any, project: str, block: dict[str, Any]) -> list[dict[str, Any]]:
    """One plotted chart per metric of a chart block."""
    settings = block["settings"]
    series = api.group_series_of(
        project, block["metrics"], block["by"], x=settings["x"],
        smoothing=settings["smoothing"] or None, filters=block["filters"],
    )  # fmt: skip
    out = []
    for metric in block["metrics"]:
        entries = series[metric]
        drawn = entries[: settings["max"]]
        chart: dict[str, Any] = {
            "metric": metric, "settings": dict(settings), "by": list(block["by"]),
            "total": len(entries),
            "groups": [_plotted_group(e, i, settings) for i, e in enumerate(drawn)],
            "members": [],
        }  # fmt: skip
        if settings["shading"] == "members" and drawn:
            found = _members(api, project, metric, drawn, settings)
            chart["members"] = found["lines"]
            chart["member_counts"] = found["counts"]
        out.append(chart)
    return out


# ---- tables ---------------------------------------------------------------------


def _cell(run: Any, column: str) -> Any:
    from ..model import MISSING, value_at

    if column == "runtime":
        return run.runtime
    try:
        value = value_at(run, column)
    except RunfoldError:
        return None
    return None if value is MISSING else value


def runs_panel(api: Any, project: str, block: dict[str, Any]) -> dict[str, Any]:
    """The runs a runs block lists (its filters, then its text filter ``q``), with
    the block's columns; with ``by``, also the group rows over them."""
    from ..query import groups_of
    from ..query.textfilter import compile_text_filter

    keep = compile_text_filter(block["q"])
    runs = [r for r in api.run_rows(project, block["filters"]) if keep(r)]
    columns = list(dict.fromkeys([*DEFAULT_COLUMNS, *block["columns"]]))
    rows = [{"id": r.id, "cells": [_cell(r, c) for c in columns]} for r in runs]
    panel: dict[str, Any] = {"columns": columns, "runs": rows, "groups": None}
    if block["by"]:
        panel["groups"] = [
            {"name": g.name, "count": g.count, "state": g.state, "states": g.states,
             "runs": [r.id for r in g.runs],
             "summary": {c: g.summary.get(c[len("summary."):]) for c in columns
                         if c.startswith("summary.")}}
            for g in groups_of(runs, block["by"])
        ]  # fmt: skip
    return panel


def group_panel(api: Any, project: str, name: str) -> dict[str, Any] | None:
    """One experiment's shared config and aggregated summary (None: no runs)."""
    found = api.groups(project, by=["group"], filters={"group": name})
    if not found:
        return None
    g = found[0]
    return {"name": g.name, "count": g.count, "state": g.state, "states": g.states,
            "config": g.config, "summary": g.summary}  # fmt: skip


def file_panel(files_dir: Path | None, project: str, block: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """A run's file: {"path", "mime", "data" (bytes) or "missing" (why)}."""
    out: dict[str, Any] = {"run": block["run"], "path": block["path"], "data": None}
    if files_dir is None:
        out["missing"] = "this store keeps no run files here"
        return out
    runs = (Path(files_dir) / "runs").resolve()
    run_dir = (runs / project / block["run"]).resolve()
    root = (run_dir / "files").resolve()
    target = (root / block["path"]).resolve()
    if not (run_dir.is_relative_to(runs) and root.is_relative_to(run_dir)
            and target.is_relative_to(root) and target.is_file()):  # fmt: skip
        out["missing"] = f"run {block['run']!r} has no file {block['path']!r}"
        return out
    out["mime"] = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    out["data"] = target.read_bytes()
    return out
