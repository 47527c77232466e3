"""Run every benchmark and print the figures against their targets (each figure's
``target`` in bench/report.py; bench/RESULTS.md lists them with the latest results).

    .venv/bin/python bench/run.py            # the full workload (a few minutes)
    .venv/bin/python bench/run.py --quick    # fewer steps and runs, for a smoke test

Each benchmark runs in a fresh subprocess with its own temporary RUNFOLD_DIR and
RUNFOLD_SILENT=1. W&B runs from its own venv, ``bench/.venv-wandb`` (created here
when missing), in offline mode with no network. Results also go to
``bench/out/results.json``. The team benchmark (``bench_team.py``) needs the
PostgreSQL in ``RUNFOLD_TEST_POSTGRES`` (default ``127.0.0.1:5432/test``) and reports
itself skipped without one. The browser benchmark (``bench_browser.py``) needs
Debian's ``/usr/bin/chromium`` and reports itself skipped without it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import result_in
from machine import describe, load
from report import checks, details, table

HERE = Path(__file__).resolve().parent
WANDB_VENV = HERE / ".venv-wandb"
WANDB_PIN = "wandb==0.31.0"
TIMEOUT_S = 900
# The team benchmark's PostgreSQL (its jobs run without RUNFOLD_* variables).
POSTGRES = os.environ.get(
    "RUNFOLD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass
class Job:
    name: str
    script: str
    args: list[str]
    python: str = sys.executable


def plan(quick: bool) -> list[Job]:
    steps = "20000" if quick else "100000"
    return [
        Job("log_run", "bench_log.py", ["--via", "run", "--steps", steps]),
        Job("log_module", "bench_log.py", ["--via", "module", "--steps", steps]),
        Job("ingest", "bench_ingest.py", ["--runs", "10" if quick else "50"]),
        Job("import", "bench_import.py", ["--repeat", "5" if quick else "10"]),
        Job("query_chart", "bench_query.py", ["--dataset", "chart"]
            + (["--runs", "200"] if quick else [])),
        Job("query_table", "bench_query.py", ["--dataset", "table"]
            + (["--runs", "2000"] if quick else [])),
        Job("server", "bench_server.py",
            ["--chart-runs", "200", "--table-runs", "2000"] if quick else []),
        Job("online", "bench_online.py", ["--clients", "8", "--steps", steps]),
        Job("team", "bench_team.py", ["--postgres", POSTGRES] + (
            ["--clients", "8", "--steps", "5000", "--seconds", "3",
             "--chart-runs", "200", "--table-runs", "2000"] if quick else [])),
        Job("browser", "bench_browser.py", ["--quick"] if quick else []),
    ]  # fmt: skip


def _install_wandb() -> str | None:
    """Create W&B's own venv; None when done, else why not."""
    print(f"creating {WANDB_VENV} with {WANDB_PIN} ...", file=sys.stderr)
    for command in (
        ["python3", "-m", "venv", str(WANDB_VENV)],
        [str(WANDB_VENV / "bin" / "python"), "-m", "pip", "install", "-q", WANDB_PIN],
    ):
        made = subprocess.run(command, capture_output=True, text=True)
        if made.returncode:
            return f"could not install {WANDB_PIN}: {made.stderr.strip()[-500:]}"
    return None


def wandb_job(quick: bool, install: bool) -> Job | str:
    """The W&B job, or why it cannot run."""
    python = WANDB_VENV / "bin" / "python"
    if not python.exists() and install:
        failed = _install_wandb()
        if failed:
            return failed
    if not python.exists():
        return f"{python} does not exist"
    check = subprocess.run(
        [str(python), "-c", "import wandb"], capture_output=True, text=True
    )
    if check.returncode:
        why = check.stderr.strip()[-300:]
        return f"wandb is not importable from {WANDB_VENV}: {why}"
    steps = "20000" if quick else "100000"
    return Job("wandb", "bench_wandb.py", ["--steps", steps], python=str(python))


def _env(job: Job, tmp: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("RUNFOLD_", "WANDB_"))
    }
    env.update(RUNFOLD_DIR=tmp, RUNFOLD_SILENT="1")
    if job.name == "wandb":
        env.update(
            WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=tmp,
            WANDB_CACHE_DIR=f"{tmp}/cache", WANDB_CONFIG_DIR=f"{tmp}/config",
            WANDB_DATA_DIR=f"{tmp}/data",
            # No network: anything that tried would fail fast, not wait.
            HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
            http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
        )  # fmt: skip
    return env


def run_job(job: Job) -> dict[str, Any]:
    print(f"running {job.name}: {job.script} {' '.join(job.args)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix=f"runfold-bench-{job.name}-") as tmp:
        try:
            proc = subprocess.run(
                [job.python, str(HERE / job.script), *job.args],
                env=_env(job, tmp), capture_output=True, text=True, timeout=TIMEOUT_S,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {TIMEOUT_S} s"}
    try:
        return result_in(proc.stdout)
    except KeyError:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    parser.add_argument("--no-wandb", action="store_true", help="skip W&B")
    parser.add_argument("--only", nargs="*", help="run only these benchmarks")
    args = parser.parse_args()

    machine = describe()
    jobs = plan(args.quick)
    wandb_status = "skipped (--no-wandb)" if args.no_wandb else "not selected"
    if not args.no_wandb and (not args.only or "wandb" in args.only):
        found = wandb_job(args.quick, install=True)
        wandb_status = f"skipped: {found}" if isinstance(found, str) else WANDB_PIN
        jobs += [found] if isinstance(found, Job) else []
    if args.only:
        jobs = [job for job in jobs if job.name in args.only]
    results = {job.name: run_job(job) for job in jobs}
    machine["load average after"] = load()
    machine["wandb"] = wandb_status
    _print(machine, results, args.quick)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(
        json.dumps({"machine": machine, "quick": args.quick, **results}, indent=2)
    )
    sys.exit(1 if any("error" in res for res in results.values()) else 0)


def _print(machine: dict[str, str], results: dict[str, Any], quick: bool) -> None:
    print(f"\n## Runfold benchmarks{' (--quick: reduced workload)' if quick else ''}\n")
    for key, value in machine.items():
        print(f"- {key}: {value}")
    if float(machine["load average before"].split(" / ")[0]) > 0.5:
        print("\nOther work was running on this machine: timings may be skewed.")
    done = {name: res for name, res in results.items() if "error" not in res}
    print(f"\n{table(done)}\n\nChecks:\n" + "\n".join(checks(done)))
    print("\nDetails:\n" + "\n".join(details(done)))
    browser = done.get("browser")
    if browser and "skipped" in browser:
        print(f"\nBrowser: skipped: {browser['skipped']}")
    elif browser:
        from bench_browser import report as browser_report

        print(f"\nBrowser:\n{browser_report(browser)}")
    for name, res in results.items():
        if "error" in res:
            print(f"\n{name} FAILED: {res['error']}")


if __name__ == "__main__":
    main()
