"""Scripts written the way W&B's public examples are (argparse into
``wandb.config``, ``commit=False`` then ``wandb.log()``, groups of train and
eval jobs, resuming by ``WANDB_RUN_ID``/``WANDB_RESUME``, LightGBM and
scikit-learn through ``wandb.*``), run unchanged in zero-change mode. Our own
scripts in W&B's style: running W&B's examples this way found the gaps these
cover (``wandb.log()`` with no data, W&B's resume rule for config, feature
names that include the label column)."""

from __future__ import annotations

from pathlib import Path

import pytest

import runfold

from .conftest import needs, run_as_wandb

VALIDATE_EVERY_N = """
import argparse
import math
import wandb

parser = argparse.ArgumentParser(description="validation every N steps")
parser.add_argument("--max_epochs", type=int, default=10)
parser.add_argument("--validate_every", type=int, default=4)
parser.add_argument("--learning_rate", type=float, default=0.01)


def main():
    args = parser.parse_args()
    wandb.init(project="examples")
    wandb.config.update(args)
    for epoch in range(args.max_epochs):
        loss = 10 / (epoch + 1)
        wandb.log({"loss": loss, "acc": 1 - loss / 100}, commit=False)
        if epoch % args.validate_every == 0:
            wandb.log({"val_acc": 1 - loss / 50}, commit=False)
        wandb.log()


if __name__ == "__main__":
    main()
"""


def test_metrics_at_different_steps(tmp_path: Path, api: runfold.Api) -> None:
    run_as_wandb(VALIDATE_EVERY_N, tmp_path, "--max_epochs", "9")
    [run] = api.runs("examples")
    assert run.config == {"max_epochs": 9, "validate_every": 4, "learning_rate": 0.01}
    assert [r["_step"] for r in run.history(keys=["val_acc"])] == [0, 4, 8]
    assert len(run.history(keys=["loss", "acc"])) == 9
    assert run.summary["loss"] == pytest.approx(10 / 9)


TRAIN_OR_EVAL = """
import argparse
import wandb

parser = argparse.ArgumentParser()
parser.add_argument("job", choices=["train", "eval"])
parser.add_argument("--group_id")
parser.add_argument("--worker", type=int, default=0)

args = parser.parse_args()
if args.job == "train":
    wandb.init(group=args.group_id, job_type="train")
    wandb.config.update(args)
    wandb.config.job_type = "training"  # a new key next to argparse's
    for epoch in range(5):
        wandb.log({"epoch": epoch, "loss": 1 / (epoch + 1), "train/acc": epoch / 5})
else:
    wandb.init(group=args.group_id, job_type="eval")
    wandb.config.update({"phase_shift": 14})
    wandb.log({"epoch": 4, "loss": 0.3, "eval/acc": 0.7})
"""


def test_a_group_of_train_and_eval_jobs(tmp_path: Path, api: runfold.Api) -> None:
    env = {"WANDB_PROJECT": "grouped"}
    for worker in ("0", "1"):
        run_as_wandb(TRAIN_OR_EVAL, tmp_path, "train", "--group_id", "exp-7",
                     "--worker", worker, env=env)  # fmt: skip
    run_as_wandb(TRAIN_OR_EVAL, tmp_path, "eval", "--group_id", "exp-7", env=env)
    groups = api.groups("grouped", by=["group", "job_type"])
    assert [(g.key, g.count) for g in groups] == [
        (("exp-7", "eval"), 1), (("exp-7", "train"), 2),
    ]  # fmt: skip
    trained = api.runs("grouped", {"job_type": "train"}, order="config.worker")
    assert [r.config["worker"] for r in trained] == [0, 1]
    assert trained[0].config["job_type"] == "training"


