"""The team server on PostgreSQL: sustained online ingest through two server
processes, write latency, and read-back speed.

    python bench/bench_team.py                     # 32 clients; 1,000 x 10,000; 10,000 runs
    python bench/bench_team.py --clients 8 --steps 5000 --chart-runs 200 --table-runs 2000
    python bench/bench_team.py --postgres postgresql://user@host/db

Load (a fresh schema, dropped afterwards): two ``runfold server`` processes (one
worker each, different ports) over one schema; ``--clients`` training processes,
half pointed at each, started at once.

* saturated: each logs ``--steps`` steps of 8 floats as fast as it can, then
  ``finish()``. The figure is all points over the span from the first client's
  ``init()`` to the last ``finish()`` returning (start-up excluded). The schema is
  then read back: every point must be there exactly once.
* paced: each logs ``--rate`` steps per second for ``--seconds`` s, a team's
  steady training traffic, not a flood.

Write latency is measured in the clients, around ``HttpSink._post``: encoding one
batch (msgpack, gzip above 1 MiB), the HTTP round trip, and the server's ingest
into PostgreSQL, until the reply with ``last_seq``. Percentiles are over every
records POST of every client in the phase.

Reads (warm: one call first, reported as ``cold_ms``, then the median of
``--repeat``): ``gen_data``'s datasets written through ``PostgresStore.ingest``
into schemas named ``bench_team_<dataset>_<hash>`` (parameters, and the store's
schema and write path), kept between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from bench_query import _series_shape, timed
from bench_server import _timed_gets
from common import KEYS, emit, latency_us
from gen_data import _VERSION, PROJECT, _records, _schema_hash

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
LOAD_PROJECT = "bench-team"

CLIENT = """
import json, sys, time
sys.path.insert(0, sys.argv[4])
import runfold
from runfold.sdk import sinks
from common import step_values

steps, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
posts = []
post = sinks.HttpSink._post

def timed_post(self, chunk):
    t = time.perf_counter()
    last = post(self, chunk)
    posts.append((time.perf_counter() - t, sum(sinks._points(r) for r in chunk)))
    return last

sinks.HttpSink._post = timed_post
values = [step_values(s) for s in range(1000)]
start = time.time()
run = runfold.init(project="bench-team", group="clients")
if rate:
    steps = int(rate * seconds)
    t0 = time.monotonic()
    for step in range(steps):
        run.log(values[step % 1000])
        wait = t0 + (step + 1) / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
else:
    for step in range(steps):
        run.log(values[step % 1000])
run.finish()
print(json.dumps({"id": run.id, "steps": steps, "start": start, "end": time.time(),
                  "posts": posts}))
