"""The same logging loop through Runfold and its peers, taking turns in one run.

    python bench/bench_peers.py                       # 20,000 steps, 3 rounds
    python bench/bench_peers.py --steps 100000 --rounds 1 --tools runfold wandb

Each tool runs in its own venv (never in Runfold's), created here when missing:
``bench/.venv-trackio`` (trackio 0.43), ``bench/.venv-mlflow`` (mlflow 3.17),
``bench/.venv-wandb`` (wandb 0.31.0); Runfold runs from this interpreter. Every
round runs each tool once, in a fresh process with its own temporary directories
and no network (proxies point at a dead port), in turn, so load hits all alike.

The loop is ``bench_log.py``'s: NumPy imported first, then ``--steps`` calls of the
tool's log with 8 fresh floats, each timed. Figures per tool:

* ``log`` median / p99 / max (µs) and calls over 5 ms;
* ``finish``: the tool's own call (Runfold ``run.finish()``, Trackio
  ``trackio.finish()``, MLflow ``mlflow.end_run()``, W&B ``run.finish()``);
* ``queryable``: from the loop's end until the tool's own read API returns every
  point of ``loss`` (Runfold ``Api().run(...).history``, Trackio
  ``SQLiteStorage.get_logs``, MLflow ``MlflowClient.get_metric_history``; polled
  every 10 ms); W&B offline keeps its data in a file that its API cannot read
  until ``wandb sync`` to a server, so none;
* ``peak_rss_mib``: the process's peak RSS less its RSS after importing NumPy and
  the tool (W&B's service process is not counted: said beside the figure).

MLflow logs with ``synchronous=False`` (its batching mode for training loops; the
default writes each call to the database before returning). Its worker writes
about 60 steps a second here, so it logs ``--mlflow-steps`` (2,000) steps, not
``--steps``: its figures are per step, and its finish and queryable times are for
those 2,000 steps.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import emit, latency_us, median_of, result_in, time_calls

HERE = Path(__file__).resolve().parent
PEERS = {
    "trackio": ("trackio==0.43.*", "trackio"),
    "mlflow": ("mlflow==3.17.*", "mlflow"),
    "wandb": ("wandb==0.31.0", "wandb"),
}
DEAD_PROXY = "http://127.0.0.1:9"


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _poll(read: Any, want: int, limit_s: float = 120.0) -> float | None:
    """Seconds until ``read()`` returns ``want`` points (None past the limit)."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        try:
            if read() >= want:
                return time.perf_counter() - start
        except Exception:  # noqa: BLE001 - not readable yet
            pass
        time.sleep(0.01)
    return None


# ---- one tool, in its own process ---------------------------------------------


def _runfold(steps: int) -> tuple[Any, Any, Any]:
    import runfold

    run = runfold.init(project="bench-peers", mode="local")
    path = f"bench-peers/{run.id}"

    def read() -> int:
        return len(runfold.Api().run(path).history(keys=["loss"]))

    return run.log, run.finish, read


def _trackio(steps: int) -> tuple[Any, Any, Any]:
    import trackio

    run = trackio.init(project="bench-peers", name="r1", embed=False)

    def read() -> int:
        return len(trackio.SQLiteStorage.get_logs("bench-peers", "r1"))

    return run.log, trackio.finish, read


def _mlflow(steps: int) -> tuple[Any, Any, Any]:
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(f"sqlite:///{os.environ['BENCH_TMP']}/mlflow.db")
    run = mlflow.start_run()
    run_id = run.info.run_id
    counter = iter(range(1 << 62))

    def log(values: dict[str, float]) -> None:
        mlflow.log_metrics(values, step=next(counter), synchronous=False)

    def read() -> int:
        return len(MlflowClient().get_metric_history(run_id, "loss"))

    return log, mlflow.end_run, read


def _wandb(steps: int) -> tuple[Any, Any, Any]:
    import wandb

    run = wandb.init(project="bench-peers", mode="offline")
    return run.log, run.finish, None


