"""The demo project: a realistic set of runs written through the public SDK.

* three distributed-training experiments (group ``ddp-lr<lr>``): 4 workers each
  (job_type ``train``, config ``rank``) plus one ``eval`` job;
* a 5-fold cross-validation (group ``cv-resnet18``, job_type ``fold``);
* a learning-rate sweep without groups, differing only by ``lr`` and ``seed``;
* one run that failed (exit code 1) and one that crashed (its process was
  killed with SIGKILL, so its heartbeat stopped).
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import runfold

__all__ = ["build_demo", "DEMO_PROJECT", "planned_runs"]

DEMO_PROJECT = "demo"
LEARNING_RATES = (0.1, 0.03, 0.01)


def _curve(step: int, steps: int, lr: float, rng: random.Random) -> dict[str, float]:
    progress = step / steps
    speed = 3.0 * math.sqrt(lr / 0.01)
    loss = 2.3 * math.exp(-speed * progress) + 0.15 + rng.gauss(0, 0.03)
    acc = 0.97 - 0.85 * math.exp(-speed * 1.1 * progress) + rng.gauss(0, 0.008)
    return {"train/loss": loss, "train/acc": min(acc, 1.0)}


def _train(
    run: Any, steps: int, lr: float, seed: int, stop_at: int | None = None
) -> None:
    rng = random.Random(seed)
    run.define_metric("eval/acc", summary="max")
    run.define_metric("train/loss", summary="min")
    for step in range(stop_at if stop_at is not None else steps):
        row = _curve(step, steps, lr, rng)
        row["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        if step % 100 == 99:
            row["eval/loss"] = row["train/loss"] * 1.1 + rng.gauss(0, 0.02)
            row["eval/acc"] = row["train/acc"] * 0.97
        run.log(row)


def _plan(steps: int) -> list[dict[str, Any]]:
    plan: list[dict[str, Any]] = []
    for lr in LEARNING_RATES:
        group = f"ddp-lr{lr}"
        for rank in range(4):
            config = {"lr": lr, "rank": rank, "world_size": 4, "model": "resnet18",
                      "optimizer": {"name": "sgd", "momentum": 0.9}, "seed": 0}  # fmt: skip
            plan.append(dict(group=group, job_type="train", config=config, seed=rank))
        plan.append(dict(group=group, job_type="eval",
                         config={"lr": lr, "model": "resnet18", "seed": 0}, seed=99))  # fmt: skip
    for fold in range(5):
        config = {"fold": fold, "k": 5, "lr": 0.03, "model": "resnet18", "seed": fold}
        plan.append(
            dict(group="cv-resnet18", job_type="fold", config=config, seed=fold)
        )
    for lr in (0.3, 0.05):
        for seed in range(2):
            plan.append(dict(group=None, job_type="sweep", tags=["sweep"],
                             config={"lr": lr, "seed": seed, "model": "mlp"}, seed=seed))  # fmt: skip
    plan.append(dict(group=None, job_type="train", config={"lr": 1.0, "seed": 7},
                     seed=7, fail=True, tags=["diverged"]))  # fmt: skip
    return plan


def planned_runs(steps: int = 2000) -> int:
    """How many runs ``build_demo`` writes (the crashed one included)."""
    return len(_plan(steps)) + 1


def _start_crashed_run(
    directory: Path, project: str, steps: int
) -> subprocess.Popen[bytes]:
    """A run in its own process, killed with SIGKILL halfway: it reads as crashed."""
    code = (
        "import os, signal, time, runfold\n"
        f"run = runfold.init(project={project!r}, group='ddp-lr0.1', job_type='train',"
        " config={'lr': 0.1, 'rank': 0, 'world_size': 4, 'seed': 4, 'attempt': 0},"
        " tags=['preempted'])\n"
        "from runfold.demo import _train\n"
        f"_train(run, {steps}, 0.1, 4, stop_at={steps // 2})\n"
        "run._writer.flush()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "RUNFOLD_DIR": str(directory), "RUNFOLD_SILENT": "1",
           "RUNFOLD_HEARTBEAT_SECONDS": "0.2"}  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stderr=subprocess.PIPE
    )


def _wait_crashed(proc: subprocess.Popen[bytes], directory: Path, project: str) -> None:
    _, err = proc.communicate(timeout=120)
    if proc.returncode != -signal.SIGKILL:
        raise RuntimeError(f"demo crash worker ended with {proc.returncode}: {err!r}")
    api = runfold.Api(directory)
    deadline = time.monotonic() + 5
    # Crashed means "no heartbeat for three intervals": wait that out so the
    # demo shows it at once.
    while time.monotonic() < deadline:
        if any(r.state == "crashed" for r in api.runs(project)):
            break
        time.sleep(0.1)
    api.close()


def build_demo(
    directory: Path,
    project: str = DEMO_PROJECT,
    steps: int = 2000,
    on_run: Callable[[str], None] | None = None,
) -> int:
    """Write the demo project into the store at ``directory``; returns the run count."""
    crashing = _start_crashed_run(directory, project, steps)
    count = 0
    for item in _plan(steps):
        run = runfold.init(
            project=project, group=item["group"], job_type=item["job_type"],
            config=item["config"], tags=item.get("tags"), reinit=True,
            settings={"runfold_dir": str(directory)},  # dir= is W&B's, not the store
        )  # fmt: skip
        lr = item["config"].get("lr", 0.01)
        if item.get("fail"):
            _train(run, steps, min(lr, 0.1), item["seed"], stop_at=steps // 4)
            run.finish(exit_code=1)
        else:
            _train(run, steps, lr, item["seed"])
            run.finish()
        count += 1
        if on_run is not None:
            on_run(run.name)
    _wait_crashed(crashing, directory, project)
    if on_run is not None:
        on_run("crashed worker")
    return count + 1
