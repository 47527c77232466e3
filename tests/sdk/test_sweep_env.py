"""What a sweep run needs from the SDK (issue 14): the agent's variables, the
parameter file, ``run.sweep_id``, the W&B URL methods, ``save()`` and notes.

A sweep agent sets both names of each variable (``RUNFOLD_SWEEP_ID`` and
``WANDB_SWEEP_ID`` ...). Both set: this process is the sweep run. One family
cleared (W&B's cross-validation example does it in its fold workers): a plain new
run. Neither: the usual rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold import RunfoldWarning
from runfold.sdk.runlog import RUNLOG_NAME, scan

from ..conftest import LiveServer

PARAMS = {"lr": 0.01, "layers": 2}


def _agent_environment(
    mp: pytest.MonkeyPatch, tmp_path: Path, params_text: str, name: str = "p.yaml"
) -> None:
    """What a sweep agent sets for one run: both families of each variable."""
    path = tmp_path / name
    path.write_text(params_text)
    for family in ("RUNFOLD_", "WANDB_"):
        mp.setenv(family + "SWEEP_ID", "sw1")
        mp.setenv(family + "RUN_ID", "run1")
        mp.setenv(family + "SWEEP_PARAM_PATH", str(path))


def _run_record(run: runfold.Run) -> dict[str, Any]:
    body: dict[str, Any] = next(
        b for _, kind, b in scan(run.dir / RUNLOG_NAME) if kind == "run"
    )
    return body


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "p.yaml",
            "wandb_version: 1\nlr:\n  desc: null\n  value: 0.01\nlayers:\n  value: 2\n",
        ),
        ("p.json", json.dumps({"lr": 0.01, "layers": 2})),
    ],
)
def test_both_families_set_make_the_sweep_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: runfold.Api, name: str,
    text: str,
) -> None:  # fmt: skip
    _agent_environment(monkeypatch, tmp_path, text, name)
    run = runfold.init(project="p", config={"lr": 0.5, "epochs": 3})
    assert (run.id, run.sweep_id) == ("run1", "sw1")
    # The sweep's parameters win over the script's defaults; the rest stays.
    assert run.config.as_dict() == {"lr": 0.01, "layers": 2, "epochs": 3}
    run.log({"loss": 1.0})
    run.finish()
    stored = api.run("p/run1")
    assert stored.config == {"lr": 0.01, "layers": 2, "epochs": 3}
    assert stored.metadata["sweep_id"] == "sw1"
    assert _run_record(run)["sweep_id"] == "sw1"


def test_a_bad_parameter_file_stops_init_before_anything_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, runfold_dir: Path
) -> None:
    _agent_environment(monkeypatch, tmp_path, "[1, 2]", "p.json")
    with pytest.raises(runfold.UsageError, match=r"holds a list, not a mapping"):
        runfold.init(project="p")
    assert not runfold_dir.exists()


def test_a_sweep_run_keeps_its_parameters_against_later_updates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: runfold.Api
) -> None:
    _agent_environment(monkeypatch, tmp_path, json.dumps(PARAMS), "p.json")
    run = runfold.init(project="p")
    run.config.update({"lr": 0.01, "batch": 32})  # the same value: nothing to say
    with pytest.warns(RunfoldWarning, match=r"config 'lr' is a sweep parameter"):
        run.config.update({"lr": 0.5})
    run.config.layers = 2
    run.finish()
    assert api.run("p/run1").config == {"lr": 0.01, "layers": 2, "batch": 32}


def test_the_agent_may_have_made_the_run_already(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: runfold.Api
) -> None:
    runfold.init(project="p", id="run1").finish()
    _agent_environment(monkeypatch, tmp_path, json.dumps(PARAMS), "p.json")
    run = runfold.init(project="p")
    run.log({"loss": 1.0})
    run.finish()
    assert api.run("p/run1").state == "finished"
    assert api.run("p/run1").config == PARAMS


@pytest.mark.parametrize("cleared", ["WANDB_", "RUNFOLD_"])
def test_one_family_cleared_is_a_plain_new_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: runfold.Api, cleared: str
) -> None:
    _agent_environment(monkeypatch, tmp_path, json.dumps(PARAMS), "p.json")
    for name in ("SWEEP_ID", "RUN_ID", "SWEEP_PARAM_PATH"):
        monkeypatch.delenv(cleared + name)
    run = runfold.init(project="p", config={"lr": 0.5})
    assert run.id != "run1" and run.sweep_id is None
    assert run.get_sweep_url() is None
    assert run.config.as_dict() == {"lr": 0.5}
    run.finish()
    assert _run_record(run)["sweep_id"] is None
    assert "sweep_id" not in api.run(f"p/{run.id}").metadata


def test_without_a_sweep_wandb_run_id_alone_sets_the_id(
    monkeypatch: pytest.MonkeyPatch, api: runfold.Api
) -> None:
    monkeypatch.setenv("WANDB_RUN_ID", "solo1")
    run = runfold.init(project="p")
    assert (run.id, run.sweep_id) == ("solo1", None)
    run.finish()
    assert api.run("p/solo1").state == "finished"


def test_urls_in_local_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run = runfold.init(project="my proj")
    base = "http://127.0.0.1:8765/projects/my%20proj"
    assert run.get_project_url() == base
    assert run.get_url() == f"{base}/runs/{run.id}"
    assert run.get_sweep_url() is None
    run.finish()
    _agent_environment(monkeypatch, tmp_path, "{}", "p.json")
    sweep_run = runfold.init(project="my proj")
    assert sweep_run.get_sweep_url() == f"{base}/sweeps/sw1"
    assert sweep_run.get_url() == f"{base}/runs/run1"


def test_urls_in_online_mode(
    monkeypatch: pytest.MonkeyPatch, live_server: LiveServer
) -> None:
    monkeypatch.setenv("RUNFOLD_BASE_URL", live_server.url + "/")
    monkeypatch.setenv("RUNFOLD_SWEEP_ID", "sw1")
    monkeypatch.setenv("WANDB_SWEEP_ID", "sw1")
    run = runfold.init(project="p")
    assert run.mode == "online"
    assert run.get_project_url() == f"{live_server.url}/projects/p"
    assert run.get_url() == f"{live_server.url}/projects/p/runs/{run.id}"
    assert run.get_sweep_url() == f"{live_server.url}/projects/p/sweeps/sw1"
    run.finish()


@pytest.mark.parametrize("mode", ["offline", "disabled"])
def test_no_urls_where_no_ui_has_the_run(mode: str) -> None:
    run = runfold.init(project="p", mode=mode)
    assert (run.get_url(), run.get_project_url(), run.get_sweep_url()) == (None,) * 3
    run.finish()


def test_notes_set_after_init_are_stored_and_save_without_a_path_does_nothing(
    api: runfold.Api,
) -> None:
    run = runfold.init(project="p", notes="first")
    run.notes = "see the fold runs"
    assert run.save() is True and runfold.save() is True
    assert not [p for p in (run.dir / "files").rglob("*") if p.is_file()]
    run.finish()
    assert api.run(f"p/{run.id}").notes == "see the fold runs"


CROSS_VALIDATION = """
# W&B's examples/wandb-sweeps/sweeps-cross-validation/train-cross-validation.py,
# with `import runfold as wandb`, deterministic accuracies and a JSON report.
import collections, json, multiprocessing, os, sys

