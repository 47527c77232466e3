"""Real sources for the importer tests, made by the real packages in a child
process (W&B offline, MLflow's client, a TensorBoard writer): each script prints
what it logged as JSON, the values the tests compare the imported runs with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

# W&B offline, silent, with nothing written outside the test's folder.
WANDB_ENV = {
    "WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true",
    "WANDB_DISABLE_CODE": "true", "WANDB_CONSOLE": "wrap",
}  # fmt: skip


def need(module: str) -> None:
    """Skip, saying what to install, when a source's package is missing."""
    pytest.importorskip(
        module, reason=f"{module} is not installed: pip install '.[test]'"
    )


def run_script(source: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    """Run ``source`` in a fresh interpreter in ``cwd``; its stdout's last line
    as JSON."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    full.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)], cwd=cwd, env=full,
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.fail(f"source script failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def wandb_env(root: Path) -> dict[str, str]:
    return {
        **WANDB_ENV, "WANDB_DIR": str(root), "WANDB_CONFIG_DIR": str(root / "cfg"),
        "WANDB_CACHE_DIR": str(root / "cache"), "WANDB_DATA_DIR": str(root / "data"),
        "WANDB_ARTIFACT_DIR": str(root / "artifacts"),
    }  # fmt: skip


WANDB_SCRIPT = """
import json
import numpy as np
import wandb

def pixels(seed):
    return np.random.default_rng(seed).integers(0, 256, (6, 5, 3), dtype=np.uint8)

out = {}
plan = [("exp1", 0, 0), ("exp1", 1, 0), ("exp2", 0, 1)]
for group, seed, exit_code in plan:
    run = wandb.init(
        project="wb-proj", group=group, job_type="train", tags=["cnn", f"s{seed}"],
        notes=f"{group} seed {seed}", name=f"{group}-s{seed}",
        config={"lr": 0.01 * (seed + 1), "optimizer": {"name": "adam"}, "seed": seed},
    )
    history = {"loss": [], "acc": []}
    for step in range(20):
        loss = 1.0 / (step + 1) + 0.1 * seed + (0.5 if group == "exp2" else 0.0)
        acc = step / 20 + 0.01 * seed
        run.log({"loss": loss, "acc": acc, "train": {"lr": 0.01}})
        history["loss"].append([step, loss])
        history["acc"].append([step, acc])
    run.log({"sample": wandb.Image(pixels(seed), caption=f"seed {seed}"),
             "preds": wandb.Table(columns=["id", "label"], data=[[1, "cat"], [2, "dog"]]),
             "weights": wandb.Histogram(np_histogram=np.histogram([1, 2, 2, 3, 3, 3], bins=3)),
             "note": "text is not a metric"})
    print(f"hello from {group} seed {seed}")
    run.summary["best_acc"] = 0.99
    out[run.id] = {
        "name": run.name, "group": group, "seed": seed, "history": history,
        "pixels": pixels(seed).tolist(), "exit_code": exit_code, "dir": run.dir,
    }
    run.finish(exit_code=exit_code)
print(json.dumps(out))
"""

WANDB_RESUME_SCRIPT = """
import json, sys
import wandb
run_id, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
run = wandb.init(project="grow", id=run_id, resume="allow", name="growing")
for step in range(first, last):
    run.log({"loss": 1.0 / (step + 1)}, step=step)
run.finish()
print(json.dumps({"id": run_id}))
"""


def make_wandb(root: Path) -> dict[str, Any]:
    need("wandb")
    root.mkdir(parents=True, exist_ok=True)
    return run_script(WANDB_SCRIPT, root, wandb_env(root))  # type: ignore[no-any-return]


def grow_wandb(root: Path, run_id: str, first: int, last: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    script = f"import sys; sys.argv = ['x', {run_id!r}, '{first}', '{last}']\n"
    run_script(script + textwrap.dedent(WANDB_RESUME_SCRIPT), root, wandb_env(root))


MLFLOW_SCRIPT = """
import json, os, sys
import numpy as np
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

uri, artifacts = sys.argv[1], sys.argv[2]
os.makedirs(artifacts, exist_ok=True)
client = MlflowClient(tracking_uri=uri)
exp = client.create_experiment("mnist", artifact_location=artifacts + "/mnist")
parent = client.create_run(exp, run_name="sweep-1")
out = {"parent": parent.info.run_id, "runs": {}}
t0 = 1_700_000_000_000
for i, status in enumerate(["FINISHED", "FAILED"]):
    run = client.create_run(exp, run_name=f"trial-{i}", tags={
        "mlflow.parentRunId": parent.info.run_id, "team": "vision",
        "mlflow.note.content": f"trial {i}", "sweep": "s1"})
    rid = run.info.run_id
    client.log_batch(rid, params=[
        Param("lr", str(0.01 * (i + 1))), Param("batch_size", "64"),
        Param("optimizer", "adam"), Param("augment", "True")])
    history = {"loss": [], "acc": []}
    for step in range(10):
        ts = t0 + i * 100_000 + step * 1000
        loss, acc = 1 / (step + 1) + i, step / 10
        client.log_batch(rid, metrics=[Metric("loss", loss, ts, step),
                                       Metric("acc", acc, ts, step)])
        history["loss"].append([step, ts / 1000, loss])
        history["acc"].append([step, ts / 1000, acc])
    client.log_metric(rid, "test_acc", 0.5 + i, timestamp=t0 + 500_000, step=0)
    path = os.path.join(artifacts, f"readme-{i}.txt")
    with open(path, "w") as f:
        f.write(f"trial {i}")
    client.log_artifact(rid, path, "notes")
    pixels = np.random.default_rng(i).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    client.log_image(rid, pixels, key="samples/img", step=3)
    client.set_terminated(rid, status)
    out["runs"][rid] = {"name": f"trial-{i}", "status": status, "history": history,
                        "pixels": pixels.tolist(), "lr": 0.01 * (i + 1)}
client.set_terminated(parent.info.run_id, "FINISHED")
other = client.create_experiment("cifar", artifact_location=artifacts + "/cifar")
run = client.create_run(other, run_name="solo")
client.log_metric(run.info.run_id, "loss", 0.5, step=0)
client.set_terminated(run.info.run_id, "FINISHED")
out["cifar"] = run.info.run_id
print(json.dumps(out))
"""

MLFLOW_GROW_SCRIPT = """
import json, sys
from mlflow.tracking import MlflowClient
uri, run_id = sys.argv[1], sys.argv[2]
client = MlflowClient(tracking_uri=uri)
for step in range(10, 15):
    client.log_metric(run_id, "loss", 0.01 * step, timestamp=1_800_000_000_000 + step, step=step)
client.set_tag(run_id, "team", "robotics")
client.log_param(run_id, "late", "1")
print(json.dumps({}))
"""

MLFLOW_ENV = {
    "MLFLOW_ALLOW_FILE_STORE": "true",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}


def make_mlflow(root: Path, uri: str) -> dict[str, Any]:
    need("mlflow")
    root.mkdir(parents=True, exist_ok=True)
    script = f"import sys; sys.argv = ['x', {uri!r}, {str(root / 'artifacts')!r}]\n"
    return run_script(script + textwrap.dedent(MLFLOW_SCRIPT), root, MLFLOW_ENV)  # type: ignore[no-any-return]


def grow_mlflow(root: Path, uri: str, run_id: str) -> None:
    script = f"import sys; sys.argv = ['x', {uri!r}, {run_id!r}]\n"
    run_script(script + textwrap.dedent(MLFLOW_GROW_SCRIPT), root, MLFLOW_ENV)


TENSORBOARD_SCRIPT = """
import json, sys
import numpy as np
try:
    from torch.utils.tensorboard import SummaryWriter
    writer_name = "torch"
except ImportError:
    from tensorboardX import SummaryWriter
    writer_name = "tensorboardX"

out = {"writer": writer_name, "runs": {}}
first, last = int(sys.argv[1]), int(sys.argv[2])
for exp, seed in [("exp1", 0), ("exp1", 1), ("exp2", 0)]:
    name = f"{exp}/seed{seed}"
    w = SummaryWriter(f"runs/{name}")
    history = {"loss": [], "acc/train": []}
    for step in range(first, last):
        loss = 1 / (step + 1) + seed + (1 if exp == "exp2" else 0)
        acc = step / 10 + seed / 100
        w.add_scalar("loss", loss, step)
        w.add_scalar("acc/train", acc, step)
        history["loss"].append([step, float(np.float32(loss))])
        history["acc/train"].append([step, float(np.float32(acc))])
    pixels = np.random.default_rng(seed).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    if first == 0:
        w.add_histogram("weights", np.arange(100.0) + seed, 3)
        w.add_image("sample", pixels, 2, dataformats="HWC")
        w.add_text("notes", f"run {name}", 0)
        w.add_hparams({"lr": 0.1 * (seed + 1), "opt": "adam", "bs": 32},
                      {"hparam/final": 0.9})
    w.close()
    out["runs"][name] = {"history": history, "pixels": pixels.tolist(),
                         "lr": 0.1 * (seed + 1)}
print(json.dumps(out))
"""


def make_tensorboard(root: Path, first: int = 0, last: int = 10) -> dict[str, Any]:
    need("tensorboard")
    root.mkdir(parents=True, exist_ok=True)
    script = f"import sys; sys.argv = ['x', '{first}', '{last}']\n"
    return run_script(script + textwrap.dedent(TENSORBOARD_SCRIPT), root)  # type: ignore[no-any-return]
