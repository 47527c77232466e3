"""The same log workload through W&B in offline mode, for the ratios.

Runs in W&B's own venv (``bench/.venv-wandb``), never Runfold's::

    WANDB_MODE=offline WANDB_DIR=/tmp/x bench/.venv-wandb/bin/python \\
        bench/bench_wandb.py --steps 100000

W&B's defaults are kept (its service process, system metrics), as a user gets them.
``finish_s`` is ``run.finish()``; ``teardown_s`` is the ``wandb.teardown()`` after it
(which W&B otherwise runs at exit), reported separately.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from common import emit, latency_us, time_calls, timer_overhead_ns


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()

    import wandb

    overhead = timer_overhead_ns()
    start = time.perf_counter()
    run = wandb.init(project="bench-log", mode="offline")
    init_s = time.perf_counter() - start
    start = time.perf_counter()
    samples = time_calls(run.log, args.steps)
    logged = time.perf_counter()
    run.finish()
    done = time.perf_counter()
    at_finish = _dir_bytes(Path(os.environ["WANDB_DIR"]))
    wandb.teardown()  # stops W&B's service process; also waits for its data
    torn_down = time.perf_counter()
    emit(
        {
            "wandb_version": wandb.__version__,
            "steps": args.steps,
            "init_s": init_s,
            "timer_overhead_ns": overhead,
            "latency_us": latency_us(samples),
            "loop_s": logged - start,
            "finish_s": done - logged,
            "teardown_s": torn_down - done,
            "end_to_end_points_per_s": args.steps * 8 / (done - start),
            "offline_bytes_at_finish": at_finish,
            "offline_bytes": _dir_bytes(Path(os.environ["WANDB_DIR"])),
        }
    )


if __name__ == "__main__":
    main()
