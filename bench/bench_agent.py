"""The sweep agent's overhead per run (DESIGN §8: ≤ 0.5 s for a function agent,
≤ 1 s for a program agent): the time from one run's end (its ``finish()``
returned) to the next run's first ``log()``.

    PYTHONPATH=src .venv-test/bin/python bench/bench_agent.py [--runs 10]

Each agent runs ``--runs`` + 1 runs of a random sweep over a fresh store (its own
temporary RUNFOLD_DIR, the SDK's default capture), so there are ``--runs`` gaps;
the figure is their median (also min and max).

- function: ``runfold.agent(id, function=train)`` in one process; ``train`` is
  ``init()``, one ``log()``, ``finish()``. The gap is the agent recording the run's
  end, claiming the next proposal and calling ``train`` again, and ``init()``.
  Also with method bayes, where each claim reads the sweep's runs and asks
  Optuna's TPE (its import, once, falls in the first gap).
- program: ``runfold agent ID`` starting ``python tiny.py`` per run (``init()``,
  one ``log()``, ``finish()``). The gap also holds the script's interpreter exit,
  a new interpreter, ``import runfold`` and ``init()``. Times are CLOCK_MONOTONIC,
  one clock for every process of the machine.

The agent's own share (its calls to the store: ``end``, ``claim``) is timed in
the function agent and printed as well. Emits one ``BENCH_RESULT`` line with the
machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from common import emit
from machine import describe

DEFINITION = {
    "method": "random",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
        "layers": {"values": [1, 2, 3]},
    },
}

# The agent's calls timed, so the agent's share of the gap can be told apart.
FUNCTION_AGENT = """
import json, sys, time
import runfold
from runfold.agents.runner import Agent, controller_for
from runfold.settings import resolve

sweep_id, runs = sys.argv[1], int(sys.argv[2])
stamps, calls = [], {"end": [], "claim": []}

class Timed:
    def __init__(self, inner):
        self.inner = inner
    def __getattr__(self, name):
        found = getattr(self.inner, name)
        if name not in calls:
            return found
        def timed(*args, **kwargs):
            start = time.monotonic()
            try:
                return found(*args, **kwargs)
            finally:
                calls[name].append(time.monotonic() - start)
        return timed

def train():
    run = runfold.init()
    stamps.append(("first_log", time.monotonic()))
    run.log({"loss": run.config["lr"] * run.config["layers"]})
    run.finish()
    stamps.append(("finished", time.monotonic()))

controller = Timed(controller_for(resolve(project="bench-agent")))
Agent(controller, "bench-agent", sweep_id, train, count=runs).run()
print(json.dumps({"stamps": stamps, "calls": calls}))
"""

TINY = """
import os, time
import runfold

run = runfold.init()
first = time.monotonic()
run.log({"loss": run.config["lr"] * run.config["layers"]})
run.finish()
with open(os.environ["STAMPS"], "a") as out:
    out.write(f"first_log {first}\\nfinished {time.monotonic()}\\n")
"""


def _gaps(stamps: list[tuple[str, float]]) -> list[float]:
    """Each run's finish() return to the next run's first log()."""
    ends = [t for kind, t in stamps if kind == "finished"]
    starts = [t for kind, t in stamps if kind == "first_log"]
    return [start - end for end, start in zip(ends, starts[1:], strict=False)]


def _summary(gaps: list[float]) -> dict[str, float]:
    return {"median_s": statistics.median(gaps), "min_s": min(gaps),
            "max_s": max(gaps), "n": len(gaps)}  # fmt: skip


def _create(env: dict[str, str], definition: dict[str, Any]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", "import json, sys, runfold; print(runfold.sweep("
         "json.loads(sys.argv[1]), project='bench-agent'))", json.dumps(definition)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def function_agent(
    env: dict[str, str], runs: int, method: str = "random"
) -> dict[str, Any]:
    sweep_id = _create(env, {**DEFINITION, "method": method})
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FUNCTION_AGENT), sweep_id,
         str(runs + 1)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = json.loads(out.stdout.strip().splitlines()[-1])
    result = _summary(_gaps([tuple(s) for s in found["stamps"]]))
    for name, took in found["calls"].items():
        result[f"{name}_ms_median"] = 1000 * statistics.median(took)
    return result


def program_agent(env: dict[str, str], runs: int, home: Path) -> dict[str, Any]:
    (home / "tiny.py").write_text(textwrap.dedent(TINY))
    stamps = home / "stamps.txt"
    sweep_id = _create(env, {**DEFINITION, "program": "tiny.py"})
    subprocess.run(
        [sys.executable, "-m", "runfold.cli", "agent", "--count", str(runs + 1),
         f"bench-agent/{sweep_id}"],
        env={**env, "STAMPS": str(stamps)}, cwd=home, check=True,
        capture_output=True,
    )  # fmt: skip
    pairs = [line.split() for line in stamps.read_text().splitlines()]
    return _summary(_gaps([(kind, float(t)) for kind, t in pairs]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10, help="gaps measured")
    args = parser.parse_args()
    machine = describe()
    results: dict[str, Any] = {}
    for kind in ("function", "function, bayes", "program"):
        with tempfile.TemporaryDirectory(prefix="runfold-bench-agent-") as tmp:
            env = {**os.environ, "RUNFOLD_DIR": str(Path(tmp) / "home"),
                   "RUNFOLD_SILENT": "1"}  # fmt: skip
            # The program agent runs in the temporary directory: keep `src` found.
            paths = env.get("PYTHONPATH", "").split(os.pathsep)
            env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
            if kind == "function":
                results[kind] = function_agent(env, args.runs)
            elif kind == "function, bayes":
                results[kind] = function_agent(env, args.runs, "bayes")
            else:
                results[kind] = program_agent(env, args.runs, Path(tmp))
    targets = {"function": 0.5, "function, bayes": 0.5, "program": 1.0}
    print(f"sweep agent overhead, one run's finish() to the next run's first log(), "
          f"{args.runs} gaps")  # fmt: skip
    for kind, r in results.items():
        verdict = "PASS" if r["median_s"] <= targets[kind] else "MISS"
        print(f"  {kind:<16} median {1000 * r['median_s']:7.1f} ms   "
              f"(min {1000 * r['min_s']:.1f}, max {1000 * r['max_s']:.1f})   "
              f"target <= {1000 * targets[kind]:.0f} ms  {verdict}")  # fmt: skip
    for kind in ("function", "function, bayes"):
        f = results[kind]
        print(f"  {kind} agent's own calls, median: end {f['end_ms_median']:.1f} ms,"
              f" claim {f['claim_ms_median']:.1f} ms")  # fmt: skip
    print(
        f"  machine: {machine['cpu']}, {machine['cores']} cores, {machine['python']},"
        f" commit {machine['commit']}, load {machine['load average before']}"
    )
    emit({"runs": args.runs, "machine": machine, "results": results,
          "load_after": " / ".join(f"{x:.2f}" for x in os.getloadavg())})  # fmt: skip


if __name__ == "__main__":
    main()