RESUMABLE = """
import argparse
import wandb

parser = argparse.ArgumentParser()
parser.add_argument("--start_epoch", type=int, default=0)
parser.add_argument("--num_epochs", type=int, default=3)
args = parser.parse_args()

wandb.init(project="resumed")
# A resumed run has its config already: changing a value needs allow_val_change
# (W&B's rule, which W&B's own resume example meets when --start_epoch changes).
wandb.config.update(args, allow_val_change=wandb.run.resumed)
for epoch in range(args.start_epoch, args.start_epoch + args.num_epochs):
    wandb.log({"loss": 1 / (epoch + 1)})
"""


def test_resume_by_run_id_and_wandb_resume(tmp_path: Path, api: runfold.Api) -> None:
    run_as_wandb(RESUMABLE, tmp_path, env={"WANDB_RUN_ID": "myrun1"})
    run_as_wandb(RESUMABLE, tmp_path, "--start_epoch", "3",
                 env={"WANDB_RUN_ID": "myrun1", "WANDB_RESUME": "allow"})  # fmt: skip
    run = api.run("resumed/myrun1")
    assert run.config == {"start_epoch": 3, "num_epochs": 3}
    assert [r["_step"] for r in run.history()] == list(range(6))
    assert run.summary["loss"] == pytest.approx(1 / 6)


LIGHTGBM = """
import lightgbm as lgb
import numpy as np
import wandb
from wandb.lightgbm import log_summary, wandb_callback

wandb.init(project="boosting")
rng = np.random.default_rng(1)
x, y = rng.normal(size=(300, 5)), rng.normal(size=300)
params = {"objective": "regression", "metric": ["rmse", "l1"], "num_leaves": 7,
          "learning_rate": 0.1, "verbosity": -1}
wandb.config.update(params)
train = lgb.Dataset(x[:200], y[:200])
model = lgb.train(params, train, num_boost_round=10,
                  valid_sets=lgb.Dataset(x[200:], y[200:], reference=train),
                  valid_names=("validation"),  # a string, as W&B's example passes
                  callbacks=[wandb_callback(), lgb.early_stopping(stopping_rounds=3)])
log_summary(model, save_model_checkpoint=True)
"""


def test_lightgbm_as_wandbs_example_uses_it(tmp_path: Path, api: runfold.Api) -> None:
    needs("lightgbm")
    run_as_wandb(LIGHTGBM, tmp_path)
    [run] = api.runs("boosting")
    assert run.config["num_leaves"] == 7 and run.config["metric"] == ["rmse", "l1"]
    assert len(run.history(keys=["validation_rmse", "validation_l1"])) >= 4
    assert run.summary["best_iteration"] >= 1
    assert any(f.name.startswith("model_ckpt_") for f in run.files())


SKLEARN = """
import numpy as np
import pandas as pd
import wandb
from sklearn.ensemble import RandomForestClassifier

wandb.init(project="wine")
rng = np.random.default_rng(0)
frame = pd.DataFrame(rng.normal(size=(150, 3)), columns=["acid", "sugar", "alcohol"])
frame["quality"] = (frame["alcohol"] > 0).astype(int)
y = frame["quality"]
x = frame.drop(["quality"], axis=1)
model = RandomForestClassifier(n_estimators=10, random_state=0).fit(x[:100], y[:100])
wandb.sklearn.plot_classifier(
    model, x[:100], x[100:], y[:100], y[100:], model.predict(x[100:]),
    model.predict_proba(x[100:]), ["low", "high"], model_name="RandomForest",
    feature_names=frame.columns,  # with the label column, as W&B's example does
)
wandb.log({"accuracy": model.score(x[100:], y[100:])})
"""


def test_sklearn_plot_classifier(tmp_path: Path, api: runfold.Api) -> None:
    needs("sklearn", "pandas")
    proc = run_as_wandb(SKLEARN, tmp_path)
    assert "the first 3 were used" in proc.stderr
    [run] = api.runs("wine")
    keys = {m["key"] for m in run.media_keys()}
    assert {"feature_importances", "confusion_matrix", "roc"} <= keys
    importances = run.table("feature_importances")
    assert set(importances["feature_names"]) == {"acid", "sugar", "alcohol"}
    assert run.summary["accuracy"] > 0.8
