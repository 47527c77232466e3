"""Real frameworks' own W&B code, unchanged, in zero-change mode: transformers'
``Trainer(report_to="wandb")``, Lightning's ``WandbLogger``, and W&B's Keras,
XGBoost, LightGBM and scikit-learn integrations by their ``wandb.*`` paths.
Each runs in a fresh interpreter (``python -m runfold.compat``) on CPU with tiny
random data, and the test checks the config, history and summary recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

import runfold

from .conftest import needs, run_as_wandb


def test_transformers_trainer_report_to_wandb(tmp_path: Path, api: runfold.Api) -> None:
    needs("torch", "transformers", "accelerate")
    run_as_wandb(
        """
        import torch, transformers

        torch.manual_seed(0)
        config = transformers.BertConfig(
            vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
            intermediate_size=32, max_position_embeddings=16, num_labels=2,
        )
        model = transformers.BertForSequenceClassification(config)
        data = [{"input_ids": torch.randint(0, 50, (8,)), "labels": torch.tensor(i % 2)}
                for i in range(32)]
        args = transformers.TrainingArguments(
            output_dir="out", run_name="tiny-bert", num_train_epochs=1,
            per_device_train_batch_size=8, learning_rate=1e-3, logging_steps=1,
            eval_strategy="steps", eval_steps=2, save_strategy="no",
            report_to="wandb", use_cpu=True, disable_tqdm=True,
        )
        trainer = transformers.Trainer(model=model, args=args, train_dataset=data,
                                       eval_dataset=data[:8])
        trainer.train()
        """,
        tmp_path, env={"WANDB_PROJECT": "hf-zero-change"},
    )  # fmt: skip
    [run] = api.runs("hf-zero-change")
    assert run.name == "tiny-bert" and run.state == "finished"
    assert run.config["hidden_size"] == 16 and run.config["learning_rate"] == 1e-3
    assert run.config["model_type"] == "bert" and run.config["report_to"] == ["wandb"]
    assert run.config["model/num_parameters"] > 0
    train = run.history(keys=["train/loss", "train/global_step", "train/learning_rate"])
    assert [r["train/global_step"] for r in train] == [1, 2, 3, 4]
    assert all(0.5 < r["train/loss"] < 0.9 for r in train)
    assert [r["train/learning_rate"] for r in train][0] == pytest.approx(1e-3)
    evals = run.history(keys=["eval/loss", "train/global_step"])
    assert [r["train/global_step"] for r in evals] == [2, 4]
    for key in ("train_runtime", "train_loss", "total_flos"):
        assert run.summary[key] > 0  # W&B's one-off figures: summary, not history
    assert "train_runtime" not in {k for r in run.history() for k in r}


def test_lightning_wandb_logger(tmp_path: Path, api: runfold.Api) -> None:
    needs("torch", "lightning")
    run_as_wandb(
        """
        import lightning.pytorch as pl
        import torch
        from lightning.pytorch.loggers import WandbLogger

        class Regressor(pl.LightningModule):
            def __init__(self, lr=0.05, hidden=4):
                super().__init__()
                self.save_hyperparameters()
                self.net = torch.nn.Linear(4, 1)

            def training_step(self, batch, index):
                x, y = batch
                loss = torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y)
                self.log("train_loss", loss)
                return loss

            def validation_step(self, batch, index):
                x, y = batch
                self.log("val_loss", torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y))

            def configure_optimizers(self):
                return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

        torch.manual_seed(0)
        x = torch.randn(64, 4)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x[:, 0]),
                                             batch_size=16)
        logger = WandbLogger(project="pl-zero-change", group="exp-1", log_model=True)
        trainer = pl.Trainer(max_epochs=2, logger=logger, log_every_n_steps=1,
                             accelerator="cpu", enable_progress_bar=False,
                             enable_model_summary=False)
        trainer.fit(Regressor(), loader, loader)
        assert logger.experiment.project == "pl-zero-change"
        """,
        tmp_path,
    )  # fmt: skip
    [run] = api.runs("pl-zero-change")
    assert run.group == "exp-1" and run.state == "finished"
    assert run.config == {"lr": 0.05, "hidden": 4}
    train = run.history(keys=["train_loss", "trainer/global_step"])
    assert [r["trainer/global_step"] for r in train] == list(range(8))
    val = run.history(keys=["val_loss", "trainer/global_step"])
    assert [r["trainer/global_step"] for r in val] == [3, 7]
    assert run.summary["epoch"] == 1 and run.summary["val_loss"] == val[-1]["val_loss"]
    assert not (tmp_path / "runfold.db").exists()  # save_dir "." is not a store
    # log_model=True: Lightning logs its checkpoint as a W&B model artifact
    assert [a.type for a in run.logged_artifacts()] == ["model"]


def test_keras_callbacks_from_wandb_integration_keras(
    tmp_path: Path, api: runfold.Api
) -> None:
    needs("keras", "torch")
    run_as_wandb(
        """
        import keras, numpy as np, wandb
        from wandb.integration.keras import WandbMetricsLogger

        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 4)).astype("float32")
        y = (x[:, 0] > 0).astype("float32")
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        wandb.init(project="keras-zero-change", config={"epochs": 3})
        model.fit(x, y, epochs=wandb.config.epochs, batch_size=16, verbose=0,
                  callbacks=[WandbMetricsLogger()])
        wandb.finish()
        """,
        tmp_path, env={"KERAS_BACKEND": "torch"},
    )  # fmt: skip
    [run] = api.runs("keras-zero-change")
    rows = run.history(keys=["epoch/loss", "epoch/epoch"])
    assert [r["epoch/epoch"] for r in rows] == [0, 1, 2]
    assert run.config == {"epochs": 3}


def test_xgboost_and_lightgbm_by_their_wandb_paths(
    tmp_path: Path, api: runfold.Api
) -> None:
    needs("xgboost", "lightgbm")
    run_as_wandb(
        """
        import lightgbm as lgb, numpy as np, wandb, xgboost as xgb
        from wandb.lightgbm import log_summary, wandb_callback
        from wandb.xgboost import WandbCallback

        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(200, 4)), rng.normal(size=200)
        wandb.init(project="boost-zero-change", name="xgb")
        xgb.train({"max_depth": 2, "eval_metric": "rmse"}, xgb.DMatrix(x[:150], y[:150]),
                  num_boost_round=5, evals=[(xgb.DMatrix(x[150:], y[150:]), "valid")],
                  callbacks=[WandbCallback()], verbose_eval=False)
        wandb.finish()
        wandb.init(project="boost-zero-change", name="lgb")
        train = lgb.Dataset(x[:150], y[:150])
        booster = lgb.train({"objective": "regression", "metric": "l2", "verbose": -1},
                            train, num_boost_round=5,
                            valid_sets=[lgb.Dataset(x[150:], y[150:], reference=train)],
                            valid_names=["valid"], callbacks=[wandb_callback()])
        log_summary(booster)
        wandb.finish()
        """,
        tmp_path,
    )  # fmt: skip
    runs = {r.name: r for r in api.runs("boost-zero-change")}
    assert len(runs["xgb"].history(keys=["valid-rmse"])) == 5
    assert runs["xgb"].config["learner"]["objective"]["name"] == "reg:squarederror"
    assert len(runs["lgb"].history(keys=["valid_l2"])) == 5
    assert runs["lgb"].config["objective"] == "regression"
    assert set(runs["lgb"].summary["feature_importance"]) == {
        "Column_0", "Column_1", "Column_2", "Column_3",
    }  # fmt: skip


def test_wandb_sklearn_plots(tmp_path: Path, api: runfold.Api) -> None:
    needs("sklearn")
    run_as_wandb(
        """
        import numpy as np, wandb
        from sklearn.linear_model import LogisticRegression

        rng = np.random.default_rng(0)
        x = rng.normal(size=(120, 3))
        y = (x[:, 0] > 0).astype(int)
        wandb.init(project="sklearn-zero-change")
        model = LogisticRegression().fit(x[:80], y[:80])
        wandb.sklearn.plot_confusion_matrix(y[80:], model.predict(x[80:]), ["no", "yes"])
        wandb.log({"accuracy": model.score(x[80:], y[80:])})
        wandb.finish()
        """,
        tmp_path,
    )  # fmt: skip
    [run] = api.runs("sklearn-zero-change")
    assert 0.8 < run.summary["accuracy"] <= 1.0
    assert [m["key"] for m in run.media_keys()] == ["confusion_matrix"]
