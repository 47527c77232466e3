"""K-fold cross-validation run by a sweep (issue 14): each sweep run starts one
child process per fold; the folds are grouped by the sweep id and job-typed by the
sweep run's name, and the sweep run logs the folds' mean. Run for real through
``runfold sweep FILE`` and ``runfold agent --count N ID``, with
``multiprocessing.Process`` workers started before the sweep run's ``init()`` (the
shape of W&B's examples/wandb-sweeps/sweeps-cross-validation), with
``concurrent.futures.ProcessPoolExecutor`` (fork and spawn) and with
``torch.multiprocessing.spawn``.

W&B's own script is not copied here: ``test_wandb_example_unchanged`` runs it from
a checkout of github.com/wandb/examples named by RUNFOLD_WANDB_EXAMPLES (its files
stay under that repository's terms), with only its import line changed, and is
skipped without one. KFOLD_SCRIPT below is our own program of the same shape: every
call the example makes, in the same order, including the workers clearing the
agent's ``WANDB_*`` variables (all but project, entity and key)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
from pathlib import Path

import pytest

from .conftest import read_sweep, reader, runfold_cli

KFOLD_SCRIPT = """
import collections
import multiprocessing
import os
import random

import runfold as wandb

FOLDS = 5
Job = collections.namedtuple("Job", "fold sweep_id sweep_run_name config")


def clear_agent_variables():
    # A fold is not the sweep run: drop what the agent set for the sweep run.
    keep = ("WANDB_PROJECT", "WANDB_ENTITY", "WANDB_API_KEY")
    for name in [n for n in os.environ if n.startswith("WANDB_") and n not in keep]:
        del os.environ[name]


def fold_worker(results, jobs):
    clear_agent_variables()
    job = jobs.get()
    run = wandb.init(
        group=job.sweep_id,
        job_type=job.sweep_run_name,
        name=f"{job.sweep_run_name}-{job.fold}",
        config=job.config,
    )
    accuracy = random.random()
    run.log({"val_accuracy": accuracy})
    wandb.join()
    results.put(accuracy)


def main():
    # The workers start before the sweep run's init() and wait for their job.
    results = multiprocessing.Queue()
    workers = []
    for _ in range(FOLDS):
        jobs = multiprocessing.Queue()
        worker = multiprocessing.Process(target=fold_worker, args=(results, jobs))
        worker.start()
        workers.append((jobs, worker))

    sweep_run = wandb.init()
    sweep_id = sweep_run.sweep_id or "unknown"
    sweep_url = sweep_run.get_sweep_url()
    group_url = "{}/groups/{}".format(sweep_run.get_project_url(), sweep_id)
    sweep_run.notes = group_url
    sweep_run.save()
    name = sweep_run.name or sweep_run.id or "unknown"

    accuracies = []
    for fold, (jobs, worker) in enumerate(workers):
        jobs.put(Job(fold, sweep_id, name, dict(sweep_run.config)))
        accuracies.append(results.get())
        worker.join()

    sweep_run.log({"val_accuracy": sum(accuracies) / len(accuracies)})
    wandb.join()
    print("Sweep URL:", sweep_url)
    print("Sweep Group URL:", group_url)


if __name__ == "__main__":
    main()
"""

KFOLD_SWEEP = """
method: random
metric:
  goal: maximize
  name: val_accuracy
parameters:
  batch_size:
    distribution: int_uniform
    min: 32
    max: 128
  epochs:
    distribution: constant
    value: 200
  layers:
    distribution: categorical
    values: [1, 2, 3]
  optimizer:
    values: [Adam, Adamax, Adagrad]
program: train.py
"""

# The folds as ProcessPoolExecutor tasks, the pool made after the sweep run's init().
POOL_SCRIPT = """
import concurrent.futures
import multiprocessing
import os
import random

import runfold


def fold(job):
    for name in [n for n in os.environ if n.startswith("WANDB_")]:
        del os.environ[name]  # not the sweep run
    sweep_id, sweep_run_name, index, config = job
    run = runfold.init(group=sweep_id, job_type=sweep_run_name,
                       name=f"{sweep_run_name}-{index}", config=config)
    accuracy = random.random()
    run.log({"val_accuracy": accuracy})
    run.finish()
    return accuracy


def main():
    sweep_run = runfold.init()
    folds = int(os.environ["FOLDS"])
    jobs = [(sweep_run.sweep_id, sweep_run.name, i, dict(sweep_run.config))
            for i in range(folds)]
    context = multiprocessing.get_context(os.environ["START_METHOD"])
    with concurrent.futures.ProcessPoolExecutor(folds, mp_context=context) as pool:
        accuracies = list(pool.map(fold, jobs))
    sweep_run.log({"val_accuracy": sum(accuracies) / len(accuracies)})
    sweep_run.finish()


if __name__ == "__main__":
    main()
"""

TORCH_SCRIPT = """
import os
import random

import torch.multiprocessing as mp

import runfold


def fold(rank, sweep_id, sweep_run_name, config, results):
    for name in [n for n in os.environ if n.startswith("WANDB_")]:
        del os.environ[name]  # not the sweep run
    run = runfold.init(group=sweep_id, job_type=sweep_run_name,
                       name=f"{sweep_run_name}-{rank}", config=config)
    accuracy = random.random()
    run.log({"val_accuracy": accuracy})
    run.finish()
    results.put(accuracy)


