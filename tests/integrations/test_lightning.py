"""PyTorch Lightning: RunfoldLogger records hyperparameters, metrics at Lightning's
step, checkpoints as run files, watch(), ranks and resume."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold.errors import ProjectNotFound

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install torch)"
)
L = pytest.importorskip(
    "lightning.pytorch", reason="Lightning is not installed (pip install lightning)"
)
from lightning.pytorch.callbacks import ModelCheckpoint  # noqa: E402
from lightning.pytorch.utilities import rank_zero_only  # noqa: E402

from runfold.integration.lightning import RunfoldLogger, WandbLogger  # noqa: E402

# Lightning's own warnings on this machine (a CPU-only torch newer than it knows,
# tiny dataloaders): not Runfold's, and not what these tests check.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*does not have many workers"),
    pytest.mark.filterwarnings("ignore:.*number of training batches"),
]


class Regressor(L.LightningModule):
    def __init__(self, lr: float = 0.1, hidden: int = 4) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Linear(4, 1)
        self.losses: list[tuple[int, float]] = []  # (global_step, loss) as trained

    def _loss(self, batch: Any) -> Any:
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y)

    def training_step(self, batch: Any, index: int) -> Any:
        loss = self._loss(batch)
        self.log("train_loss", loss)
        self.losses.append((self.global_step, loss.item()))
        return loss

    def validation_step(self, batch: Any, index: int) -> None:
        self.log("val_loss", self._loss(batch))

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader() -> Any:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=generator)
    dataset = torch.utils.data.TensorDataset(x, x[:, 0] * 2)
    return torch.utils.data.DataLoader(dataset, batch_size=8)  # 4 batches


def _trainer(logger: Any, tmp_path: Path, epochs: int = 2, **kwargs: Any) -> Any:
    return L.Trainer(
        max_epochs=epochs, accelerator="cpu", devices=1, logger=logger,
        log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False,
        default_root_dir=tmp_path, **kwargs,
    )  # fmt: skip


def test_hyperparameters_and_metrics_at_lightnings_step(
    api: runfold.Api, tmp_path: Path
) -> None:
    logger = RunfoldLogger(project="pl", name="first", save_dir=tmp_path)
    model = Regressor(lr=0.05)
    _trainer(logger, tmp_path, enable_checkpointing=False).fit(
        model, _loader(), _loader()
    )
    run = logger.experiment
    run.finish()
    stored = api.run(f"pl/{run.id}")
    assert stored.name == "first" and stored.state == "finished"
    assert stored.config == {"lr": 0.05, "hidden": 4}
    rows = stored.history(keys=["train_loss", "trainer/global_step"])
    assert [(r["_step"], r["train_loss"]) for r in rows] == model.losses
    assert [r["trainer/global_step"] for r in rows] == [s for s, _ in model.losses]
    # validation at the end of each epoch shares the row of its step
    val = stored.history(keys=["val_loss", "epoch"])
    assert [(r["_step"], r["epoch"]) for r in val] == [(3, 0), (7, 1)]
    assert logger.name == "pl" and logger.version == run.id
    assert logger.save_dir == str(tmp_path)


def test_log_model_all_saves_each_checkpoint_as_run_files(
    api: runfold.Api, tmp_path: Path
) -> None:
    logger = WandbLogger(project="pl", save_dir=tmp_path, log_model="all")
    checkpoint = ModelCheckpoint(monitor="val_loss", save_top_k=1)
    trainer = _trainer(logger, tmp_path, epochs=3, callbacks=[checkpoint])
    trainer.fit(Regressor(), _loader(), _loader())
    run = logger.experiment
    run.finish()
    # Lightning's folder: save_dir / project / run id / checkpoints
    assert Path(checkpoint.dirpath) == tmp_path / "pl" / run.id / "checkpoints"
    saved = sorted(p.name for p in (run.dir / "files" / "checkpoints").iterdir())
    # every checkpoint as it was written, also those top-k pruning deleted since
    assert saved == [
        "epoch=0-step=4.ckpt",
        "epoch=1-step=8.ckpt",
        "epoch=2-step=12.ckpt",
    ]
    best = Path(checkpoint.best_model_path).name
    assert api.run(f"pl/{run.id}").summary["best_checkpoint"] == f"checkpoints/{best}"


def test_log_model_true_saves_the_checkpoints_when_training_ends(
    tmp_path: Path,
) -> None:
    logger = RunfoldLogger(project="pl", save_dir=tmp_path, log_model=True)
    checkpoint = ModelCheckpoint(monitor="val_loss", save_top_k=1)
    trainer = _trainer(logger, tmp_path, epochs=3, callbacks=[checkpoint])
    trainer.fit(Regressor(), _loader(), _loader())
    run = logger.experiment
    run.finish()
    saved = [p.name for p in (run.dir / "files" / "checkpoints").iterdir()]
    assert saved == [Path(checkpoint.best_model_path).name]


def test_watch_delegates_to_run_watch(api: runfold.Api, tmp_path: Path) -> None:
    logger = RunfoldLogger(project="pl", save_dir=tmp_path)
    model = Regressor()
    logger.watch(model, log="all", log_freq=2)
    _trainer(logger, tmp_path, enable_checkpointing=False).fit(
        model, _loader(), _loader()
    )
    run = logger.experiment
    run.finish()
    stored = api.run(f"pl/{run.id}")
    assert [h["_step"] for h in stored.histograms("gradients/net.weight")] == [
        0,
        2,
        4,
        6,
    ]
    assert [h["_step"] for h in stored.histograms("parameters/net.bias")] == [
        0,
        2,
        4,
        6,
    ]


# The resumed training writes into the same checkpoint folder, as it should.
@pytest.mark.filterwarnings("ignore:Checkpoint directory .* exists and is not empty")
def test_resume_by_id_appends_to_the_run(api: runfold.Api, tmp_path: Path) -> None:
    first = RunfoldLogger(project="pl", save_dir=tmp_path)
    checkpoint = ModelCheckpoint(save_last=True)
    trainer = _trainer(first, tmp_path, epochs=1, callbacks=[checkpoint])
    trainer.fit(Regressor(), _loader(), _loader())
    run_id = first.version
    first.experiment.finish()
    again = RunfoldLogger(project="pl", id=run_id, save_dir=tmp_path)
    model = Regressor()
    trainer = _trainer(
        again, tmp_path, epochs=2, callbacks=[ModelCheckpoint(save_last=True)]
    )
    trainer.fit(model, _loader(), _loader(), ckpt_path=checkpoint.last_model_path)
    again.experiment.finish()
    assert [r.id for r in api.runs("pl")] == [run_id]
    rows = api.run(f"pl/{run_id}").history(keys=["train_loss"])
    assert [r["_step"] for r in rows] == list(range(8))
    assert [s for s, _ in model.losses] == [4, 5, 6, 7]


def test_only_rank_zero_records_unless_per_rank(
    api: runfold.Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rank_zero_only, "rank", 1)
    quiet = RunfoldLogger(project="pl", save_dir=tmp_path)
    quiet.log_hyperparams({"lr": 1})
    quiet.log_metrics({"loss": 1.0}, step=0)
    assert runfold.run is None
    with pytest.raises(ProjectNotFound):
        api.runs("pl")
    assert not isinstance(quiet.experiment, runfold.Run)  # Lightning's dummy

    monkeypatch.delenv("RUNFOLD_RUN_GROUP", raising=False)  # restored afterwards
    per_rank = RunfoldLogger(project="pl", save_dir=tmp_path, per_rank=True)
    group = per_rank.experiment.group
    assert group.startswith("lightning-")  # exported for the ranks it starts
    assert os.environ["RUNFOLD_RUN_GROUP"] == group
    per_rank.log_metrics({"loss": 1.0}, step=0)
    per_rank.experiment.finish()
    [stored] = api.runs("pl")
    assert (stored.name, stored.group) == ("rank1", group)
    assert stored.history(keys=["loss"])[0]["loss"] == 1.0


DDP_SCRIPT = """
import sys
import lightning.pytorch as pl
import torch
import runfold
from runfold.integration.lightning import RunfoldLogger