"""


# ---- PostgreSQL -----------------------------------------------------------------


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


# ---- load: servers and clients --------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(database: str, files: Path, log: Path) -> tuple[Any, str]:
    import httpx

    port = _free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "runfold.cli", "server", "--database", database,
             "--files", str(files), "--workers", "1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/api/v1/projects", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"runfold server did not start: {log.read_text()[-2000:]}")


def _run_clients(
    urls: list[str], clients: int, steps: int, rate: float, seconds: float, home: Path
) -> list[dict[str, Any]]:
    here = str(Path(__file__).resolve().parent)
    procs = []
    for i in range(clients):
        env = {**os.environ, "RUNFOLD_BASE_URL": urls[i % len(urls)],
               "RUNFOLD_DIR": str(home), "RUNFOLD_SILENT": "1",
               "RUNFOLD_FINISH_TIMEOUT": "600"}  # fmt: skip
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    textwrap.dedent(CLIENT),
                    str(steps),
                    str(rate),
                    str(seconds),
                    here,
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        )
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        if proc.returncode or not out.strip() or err.strip():
            raise SystemExit(f"a client failed ({proc.returncode}): {err[-2000:]}")
        results.append(json.loads(out.splitlines()[-1]))
    return results


def _check_once(database: str, results: list[dict[str, Any]]) -> int:
    """Every run holds each of its steps once per logged key; the points stored
    (``system/...`` samples, which runs record besides, are not counted)."""
    sql = """
        SELECT r.id, m.key, s.count,
               (SELECT SUM(h.n) FROM history_chunks h
                WHERE h.run_pk = s.run_pk AND h.metric_id = s.metric_id)
        FROM metric_stats s JOIN runs r ON r.pk = s.run_pk
        JOIN metrics m ON m.id = s.metric_id WHERE m.key = ANY(%s)
    """
    with _connect(database) as conn:
        rows = conn.execute(sql, (list(KEYS),)).fetchall()
        states = dict(conn.execute("SELECT id, state FROM runs").fetchall())
    expected = {r["id"]: r["steps"] for r in results}
    stored: dict[str, dict[str, tuple[int, int]]] = {}
    for run_id, key, count, chunked in rows:
        stored.setdefault(run_id, {})[key] = (int(chunked), int(count))
    for run_id, steps in expected.items():
        assert stored.get(run_id) == {k: (steps, steps) for k in KEYS}, run_id
        assert states[run_id] == "finished", run_id
    assert sorted(stored) == sorted(expected)
    return sum(chunked for run in stored.values() for chunked, _ in run.values())


def _latency(results: list[dict[str, Any]]) -> dict[str, Any]:
    posts = [post for r in results for post in r["posts"]]
    sizes = sorted(points for _, points in posts)
    return {
        "posts": len(posts),
        "ms": {
            q: us / 1000
            for q, us in latency_us([int(s * 1e9) for s, _ in posts]).items()
        },  # fmt: skip
        "points_per_post": {
            "median": sizes[len(sizes) // 2],
            "p99": sizes[min(len(sizes) - 1, round(0.99 * (len(sizes) - 1)))],
            "max": sizes[-1],
        },
    }


def load_phase(
    postgres: str, clients: int, steps: int, rate: float = 0.0, seconds: float = 0.0
) -> dict[str, Any]:
    """Two servers over a fresh schema, the clients, the figures; schema dropped."""
    schema = f"bench_team_load_{os.getpid()}_{int(time.time())}"
    with _connect(postgres) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    database = _schema_url(postgres, schema)
    servers = []
    try:
        with tempfile.TemporaryDirectory(prefix="runfold-bench-team-") as tmp:
            for name in ("east", "west"):
                servers.append(
                    _start_server(database, Path(tmp) / "files", Path(tmp) / name)
                )
            try:
                results = _run_clients(
                    [url for _, url in servers], clients, steps, rate, seconds,
                    Path(tmp) / "clients",
                )  # fmt: skip
            except SystemExit as exc:
                logs = "".join((Path(tmp) / n).read_text() for n in ("east", "west"))
                raise SystemExit(f"{exc}\nserver logs (end):\n{logs[-3000:]}") from None
            points = _check_once(database, results)
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(30)
        with _connect(postgres) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    first = min(r["start"] for r in results)
    last = max(r["end"] for r in results)
    expected = sum(r["steps"] for r in results) * len(KEYS)
    assert points == expected, f"{points} points stored, {expected} logged"
    return {
        "clients": clients, "servers": len(servers),
        "steps_per_client": sorted({r["steps"] for r in results}),
        "rate": rate, "points": points, "seconds": last - first,
        "points_per_s": points / (last - first), "latency": _latency(results),
    }  # fmt: skip


# ---- reads: cached datasets -----------------------------------------------------


def _dataset_schema(name: str, params: dict[str, Any]) -> str:
    key = json.dumps([params, _VERSION, _schema_hash()], sort_keys=True)
    return f"bench_team_{name}_{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def ensure_dataset(
    postgres: str, name: str, params: dict[str, Any]
) -> tuple[str, float]:
    """The schema holding the dataset, and the seconds spent building it (0: cached).
    Built under a temporary name and renamed when complete."""
    from runfold.store.postgres import PostgresStore

    schema = _dataset_schema(name, params)
    with _connect(postgres) as conn:
        found = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
            (f"bench_team_{name}_%",),
        ).fetchall()
        if (schema,) in found:
            return schema, 0.0
        for (stale,) in found:  # built by older code or a build cut short
            conn.execute(f'DROP SCHEMA "{stale}" CASCADE')
        building = f"{schema}_tmp"
        conn.execute(f'CREATE SCHEMA "{building}"')
    start = time.perf_counter()
    store = PostgresStore(postgres, schema=building, max_size=2)
    t0 = time.time() - params["runs"]
    metrics = tuple(params["metrics"])
    for run in range(params["runs"]):
        records = _records(run, params["steps"], params["groups"], metrics, t0 + run)
        store.ingest(PROJECT, f"q{run:05d}", records)
    store.close()
    with _connect(postgres) as conn:
        conn.execute(f'ANALYZE "{building}".runs')
        conn.execute(f'ALTER SCHEMA "{building}" RENAME TO "{schema}"')
    return schema, time.perf_counter() - start


def _api_calls(store: Any, repeat: int) -> dict[str, Any]:
    import runfold

    api = runfold.Api(store=store)
    by = ["group"]
    try:
        return {
            "group_series": timed(
                lambda: api.group_series(PROJECT, "loss", by=by), repeat, _series_shape
            ),
            "groups": timed(lambda: api.groups(PROJECT, by=by), repeat),
            "runs": timed(lambda: api.runs(PROJECT), repeat),
        }
    finally:
        api.close()


def _server_call(store: Any, url: str, repeat: int) -> dict[str, Any]:
    """Server time of one GET through ``create_app(store)`` (``bench_server.py``)."""
    from runfold.server import create_app

    with tempfile.TemporaryDirectory() as files:
        app = create_app(store, files_dir=Path(files))
        return {"url": url, **asyncio.run(_timed_gets(app, url, repeat))}


SERVER_URLS = {
    "chart": f"/api/v1/projects/{PROJECT}/series?metric=loss&by=group",
    "table": f"/api/v1/projects/{PROJECT}/runs?by=group&limit=100&order=-summary.loss",
}


def read_phase(postgres: str, chart_runs: int, table_runs: int, repeat: int) -> Any:
    """Warm reads of the chart and table datasets, through the Api and the server."""
    from runfold.store.postgres import PostgresStore

    datasets = {
        "chart": {"runs": chart_runs, "steps": 10_000, "groups": 10,
                  "metrics": ["loss"]},
        "table": {"runs": table_runs, "steps": 100, "groups": 10,
                  "metrics": ["loss", "acc"]},
    }  # fmt: skip
    out: dict[str, Any] = {}
    for name, params in datasets.items():
        schema, build_s = ensure_dataset(postgres, name, params)
        store = PostgresStore(postgres, schema=schema)
        try:
            calls = _api_calls(store, repeat)
        finally:
            store.close()
        # A fresh store for the server: none of the Api's warm caches.
        store = PostgresStore(postgres, schema=schema)
        try:
            calls["server"] = _server_call(store, SERVER_URLS[name], repeat)
        finally:
            store.close()
        out[name] = {"data": params, "schema": schema, "build_s": build_s,
                     "calls": calls}  # fmt: skip
    return out


# ---- main -----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=100.0, help="paced steps/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="paced seconds")
    parser.add_argument("--chart-runs", type=int, default=1_000)
    parser.add_argument("--table-runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=("load", "reads"))
    args = parser.parse_args()
    try:
        _connect(args.postgres).close()
    except Exception as exc:  # noqa: BLE001 - any reason means "no server here"
        emit({"skipped": f"no PostgreSQL at {args.postgres}: {exc}"})
        return
    result: dict[str, Any] = {"postgres": args.postgres.split("@")[-1]}
    with _connect(args.postgres) as conn:
        result["postgres_version"] = conn.execute("SHOW server_version").fetchone()[0]
    if args.only in (None, "load"):
        result["saturated"] = load_phase(args.postgres, args.clients, args.steps)
        result["paced"] = load_phase(
            args.postgres, args.clients, 0, args.rate, args.seconds
        )
    if args.only in (None, "reads"):
        result["reads"] = read_phase(
            args.postgres, args.chart_runs, args.table_runs, args.repeat
        )
    emit(result)


if __name__ == "__main__":
    main()