import runfold as wandb

Worker = collections.namedtuple("Worker", ("queue", "process"))
WorkerInitData = collections.namedtuple(
    "WorkerInitData", ("num", "sweep_id", "sweep_run_name", "config")
)
WorkerDoneData = collections.namedtuple("WorkerDoneData", ("val_accuracy"))


def reset_wandb_env():
    exclude = {"WANDB_PROJECT", "WANDB_ENTITY", "WANDB_API_KEY"}
    for key in list(os.environ.keys()):
        if key.startswith("WANDB_") and key not in exclude:
            del os.environ[key]


def train(sweep_q, worker_q):
    reset_wandb_env()
    worker_data = worker_q.get()
    run_name = "{}-{}".format(worker_data.sweep_run_name, worker_data.num)
    config = worker_data.config
    run = wandb.init(
        group=worker_data.sweep_id,
        job_type=worker_data.sweep_run_name,
        name=run_name,
        config=config,
    )
    val_accuracy = 0.5 + 0.1 * worker_data.num
    run.log(dict(val_accuracy=val_accuracy))
    wandb.join()
    sweep_q.put(WorkerDoneData(val_accuracy=val_accuracy))


def main():
    num_folds = 3
    ctx = multiprocessing.get_context(sys.argv[1])
    # Spin up workers before calling wandb.init(); they wait on a queue.
    sweep_q = ctx.Queue()
    workers = []
    for num in range(num_folds):
        q = ctx.Queue()
        p = ctx.Process(target=train, kwargs=dict(sweep_q=sweep_q, worker_q=q))
        p.start()
        workers.append(Worker(queue=q, process=p))

    sweep_run = wandb.init()
    sweep_id = sweep_run.sweep_id or "unknown"
    sweep_url = sweep_run.get_sweep_url()
    project_url = sweep_run.get_project_url()
    sweep_group_url = "{}/groups/{}".format(project_url, sweep_id)
    sweep_run.notes = sweep_group_url
    sweep_run.save()
    sweep_run_name = sweep_run.name or sweep_run.id or "unknown_2"
    sweep_run_id = sweep_run.id
    sweep_run.finish()

    metrics = []
    for num in range(num_folds):
        worker = workers[num]
        worker.queue.put(
            WorkerInitData(
                sweep_id=sweep_id,
                num=num,
                sweep_run_name=sweep_run_name,
                config=dict(sweep_run.config),
            )
        )
        result = sweep_q.get()
        worker.process.join()
        assert worker.process.exitcode == 0
        metrics.append(result.val_accuracy)

    sweep_run = wandb.init(id=sweep_run_id, resume="must")
    sweep_run.log(dict(val_accuracy=sum(metrics) / len(metrics)))
    wandb.join()
    print(json.dumps({"name": sweep_run_name, "id": sweep_run_id,
                      "sweep_url": sweep_url, "notes": sweep_group_url}))


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_wandb_cross_validation_example(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, api: runfold.Api, method: str
) -> None:
    _agent_environment(monkeypatch, tmp_path, json.dumps(PARAMS), "p.json")
    monkeypatch.setenv("RUNFOLD_PROJECT", "cv")
    monkeypatch.setenv("WANDB_PROJECT", "cv")
    script = tmp_path / "train_cross_validation.py"
    script.write_text(textwrap.dedent(CROSS_VALIDATION))
    proc = subprocess.run(
        [sys.executable, str(script), method], env=dict(os.environ),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["id"] == "run1"
    assert out["sweep_url"] == "http://127.0.0.1:8765/projects/cv/sweeps/sw1"

    runs = {r.id: r for r in api.runs("cv")}
    assert len(runs) == 4
    sweep_run = runs.pop("run1")
    assert sweep_run.state == "finished"
    assert sweep_run.metadata["sweep_id"] == "sw1"
    assert sweep_run.config == PARAMS
    assert sweep_run.notes == "http://127.0.0.1:8765/projects/cv/groups/sw1"
    assert [row["val_accuracy"] for row in sweep_run.history()] == [pytest.approx(0.6)]
    folds = sorted(runs.values(), key=lambda r: r.name)
    assert [f.name for f in folds] == [f"{out['name']}-{i}" for i in range(3)]
    for i, fold in enumerate(folds):
        # A fold run: in the sweep's group, named after the sweep run, no sweep_id.
        expected = ("finished", "sw1", out["name"], PARAMS)
        assert (fold.state, fold.group, fold.job_type, fold.config) == expected
        assert "sweep_id" not in fold.metadata
        accuracies = [row["val_accuracy"] for row in fold.history()]
        assert accuracies == [pytest.approx(0.5 + 0.1 * i)]
