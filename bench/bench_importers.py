"""Import rate of ``runfold import`` per source (issue 21): points/s into SQLite.

    .venv-test/bin/python bench/bench_importers.py                     # 100 runs × 10,000 steps
    .venv-test/bin/python bench/bench_importers.py --runs 10 --only tensorboard

Each run logs 4 metrics per step (points = runs × steps × 4). The sources are
made first, untimed, by the real packages: TensorBoard event files by
tensorboardX (or PyTorch's SummaryWriter), an MLflow SQLite store by MLflow's
client (``log_batch`` of 250 steps), and W&B: one real offline run of --steps
steps by ``wandb``, copied --runs times under other ids (W&B's own writer takes
a few seconds per run; what is timed is the reading). Then the import is timed
as ``runfold import`` runs it (``importers.import_runs`` into a fresh store),
and again (nothing to add: the cost of an idempotent re-import).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, load  # noqa: E402

KEYS = 4

TENSORBOARD = """
import sys
try:
    from tensorboardX import SummaryWriter
except ImportError:
    from torch.utils.tensorboard import SummaryWriter
runs, steps = int(sys.argv[1]), int(sys.argv[2])
for r in range(runs):
    w = SummaryWriter(f"runs/exp{r % 10}/seed{r}")
    for s in range(steps):
        for k in range(4):
            w.add_scalar(f"m{k}", s * 0.001 + k + r, s)
    w.close()
"""

MLFLOW = """
import sys
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
uri, runs, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = MlflowClient(tracking_uri=uri)
exp = client.create_experiment("bench")
for r in range(runs):
    rid = client.create_run(exp, run_name=f"r{r}").info.run_id
    for first in range(0, steps, 250):
        batch = [Metric(f"m{k}", s * 0.001 + k + r, 1_700_000_000_000 + s, s)
                 for s in range(first, min(steps, first + 250)) for k in range(4)]
        client.log_batch(rid, metrics=batch)
    client.set_terminated(rid, "FINISHED")
"""

WANDB = """
import sys
import wandb
steps = int(sys.argv[1])
run = wandb.init(project="bench", id="bench000", name="r0")
for s in range(steps):
    run.log({f"m{k}": s * 0.001 + k for k in range(4)})
run.finish()
"""


def _script(
    source: str, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> None:
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args], cwd=cwd, check=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def _make(source: str, root: Path, runs: int, steps: int) -> tuple[list, str]:
    if source == "tensorboard":
        _script(TENSORBOARD, root, str(runs), str(steps))
        from runfold.importers.tensorboard_runs import tensorboard_runs

        return tensorboard_runs(root / "runs", "bench"), ""
    if source == "mlflow":
        uri = f"sqlite:///{root / 'mlflow.db'}"
        _script(MLFLOW, root, uri, str(runs), str(steps))
        from runfold.importers.mlflow_runs import mlflow_runs, open_client

        return mlflow_runs(open_client(uri), uri, [], "bench", None), uri
    env = {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DIR": str(root)}
    _script(WANDB, root, str(steps), env=env)
    (one,) = (root / "wandb").glob("offline-run-*")
    for r in range(1, runs):
        copy = root / "wandb" / f"offline-run-20240101_000000-bench{r:03d}"
        shutil.copytree(one, copy)
        (copy / "run-bench000.wandb").rename(copy / f"run-bench{r:03d}.wandb")
    from runfold.importers.wandb_runs import find_logs, wandb_runs

    return wandb_runs(find_logs([root / "wandb"]), "bench"), ""


def _again(source: str, root: Path, uri: str) -> list:
    if source == "tensorboard":
        from runfold.importers.tensorboard_runs import tensorboard_runs

        return tensorboard_runs(root / "runs", "bench")
    if source == "mlflow":
        from runfold.importers.mlflow_runs import mlflow_runs, open_client

        return mlflow_runs(open_client(uri), uri, [], "bench", None)
    from runfold.importers.wandb_runs import find_logs, wandb_runs

    return wandb_runs(find_logs([root / "wandb"]), "bench")


def bench(source: str, runs: int, steps: int) -> dict[str, float]:
    from runfold.importers.importer import StoreDestination, import_runs

    with tempfile.TemporaryDirectory(prefix=f"bench-import-{source}-") as tmp:
        root = Path(tmp)
        made, uri = _make(source, root, runs, steps)
        store = root / "store"
        destination = StoreDestination(store)
        start = time.perf_counter()
        summary = import_runs(made, store, destination, origin=source)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = import_runs(
            _again(source, root, uri), store, destination, origin=source
        )
        second = time.perf_counter() - start
        destination.close()
    assert summary.points == runs * steps * KEYS, (summary.points, summary.skipped)
    assert again.points == 0 and again.count("unchanged") == runs
    return {"points": summary.points, "seconds": first, "rate": summary.points / first,
            "again_seconds": second}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--only", nargs="*", default=["tensorboard", "mlflow", "wandb"])
    args = parser.parse_args()
    print(describe(), f"load {load()}")
    for source in args.only:
        found = bench(source, args.runs, args.steps)
        print(
            f"{source}: {args.runs} runs × {args.steps:,} steps × {KEYS} metrics = "
            f"{found['points']:,} points in {found['seconds']:.1f} s: "
            f"{found['rate']:,.0f} points/s; again (nothing new) {found['again_seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
