"""What a run's own capture costs the training loop (issue 6 targets).

* system sampling + console capture on a CPU-bound loop: the same loop's wall time
  with capture off and on (defaults: a sample every 10 s, and also every 1 s), each
  in a fresh process, interleaved, medians of ``--repeats``; target ≤ 2 %;
* ``watch(model)`` on a small PyTorch model: per-step time of non-logging steps with
  and without ``watch(log="all", log_freq=100)``; target ≤ 5 %.

    python bench/bench_capture.py [--repeats 5] [--seconds 4]
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
from typing import Any

LOOP = """
import json, sys, time, runfold
seconds = float(sys.argv[1])
run = runfold.init(project="capture")
start, n, acc = time.perf_counter(), 0, 0.0
while time.perf_counter() - start < 0.3:  # warm up, and learn the iteration time
    acc += sum(i * i for i in range(2000))
    n += 1
steps = int(seconds * n / (time.perf_counter() - start))
work = time.perf_counter()
for step in range(steps):  # about `seconds` of CPU work
    acc += sum(i * i for i in range(2000))
    acc += sum(i * i for i in range(2000))
    if step % 50 == 0:
        run.log({"loss": 1.0 / (step + 1)})
    if step % 500 == 0:
        print(f"step {step}", flush=True)
elapsed = time.perf_counter() - work
run.finish()
print("RESULT " + json.dumps({"elapsed": elapsed / steps * 10000}))
"""

WATCH = """
import json, sys, time, torch, runfold
watch = sys.argv[1] == "watch"
torch.manual_seed(0)
torch.set_num_threads(1)
model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
run = runfold.init(project="watch")
if watch:
    run.watch(model, log="all", log_freq=100)
x, y = torch.randn(32, 64), torch.randint(0, 10, (32,))
times = []
for step in range(3000):
    t = time.perf_counter()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    run.log({"loss": loss.item()})
    if step % 100:  # non-logging steps only
        times.append(time.perf_counter() - t)
run.finish()
times.sort()
print("RESULT " + json.dumps({"median_us": times[len(times) // 2] * 1e6}))
"""


def _once(source: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(source), *args],
            env={**os.environ, "RUNFOLD_DIR": home, "RUNFOLD_SILENT": "1", **env},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


OFF = {"RUNFOLD_SYSTEM_SECONDS": "0", "RUNFOLD_CONSOLE": "off"}
CONFIGS = {
    "off": OFF,
    "on (defaults)": {"RUNFOLD_SYSTEM_SECONDS": "10", "RUNFOLD_CONSOLE": "wrap"},
    "on (1 s samples)": {"RUNFOLD_SYSTEM_SECONDS": "1", "RUNFOLD_CONSOLE": "wrap"},
}


def capture_overhead(repeats: int, seconds: float) -> dict[str, Any]:
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(repeats):  # interleaved, so drift hits every config alike
        for name, env in CONFIGS.items():
            # seconds per 10,000 iterations (the count differs per process)
            times[name].append(_once(LOOP, [str(seconds)], env)["elapsed"])
    base = statistics.median(times["off"])
    return {
        name: {
            "median_s": statistics.median(v),
            "overhead_pct": 100 * (statistics.median(v) / base - 1),
        }
        for name, v in times.items()
    }


def watch_overhead(repeats: int) -> dict[str, Any] | str:
    try:
        import torch  # noqa: F401
    except ImportError:
        return "PyTorch is not installed: pip install torch"
    plain, watched = [], []
    for _ in range(repeats):
        plain.append(_once(WATCH, ["plain"], OFF)["median_us"])
        watched.append(_once(WATCH, ["watch"], OFF)["median_us"])
    a, b = statistics.median(plain), statistics.median(watched)
    return {"plain_us": a, "watch_us": b, "overhead_pct": 100 * (b / a - 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    result = {
        "capture": capture_overhead(args.repeats, args.seconds),
        "watch": watch_overhead(args.repeats),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
