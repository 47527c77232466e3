"""What each framework integration costs a training step (issue 16): the same
training with and without Runfold's logger, per framework.

    PYTHONPATH=src .venv-test/bin/python bench/bench_integrations.py [--repeats 5]

Each framework runs in a fresh process (its own temporary RUNFOLD_DIR, capture
of system metrics, console, git and code off: the figure is the integration's,
not the run's capture), on the CPU, with a small model, so the logger's share is
as large as it gets. Every variant trains ``--repeats`` times, interleaved with
the others, after one untimed warm-up each. Two figures per step, medians:

- wall: the training call (``xgb.train``, ``lgb.train``, ``model.fit``,
  ``trainer.fit``, ``trainer.train``) divided by its steps, against the same
  training with no logger. The honest total, but on a shared 2-core machine its
  noise can exceed the logger's cost;
- inside: the time spent in the integration's own methods (its hooks, timed by
  wrapping them), divided by the steps: the logger's share of each step, steady
  under noise; it leaves out the run's writer thread, which encodes and stores
  the rows beside the training.

A run is started before and finished after the timed call (outside the timing);
its creation is left out.

- xgboost: 200 rounds on 2,000 × 10 (depth 3, rmse on train and validation);
  ``WandbCallback()`` (its feature importance at the end included);
- lightgbm: 200 iterations on the same data (l2 on train and validation);
  ``wandb_callback()``;
- keras (torch backend): 256 batches of 32 through Dense(32)-Dense(1);
  ``WandbMetricsLogger()`` per epoch and per batch, the legacy ``WandbCallback``
  with ``save_model=False``;
- lightning: 256 steps of a Linear(16, 1), ``log_every_n_steps=1`` (a row per
  step, the worst case); the baseline is ``logger=False``;
- huggingface: 64 steps of a tiny randomly initialised BERT, ``logging_steps=1``;
  the baseline has no callback (``report_to="none"``).

A framework that is not installed is reported as skipped. Emits one
``BENCH_RESULT`` line with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import emit
from machine import describe

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("xgboost", "lightgbm", "keras", "lightning", "huggingface")
NEEDS = {
    "xgboost": ["xgboost"],
    "lightgbm": ["lightgbm"],
    "keras": ["keras", "torch"],
    "lightning": ["lightning", "torch"],
    "huggingface": ["transformers", "accelerate", "torch"],
}
CHILD_ENV = {
    "RUNFOLD_SILENT": "1",
    "RUNFOLD_SYSTEM_SECONDS": "0",
    "RUNFOLD_CONSOLE": "off",
    "RUNFOLD_DISABLE_GIT": "1",
    "RUNFOLD_DISABLE_CODE": "1",
    "KERAS_BACKEND": "torch",
}

# A variant: (name, logged, prepare). prepare() builds what one training needs
# (callbacks, logger, trainer) and returns the call to time; logged: a run is
# open around it (started before prepare, finished after the timed call).
Variant = tuple[str, bool, Callable[[], Callable[[], Any]]]


class Hooks:
    """Time spent inside the integration's own methods (``wrap``), summed over a
    training: the logger's share of a step, which a noisy machine blurs in the
    wall time but not here. It leaves out the run's writer thread, which does
    the rest (encoding, the run log, the store) beside the training."""

    seconds = 0.0

    @classmethod
    def wrap(cls, owner: Any, *names: str) -> None:
        for name in names:
            original = getattr(owner, name)

            def timed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    cls.seconds += time.perf_counter() - start

            setattr(owner, name, timed)


def _measure(variant: Variant, steps: int) -> tuple[float, float]:
    """(wall seconds per step, seconds per step inside the integration)."""
    import runfold

    _, logged, prepare = variant
    run = runfold.init(project="bench-integrations") if logged else None
    train = prepare()
    Hooks.seconds = 0.0
    start = time.perf_counter()
    train()
    elapsed = time.perf_counter() - start
    hooked = Hooks.seconds
    if run is not None:
        run.finish()
    return elapsed / steps, hooked / steps


def _table() -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 10))
    return x, x @ rng.normal(size=10) + rng.normal(size=2000)


def xgboost_variants() -> tuple[int, list[Variant]]:
    import xgboost as xgb

    from runfold.integration.xgboost import WandbCallback

    Hooks.wrap(WandbCallback, "before_training", "after_iteration", "after_training")
    x, y = _table()
    train, valid = xgb.DMatrix(x[:1500], y[:1500]), xgb.DMatrix(x[1500:], y[1500:])
    # nthread=1 (and num_threads=1 below): one core for the model, one for the writer
    params = {"max_depth": 3, "eta": 0.1, "eval_metric": "rmse", "nthread": 1}
    evals = [(train, "train"), (valid, "validation")]

    def fit(callbacks: list[Any]) -> Callable[[], Any]:
        return lambda: xgb.train(
            params, train, 200, evals=evals, callbacks=callbacks, verbose_eval=False
        )

    return 200, [
        ("none", False, lambda: fit([])),
        ("WandbCallback()", True, lambda: fit([WandbCallback()])),
    ]


def lightgbm_variants() -> tuple[int, list[Variant]]:
    import lightgbm as lgb

    from runfold.integration import lightgbm as integration

    Hooks.wrap(integration._Callback, "__call__")
    x, y = _table()
    train = lgb.Dataset(x[:1500], y[:1500], free_raw_data=False)
    valid = lgb.Dataset(x[1500:], y[1500:], reference=train, free_raw_data=False)
    params = {"objective": "regression", "metric": "l2", "num_leaves": 8,
              "verbose": -1, "num_threads": 1}  # fmt: skip

    def fit(callbacks: list[Any]) -> Callable[[], Any]:
        sets = [train, valid]
        return lambda: lgb.train(
            params, train, 200, valid_sets=sets, callbacks=callbacks
        )

    return 200, [
        ("none", False, lambda: fit([])),
        ("wandb_callback()", True, lambda: fit([integration.wandb_callback()])),
    ]


def keras_variants() -> tuple[int, list[Variant]]:
    import keras
    import numpy as np
    import torch

    from runfold.integration.keras import WandbCallback, WandbMetricsLogger

    torch.set_num_threads(1)  # one core for the model, one for Runfold's writer
    for cls in (WandbMetricsLogger, WandbCallback):
        Hooks.wrap(cls, "on_train_begin", "on_epoch_end", "_on_batch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4096, 16)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")

    def fit(callbacks: list[Any]) -> Callable[[], Any]:
        return lambda: model.fit(
            x, y, batch_size=32, epochs=2, verbose=0, callbacks=callbacks
        )

    return 256, [
        ("none", False, lambda: fit([])),
        ("WandbMetricsLogger()", True, lambda: fit([WandbMetricsLogger()])),
        ("WandbMetricsLogger('batch')", True,
         lambda: fit([WandbMetricsLogger(log_freq="batch")])),
        ("WandbCallback(save_model=False)", True,
         lambda: fit([WandbCallback(save_model=False)])),
    ]  # fmt: skip


def lightning_variants() -> tuple[int, list[Variant]]:
    import warnings

    import lightning.pytorch as pl
    import torch

    from runfold.integration.lightning import RunfoldLogger

    warnings.filterwarnings("ignore")  # Lightning's advice on tiny dataloaders
    torch.set_num_threads(1)  # one core for the model, one for Runfold's writer
    Hooks.wrap(RunfoldLogger, "log_metrics", "log_hyperparams", "after_save_checkpoint",
               "finalize")  # fmt: skip

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(16, 1)

        def training_step(self, batch: Any, index: int) -> Any:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    x = torch.randn(256 * 8, 16)
    data = torch.utils.data.TensorDataset(x, x.sum(dim=1, keepdim=True))
    loader = torch.utils.data.DataLoader(data, batch_size=8)

    def fit(logged: bool) -> Callable[[], Any]:
        # the run open around the timed call is the logger's experiment
        logger: Any = RunfoldLogger(project="bench-integrations") if logged else False
        trainer = pl.Trainer(
            max_epochs=1, accelerator="cpu", devices=1, logger=logger,
            log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False,
            enable_checkpointing=False,
        )  # fmt: skip
        return lambda: trainer.fit(Tiny(), loader)

    return 256, [
        ("logger=False", False, lambda: fit(False)),
        ("RunfoldLogger()", True, lambda: fit(True)),
    ]


def huggingface_variants() -> tuple[int, list[Variant]]:
    import warnings

    import torch
    import transformers

    from runfold.integration.huggingface import RunfoldCallback

    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(1)  # one core for the model, one for Runfold's writer
    Hooks.wrap(RunfoldCallback, "on_train_begin", "on_log", "on_save", "on_train_end")
    config = transformers.BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=2,
    )  # fmt: skip
    ids = torch.randint(0, 50, (256, 8), generator=torch.Generator().manual_seed(0))
    rows = [{"input_ids": ids[i], "labels": torch.tensor(i % 2)} for i in range(256)]
    out = os.path.abspath("hf-out")  # in the child's temporary working directory

    def fit(callbacks: list[Any]) -> Callable[[], Any]:
        args = transformers.TrainingArguments(
            output_dir=out, per_device_train_batch_size=4, max_steps=64,
            logging_steps=1, save_strategy="no", report_to="none", use_cpu=True,
            disable_tqdm=True,
        )  # fmt: skip
        model = transformers.BertForSequenceClassification(config)
        trainer = transformers.Trainer(
            model=model, args=args, train_dataset=rows, callbacks=callbacks
        )
        return trainer.train

    return 64, [
        ("no callback", False, lambda: fit([])),
        ("RunfoldCallback()", True, lambda: fit([RunfoldCallback()])),
    ]


def child(framework: str, repeats: int) -> dict[str, Any]:
    """In the framework's own process: per variant, the median wall time and the
    median time inside the integration, per step."""
    steps, variants = globals()[f"{framework}_variants"]()
    for variant in variants:
        _measure(variant, steps)  # warm-up: first-call costs out of the figures
    wall: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    inside: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for _ in range(repeats):  # interleaved, so drift hits every variant alike
        for variant in variants:
            per_step, hooked = _measure(variant, steps)
            wall[variant[0]].append(per_step)
            inside[variant[0]].append(hooked)
    base_name = variants[0][0]
    base = statistics.median(wall[base_name])
    return {
        "baseline": base_name,
        "steps": steps,
        "variants": {
            name: {
                "step_us": 1e6 * statistics.median(v),
                "wall_overhead_us": 1e6 * (statistics.median(v) - base),
                "wall_overhead_pct": 100 * (statistics.median(v) / base - 1),
                "inside_us": 1e6 * statistics.median(inside[name]),
                "inside_pct": 100 * statistics.median(inside[name]) / base,
                "step_spread_us": [1e6 * min(v), 1e6 * max(v)],
            }
            for name, v in wall.items()
        },
    }


def _missing(framework: str) -> str | None:
    import importlib.util

    absent = [m for m in NEEDS[framework] if importlib.util.find_spec(m) is None]
    return f"not installed: pip install {' '.join(absent)}" if absent else None


def run_framework(framework: str, repeats: int) -> dict[str, Any]:
    if why := _missing(framework):
        return {"skipped": why}
    with tempfile.TemporaryDirectory(prefix="runfold-bench-int-") as home:
        env = {**os.environ, **CHILD_ENV, "RUNFOLD_DIR": home}
        # The child runs in the temporary directory: keep `src` found.
        paths = env.get("PYTHONPATH", "").split(os.pathsep)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
        proc = subprocess.run(
            [sys.executable, str(Path(__file__)), "--child", framework,
             "--repeats", str(repeats)],
            env=env, cwd=home, capture_output=True, text=True,
        )  # fmt: skip
    if proc.returncode:
        return {"failed": proc.stderr.strip()[-2000:]}
    line = next(x for x in proc.stdout.splitlines() if x.startswith("CHILD "))
    return json.loads(line[len("CHILD ") :])


def _print(results: dict[str, Any], repeats: int, machine: dict[str, str]) -> None:
    print(
        f"integration overhead per training step (CPU, median of {repeats}): wall "
        "time per step; 'inside': time in the integration's own code per step"
    )
    for framework, r in results.items():
        if "variants" not in r:
            print(f"  {framework:<12} {r.get('skipped') or 'FAILED: ' + r['failed']}")
            continue
        for name, v in r["variants"].items():
            extra = "" if name == r["baseline"] else (
                f"  wall {v['wall_overhead_us']:+8.1f} µs ({v['wall_overhead_pct']:+5.1f} %)"
                f"  inside {v['inside_us']:6.1f} µs ({v['inside_pct']:.2f} %)"
            )  # fmt: skip
            print(f"  {framework:<12} {name:<32} {v['step_us']:8.1f} µs/step{extra}")
    print(
        f"  machine: {machine['cpu']}, {machine['cores']} cores, {machine['python']},"
        f" commit {machine['commit']}, load {machine['load average before']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=FRAMEWORKS, action="append")
    parser.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("CHILD " + json.dumps(child(args.child, args.repeats)), flush=True)
        return
    machine = describe()
    results = {f: run_framework(f, args.repeats) for f in args.only or FRAMEWORKS}
    _print(results, args.repeats, machine)
    emit({"repeats": args.repeats, "machine": machine, "results": results,
          "load_after": " / ".join(f"{x:.2f}" for x in os.getloadavg())})  # fmt: skip


if __name__ == "__main__":
    main()