def one(tool: str, steps: int) -> dict[str, Any]:
    import numpy  # noqa: F401 - a training script has it

    start_tool = {"runfold": _runfold, "trackio": _trackio, "mlflow": _mlflow,
                  "wandb": _wandb}[tool]  # fmt: skip
    __import__(tool)
    rss_start = _rss_mib()
    log, finish, read = start_tool(steps)
    start = time.perf_counter()
    samples = time_calls(log, steps)
    loop_end = time.perf_counter()
    finish()
    finished = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_start
    queryable = None
    if read is not None:
        waited = _poll(read, steps)
        queryable = None if waited is None else finished - loop_end + waited
    return {
        "tool": tool,
        "version": _version(tool),
        "steps": steps,
        "latency_us": latency_us(samples),
        "calls_over_5ms": sum(1 for ns in samples if ns > 5_000_000),
        "loop_s": loop_end - start,
        "finish_s": finished - loop_end,
        "queryable_s": queryable,
        "peak_rss_mib": peak,
    }


def _version(tool: str) -> str:
    from importlib.metadata import version

    return version(tool)


# ---- the driver -----------------------------------------------------------------


def _python(tool: str) -> str:
    if tool == "runfold":
        return sys.executable
    venv = HERE / f".venv-{tool}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEERS[tool][0],
                        "numpy"], check=True)  # fmt: skip
    return str(python)


def _env(tmp: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RUNFOLD_", "WANDB_", "TRACKIO_", "MLFLOW_"))}  # fmt: skip
    env.update(
        BENCH_TMP=tmp, RUNFOLD_DIR=f"{tmp}/runfold", RUNFOLD_SILENT="1",
        WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=tmp,
        WANDB_CACHE_DIR=f"{tmp}/cache", WANDB_CONFIG_DIR=f"{tmp}/config",
        WANDB_DATA_DIR=f"{tmp}/data", TRACKIO_DIR=f"{tmp}/trackio",
        HF_HOME=f"{tmp}/hf", HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
        HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY, http_proxy=DEAD_PROXY,
        https_proxy=DEAD_PROXY, NO_PROXY="", no_proxy="",
    )  # fmt: skip
    return env


def _cell(tool: str, steps: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"runfold-peers-{tool}-") as tmp:
        proc = subprocess.run(
            [_python(tool), __file__, "--one", tool, "--steps", str(steps)],
            env=_env(tmp), capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
    try:
        return result_in(proc.stdout)
    except KeyError:
        return {"tool": tool, "error": proc.stderr.strip()[-1500:]}


def summary(results: dict[str, list[dict[str, Any]]]) -> str:
    rows = [
        ("log median µs", lambda c: c["latency_us"]["median"], "{:.2f}"),
        ("log p99 µs", lambda c: c["latency_us"]["p99"], "{:.1f}"),
        ("log max ms", lambda c: c["latency_us"]["max"] / 1000, "{:.1f}"),
        ("calls over 5 ms", lambda c: c["calls_over_5ms"], "{:.0f}"),
        ("finish ms", lambda c: c["finish_s"] * 1000, "{:.0f}"),
        ("loop end → queryable ms", lambda c: c["queryable_s"] and c["queryable_s"] * 1000, "{:.0f}"),
        ("peak RSS above start MiB", lambda c: c["peak_rss_mib"], "{:.0f}"),
    ]  # fmt: skip
    tools = list(results)
    lines = ["| figure (median of rounds) | " + " | ".join(tools) + " |",
             "|" + " --- |" * (len(tools) + 1)]  # fmt: skip
    for name, get, fmt in rows:
        cells = []
        for tool in tools:
            value = median_of(results[tool], get)
            cells.append("—" if value is None else fmt.format(value))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    errors = [f"{t}: {c['error']}" for t in tools for c in results[t] if "error" in c]
    return "\n".join(lines + errors)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mlflow-steps", type=int, default=2_000)
    parser.add_argument("--tools", nargs="*", default=["runfold", *PEERS])
    parser.add_argument("--one")
    args = parser.parse_args()
    if args.one:
        emit(one(args.one, args.steps))
        return
    from machine import describe, load  # imports runfold: not in a peer's venv

    results: dict[str, list[dict[str, Any]]] = {t: [] for t in args.tools}
    before = load()
    for _ in range(args.rounds):
        for tool in args.tools:
            steps = args.mlflow_steps if tool == "mlflow" else args.steps
            results[tool].append(_cell(tool, steps))
    print(summary(results))
    print(
        json.dumps({**describe(), "load average before": before, "load after": load()})
    )
    emit({"steps": args.steps, "results": results})


if __name__ == "__main__":
    main()