def main():
    sweep_run = runfold.init()
    folds = int(os.environ["FOLDS"])
    results = mp.get_context("spawn").SimpleQueue()
    mp.spawn(fold, nprocs=folds, join=True, args=(
        sweep_run.sweep_id, sweep_run.name, dict(sweep_run.config), results))
    accuracies = [results.get() for _ in range(folds)]
    sweep_run.log({"val_accuracy": sum(accuracies) / len(accuracies)})
    sweep_run.finish()


if __name__ == "__main__":
    main()
"""


def _sweep_and_agent(
    directory: Path, yaml_name: str, count: int, env: dict[str, str] | None = None
) -> str:
    """``runfold sweep YAML`` then ``runfold agent --count N ID`` (the bare id, as
    W&B's README says), in ``directory``; the sweep's path."""
    created = runfold_cli("sweep", yaml_name, cwd=directory)
    assert created.returncode == 0, created.stderr
    path = created.stdout.splitlines()[-1].rsplit(" ", 1)[1]
    done = runfold_cli(
        "agent", "--count", str(count), path.split("/")[1], cwd=directory,
        env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def _check_folds(path: str, sweep_runs: int, folds: int = 5) -> None:
    """``sweep_runs`` sweep runs, each with ``folds`` fold runs in the group named
    by the sweep id, job-typed by its name, with its config; its value the mean."""
    project, sweep_id = path.split("/")
    sweep = read_sweep(path)
    assert [p.state for p in sweep.proposals] == ["finished"] * sweep_runs
    assert len(sweep.runs) == sweep_runs
    everything = reader().runs(project)
    assert len(everything) == sweep_runs * (1 + folds)
    for run in sweep.runs:
        assert run.state == "finished" and run.group is None
        assert run.metadata["sweep_id"] == sweep_id
        mine = [r for r in everything if r.job_type == run.name]
        assert sorted(r.name for r in mine) == [f"{run.name}-{i}" for i in range(folds)]
        assert {r.group for r in mine} == {sweep_id}
        assert all(r.config == run.config and r.state == "finished" for r in mine)
        assert all("sweep_id" not in r.metadata for r in mine)
        mean = statistics.fmean(r.summary["val_accuracy"] for r in mine)
        assert run.summary["val_accuracy"] == pytest.approx(mean, abs=1e-12)
    assert {p.params["epochs"] for p in sweep.proposals} == {200}


def test_kfold_example_through_runfold_sweep_and_agent(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(KFOLD_SCRIPT)
    (tmp_path / "sweep.yaml").write_text(KFOLD_SWEEP)
    path = _sweep_and_agent(tmp_path, "sweep.yaml", 3)
    _check_folds(path, 3)
    project, sweep_id = path.split("/")
    for run in read_sweep(path).runs:
        assert (
            run.notes == f"http://127.0.0.1:8765/projects/{project}/groups/{sweep_id}"
        )


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_kfold_with_a_process_pool(tmp_path: Path, start_method: str) -> None:
    (tmp_path / "train.py").write_text(POOL_SCRIPT)
    (tmp_path / "sweep.yaml").write_text(KFOLD_SWEEP)
    env = {"START_METHOD": start_method, "FOLDS": "5"}
    path = _sweep_and_agent(tmp_path, "sweep.yaml", 1, env=env)
    _check_folds(path, 1)


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="PyTorch is not installed (CI installs it from a local wheel when the "
    "machine has one)",
)
def test_kfold_with_torch_multiprocessing(tmp_path: Path) -> None:
    """Two folds: each spawned child imports PyTorch (seconds of CPU apiece)."""
    (tmp_path / "train.py").write_text(TORCH_SCRIPT)
    (tmp_path / "sweep.yaml").write_text(KFOLD_SWEEP)
    path = _sweep_and_agent(tmp_path, "sweep.yaml", 1, env={"FOLDS": "2"})
    _check_folds(path, 1, folds=2)


EXAMPLE = "examples/wandb-sweeps/sweeps-cross-validation"
# Read at import: the runfold_dir fixture clears RUNFOLD_* variables before a test.
WANDB_EXAMPLES = os.environ.get("RUNFOLD_WANDB_EXAMPLES")


@pytest.mark.skipif(
    not WANDB_EXAMPLES,
    reason="set RUNFOLD_WANDB_EXAMPLES to a checkout of github.com/wandb/examples "
    "to run its cross-validation example unchanged",
)
def test_wandb_example_unchanged(tmp_path: Path) -> None:
    """The checkout's example folder (or a folder holding its two files)."""
    source = Path(WANDB_EXAMPLES or "")
    if not (source / "train-cross-validation.py").exists():
        source = source / EXAMPLE
    script = (source / "train-cross-validation.py").read_text()
    script = script.replace("\nimport wandb\n", "\nimport runfold as wandb\n")
    assert script.count("\nimport runfold as wandb\n") == 1
    assert "wandb." in script and "\nimport wandb" not in script
    (tmp_path / "train-cross-validation.py").write_text(script)
    shutil.copy(source / "sweep-cross-validation.yaml", tmp_path)
    path = _sweep_and_agent(tmp_path, "sweep-cross-validation.yaml", 3)
    _check_folds(path, 3)