class Model(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(4, 1)

    def training_step(self, batch, index):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

x = torch.randn(32, 4)
data = torch.utils.data.TensorDataset(x, x[:, 0])
logger = RunfoldLogger(project="ddp", per_rank=sys.argv[1] == "per_rank")
trainer = pl.Trainer(
    max_epochs=1, accelerator="cpu", devices=2, strategy="ddp", logger=logger,
    log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False,
    enable_checkpointing=False,
)
trainer.fit(Model(), torch.utils.data.DataLoader(data, batch_size=4))
runfold.finish()
"""


def test_real_ddp_per_rank_runs_fold_into_one_group(
    api: runfold.Api, tmp_path: Path
) -> None:
    """Lightning's own DDP launcher re-runs the script as rank 1, which inherits
    the group rank 0's logger exported; each rank knows its rank when its run
    starts. (Without per_rank only rank 0 records: the same rank decides it, see
    test_only_rank_zero_records_unless_per_rank.)"""
    script = tmp_path / "train.py"
    script.write_text(DDP_SCRIPT)
    env = dict(os.environ)
    paths = env.get("PYTHONPATH", "").split(os.pathsep)  # ../src, a checkout
    env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
    proc = subprocess.run(
        [sys.executable, str(script), "per_rank"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = sorted(api.runs("ddp"), key=lambda r: r.name)
    # 32 samples over 2 ranks in batches of 4: 4 steps per rank
    assert [r.name for r in runs] == ["rank0", "rank1"]
    assert runs[0].group == runs[1].group and runs[0].group.startswith("lightning-")
    assert all(len(r.history(keys=["train_loss"])) == 4 for r in runs)


def test_media_calls_say_what_to_do_instead() -> None:
    logger = RunfoldLogger(project="pl")
    with pytest.raises(runfold.UsageError, match="no images yet"):
        logger.log_image("samples", images=[])
