"""Turn the benchmarks' results into one Markdown table: figure, target, W&B, ratio.

Each figure's target is set below (``target=``) and listed with the latest results
in bench/RESULTS.md. A figure with no target is printed for context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# ``import runfold`` must not load these (docs/architecture.md: it stays light).
MUST_NOT_LOAD = ("numpy", "runfold.store.sqlite", "fastapi", "psycopg", "httpx")


@dataclass
class Figure:
    what: str
    value: float | None
    unit: str
    target: tuple[str, float] | None = None  # ("<=", 3.0) or (">=", 1e6)
    wandb: float | None = None
    is_rate: bool = False  # higher is better

    def verdict(self) -> str:
        if self.target is None or self.value is None:
            return ""
        op, limit = self.target
        ok = self.value <= limit if op == "<=" else self.value >= limit
        return "PASS" if ok else "MISS"

    def ratio(self) -> str:
        if not self.wandb or not self.value:
            return ""
        times = self.value / self.wandb if self.is_rate else self.wandb / self.value
        word = "better" if times >= 1 else "worse"
        return f"{max(times, 1 / times):,.1f}× {word}"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit in ("points/s", "×"):
        return f"{value:,.0f}" if unit == "points/s" else f"{value:,.1f}"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def _get(result: dict[str, Any] | None, *path: str) -> Any:
    node: Any = result
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def log_figures(results: dict[str, Any]) -> list[Figure]:
    run, mod, wb = (
        results.get("log_run"),
        results.get("log_module"),
        results.get("wandb"),
    )
    steps = _get(run, "steps") or 0
    lat = [
        Figure(
            f"`run.log()` 8 floats, {q}",
            _get(run, "latency_us", key),
            "µs",
            target,
            _get(wb, "latency_us", key),
        )
        for q, key, target in (
            ("median", "median", ("<=", 3.0)),
            ("p90", "p90", None),
            ("p99", "p99", ("<=", 50.0)),
            ("max", "max", None),
        )
    ]
    med, wb_med = _get(run, "latency_us", "median"), _get(wb, "latency_us", "median")
    return [
        *lat,
        Figure("`runfold.log()` median", _get(mod, "latency_us", "median"), "µs",
               ("<=", 3.0), wb_med),
        Figure("`runfold.log()` p99", _get(mod, "latency_us", "p99"), "µs",
               ("<=", 50.0), _get(wb, "latency_us", "p99")),
        Figure("log median: W&B ÷ Runfold", wb_med / med if med and wb_med else None,
               "×", (">=", 10.0)),
        Figure(f"`finish()` after {steps:,} × 8 points", _get(run, "finish_s"), "s",
               ("<=", 2.0), _get(wb, "finish_s")),
        Figure("`init()`", _get(run, "init_s"), "s", None, _get(wb, "init_s")),
        Figure("SDK end to end, first log → finish done", _get(
            run, "end_to_end_points_per_s"), "points/s", None,
            _get(wb, "end_to_end_points_per_s"), is_rate=True),
    ]  # fmt: skip


def store_figures(results: dict[str, Any]) -> list[Figure]:
    ing, imp = results.get("ingest"), results.get("import")
    chart, table = results.get("query_chart"), results.get("query_table")
    c_runs, t_runs = _get(chart, "data", "runs") or 0, _get(table, "data", "runs") or 0
    c_steps = _get(chart, "data", "steps") or 0
    t_steps = _get(table, "data", "steps") or 0
    return [
        Figure("ingest into SQLite, sustained", _get(ing, "points_per_s"), "points/s",
               (">=", 1e6), is_rate=True),
        Figure("`import runfold`", _get(imp, "import_ms"), "ms", ("<=", 100.0)),
        Figure(f"`group_series` {c_runs:,} runs × {c_steps:,} steps, 10 groups",
               _get(chart, "calls", "group_series", "ms"), "ms", ("<=", 200.0)),
        Figure(f"`groups` {c_runs:,} runs", _get(chart, "calls", "groups", "ms"), "ms"),
        Figure(f"`groups` {t_runs:,} runs", _get(table, "calls", "groups", "ms"), "ms",
               ("<=", 200.0)),
        Figure(f"`runs` {t_runs:,} runs", _get(table, "calls", "runs", "ms"), "ms"),
        Figure(f"`group_series` {t_runs:,} runs × {t_steps:,} steps",
               _get(table, "calls", "group_series", "ms"), "ms"),
    ]  # fmt: skip


def server_figures(results: dict[str, Any]) -> list[Figure]:
    server = results.get("server")
    series, runs = _get(server, "series"), _get(server, "runs_grouped")
    c_runs, t_runs = _get(series, "data", "runs") or 0, _get(runs, "data", "runs") or 0
    return [
        Figure(f"server: series of 4 metrics, {c_runs:,} runs × 10,000 steps, "
               "10 groups", _get(series, "ms"), "ms", ("<=", 250.0)),
        Figure(f"server: runs table grouped, {t_runs:,} runs",
               _get(runs, "ms"), "ms", ("<=", 200.0)),
    ]  # fmt: skip


def team_figures(results: dict[str, Any]) -> list[Figure]:
    team = results.get("team")
    if not team or "skipped" in team:
        return []
    sat, paced = _get(team, "saturated"), _get(team, "paced")
    chart, tab = _get(team, "reads", "chart"), _get(team, "reads", "table")
    c_runs, t_runs = _get(chart, "data", "runs") or 0, _get(tab, "data", "runs") or 0
    clients = _get(sat, "clients") or _get(paced, "clients") or 0
    rate = _get(paced, "rate") or 0
    return [
        Figure(f"team: online ingest, {clients} clients → 2 server processes, "
               "PostgreSQL, sustained", _get(sat, "points_per_s"), "points/s",
               is_rate=True),
        Figure("team: records POST latency p99, saturated",
               _get(sat, "latency", "ms", "p99"), "ms"),
        Figure(f"team: records POST latency p99, paced ({rate:.0f} steps/s per "
               "client)", _get(paced, "latency", "ms", "p99"), "ms"),
        Figure(f"team: `group_series` {c_runs:,} runs × 10,000 steps, 10 groups, "
               "PostgreSQL", _get(chart, "calls", "group_series", "ms"), "ms",
               ("<=", 200.0)),
        Figure(f"team: `groups` {t_runs:,} runs, PostgreSQL",
               _get(tab, "calls", "groups", "ms"), "ms", ("<=", 200.0)),
        Figure(f"team: `runs` {t_runs:,} runs, PostgreSQL",
               _get(tab, "calls", "runs", "ms"), "ms"),
        Figure(f"team: server series by group, {c_runs:,} runs, PostgreSQL",
               _get(chart, "calls", "server", "ms"), "ms"),
        Figure(f"team: server runs table grouped, {t_runs:,} runs, PostgreSQL",
               _get(tab, "calls", "server", "ms"), "ms", ("<=", 200.0)),
    ]  # fmt: skip


def table(results: dict[str, Any]) -> str:
    head = "| figure | Runfold | target | result | W&B offline | Runfold vs W&B |"
    lines = [head, "| --- | ---: | --- | --- | ---: | --- |"]
    figures = log_figures(results) + store_figures(results) + server_figures(results)
    for f in figures + team_figures(results):
        target = f"{f.target[0].replace('<=', '≤').replace('>=', '≥')} " + fmt(
            f.target[1], f.unit
        ) if f.target else "—"  # fmt: skip
        wandb = fmt(f.wandb, f.unit) if f.wandb is not None else "—"
        lines.append(
            f"| {f.what} | {fmt(f.value, f.unit)} {f.unit} | {target} | "
            f"{f.verdict()} | {wandb} | {f.ratio()} |"
        )
    return "\n".join(lines)


def checks(results: dict[str, Any]) -> list[str]:
    """Correctness lines printed under the table."""
    out = []
    for name in ("log_run", "log_module"):
        res = results.get(name)
        if res:
            ok = res["is_complete"] and not res["mismatched_steps"]
            out.append(
                f"- {name}: {res['history_rows']:,} history rows read back, points per "
                f"key {sorted(set(res['points_per_key'].values()))}, values match: "
                f"{not res['mismatched_steps']} -> {'PASS' if ok else 'MISS'}"
            )
    imp = results.get("import")
    if imp:
        loaded = [m for m in imp["heavy_modules_loaded"] if m in MUST_NOT_LOAD]
        out.append(
            f"- `import runfold` loads {', '.join(MUST_NOT_LOAD)}: "
            f"{', '.join(loaded) or 'none'} -> {'MISS' if loaded else 'PASS'} "
            f"(other heavy modules loaded: "
            f"{', '.join(m for m in imp['heavy_modules_loaded'] if m not in loaded) or 'none'})"
        )
    return out


def details(results: dict[str, Any]) -> list[str]:
    """Context for the table: timer cost, cold calls, build times, slow imports."""
    out = []
    for name in ("log_run", "log_module", "wandb"):
        res = results.get(name)
        if res:
            out.append(
                f"- {name}: loop {res['loop_s']:.2f} s for {res['steps']:,} calls, "
                f"timer overhead {res['timer_overhead_ns']:.0f} ns/call (included), "
                f"finish {res['finish_s']:.2f} s"
                + (f", read-back {res['read_back_s']:.2f} s" if "read_back_s" in res
                   else f", then teardown {res['teardown_s']:.2f} s, offline files "
                   f"{res['offline_bytes_at_finish'] / 1e6:.1f} MB at finish, "
                   f"{res['offline_bytes'] / 1e6:.1f} MB after teardown")
            )  # fmt: skip
    ing = results.get("ingest")
    if ing:
        out.append(
            f"- ingest: {ing['points']:,} points in {ing['ingest_s']:.2f} s "
            f"({ing['runs']} runs × {ing['batches_per_run']} batches × "
            f"{ing['rows_per_batch']:,} rows × 8 metrics); median batch "
            f"{ing['batch_ms_median']:.0f} ms; first batch of a run "
            f"{fmt(ing['first_batch_points_per_s'], 'points/s')} points/s, later "
            f"{fmt(ing['later_batch_points_per_s'], 'points/s')} points/s"
        )
    imp = results.get("import")
    if imp:
        slow = ", ".join(f"{m.strip()} {ms:.1f}" for m, ms in imp["slowest_imports_ms"])
        out.append(
            f"- import: `python -c pass` {imp['python_pass_ms']:.1f} ms, with "
            f"`import runfold` {imp['python_import_ms']:.1f} ms (fastest of each: "
            f"{imp['import_ms_of_fastest']:.1f} ms apart); slowest (cumulative "
            f"ms, -X importtime): {slow}"
        )
    for name in ("query_chart", "query_table"):
        res = results.get(name)
        if res:
            calls = "; ".join(
                f"{call} cold {c['cold_ms']:.0f} ms, warm "
                f"{c['min_ms']:.0f}–{c['max_ms']:.0f} ms"
                for call, c in res["calls"].items()
            )
            built = f"built in {res['build_s']:.0f} s" if res["build_s"] else "cached"
            shape = res["calls"]["group_series"]["shape"]
            out.append(f"- {name} ({built}; group_series shape {shape}): {calls}")
    out += team_details(results.get("team"))
    for call, res in (results.get("server") or {}).items():
        built = f"built in {res['build_s']:.0f} s" if res["build_s"] else "cached"
        out.append(
            f"- server {call} ({built}): GET {res['url']}: cold {res['cold_ms']:.0f} "
            f"ms, warm {res['min_ms']:.0f}–{res['max_ms']:.0f} ms, "
            f"{res['bytes'] / 1e6:.2f} MB"
        )
    return out


def team_details(team: dict[str, Any] | None) -> list[str]:
    if not team:
        return []
    if "skipped" in team:
        return [f"- team: skipped: {team['skipped']}"]
    out = [f"- team: PostgreSQL {team['postgres_version']} at {team['postgres']}"]
    for phase in ("saturated", "paced"):
        res = team.get(phase)
        if res:
            lat, size = res["latency"]["ms"], res["latency"]["points_per_post"]
            out.append(
                f"- team {phase}: {res['clients']} clients × "
                f"{res['steps_per_client']} steps → {res['servers']} servers: "
                f"{res['points']:,} points in {res['seconds']:.2f} s, every one "
                f"stored once; {res['latency']['posts']:,} records POSTs, latency "
                f"median {lat['median']:.0f} ms, p90 {lat['p90']:.0f}, p99 "
                f"{lat['p99']:.0f}, max {lat['max']:.0f}; points per POST median "
                f"{size['median']:,}, max {size['max']:,}"
            )
    for name, res in (team.get("reads") or {}).items():
        built = f"built in {res['build_s']:.0f} s" if res["build_s"] else "cached"
        calls = "; ".join(
            f"{call} cold {c['cold_ms']:.0f} ms, warm "
            f"{c['min_ms']:.0f}–{c['max_ms']:.0f} ms"
            for call, c in res["calls"].items()
        )
        out.append(f"- team reads {name} ({res['schema']}, {built}): {calls}")
    return out
