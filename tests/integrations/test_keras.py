"""Keras 3 on the torch backend: WandbMetricsLogger and the legacy WandbCallback."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import runfold

pytest.importorskip(
    "torch",
    reason="the Keras tests run on Keras' torch backend; PyTorch is not installed "
    "(pip install torch)",
)
# Keras picks its backend once, at import: these tests use torch on the CPU.
os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip(
    "keras", reason="Keras is not installed (pip install keras)"
)
from runfold.integration.keras import WandbCallback, WandbMetricsLogger  # noqa: E402

# Keras' own variable-to-NumPy conversions on the torch backend warn under NumPy 2
# (model.save, get_weights); that is Keras', not Runfold's.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

BATCHES = 3  # 48 training samples in batches of 16


def _fit(callbacks: list[Any], epochs: int = 3, lr: Any = 0.1) -> Any:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(lr), loss="binary_crossentropy",
        metrics=["accuracy"],
    )  # fmt: skip
    history = model.fit(
        x, y, batch_size=16, epochs=epochs, validation_split=0.25, verbose=0,
        callbacks=callbacks,
    )  # fmt: skip
    return history.history


def test_metrics_logger_logs_each_epoch_as_keras_history(api: runfold.Api) -> None:
    run = runfold.init(project="keras")
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)
    history = _fit([WandbMetricsLogger(initial_global_step=10)], lr=schedule)
    run.finish()
    rows = api.run(f"keras/{run.id}").history()
    assert [r["epoch/epoch"] for r in rows] == [0, 1, 2]
    for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert [r[f"epoch/{metric}"] for r in rows] == pytest.approx(history[metric])
    # the schedule read at initial_global_step + the batches trained so far
    expected = [float(schedule(10 + BATCHES * (e + 1))) for e in range(3)]
    assert [r["epoch/learning_rate"] for r in rows] == pytest.approx(expected)


def test_metrics_logger_per_batch_logs_every_log_freq_batches(api: runfold.Api) -> None:
    run = runfold.init(project="keras")
    history = _fit([WandbMetricsLogger(log_freq=2)], epochs=2)
    run.finish()
    stored = api.run(f"keras/{run.id}")
    batches = stored.history(
        keys=["batch/loss", "batch/batch_step", "batch/learning_rate"]
    )
    # batches 0 and 2 of each epoch's three
    assert [r["batch/batch_step"] for r in batches] == [0, 2, 4, 6]
    assert [r["batch/learning_rate"] for r in batches] == pytest.approx([0.1] * 4)
    epochs = stored.history(keys=["epoch/loss"])
    assert [r["epoch/loss"] for r in epochs] == pytest.approx(history["loss"])
    # the last batch logged of an epoch (index 2) carries the epoch's mean loss
    assert batches[1]["batch/loss"] == pytest.approx(history["loss"][0])


def test_legacy_callback_keeps_the_best_epoch_and_saves_the_model(
    api: runfold.Api,
) -> None:
    run = runfold.init(project="keras")
    history = _fit([WandbCallback(monitor="val_loss", log_weights=True)], epochs=4)
    run.finish()
    stored = api.run(f"keras/{run.id}")
    rows = stored.history(keys=["epoch", "loss", "val_loss"])
    assert [r["epoch"] for r in rows] == [0, 1, 2, 3]
    assert [r["val_loss"] for r in rows] == pytest.approx(history["val_loss"])
    best = int(np.argmin(history["val_loss"]))
    assert stored.summary["best_val_loss"] == pytest.approx(history["val_loss"][best])
    assert stored.summary["best_epoch"] == best
    assert (run.dir / "files" / "model-best.keras").stat().st_size > 0
    weights = stored.histograms("parameters/hidden.weights")
    assert len(weights) == 4 and sum(weights[0]["counts"]) == 4 * 8
    assert sum(stored.histograms("parameters/out.bias")[0]["counts"]) == 1


def test_legacy_callback_max_mode_and_weights_only(api: runfold.Api) -> None:
    run = runfold.init(project="keras")
    callback = WandbCallback(
        monitor="val_accuracy", save_weights_only=True, log_best_prefix="top_"
    )
    history = _fit([callback], epochs=2)
    run.finish()
    summary = api.run(f"keras/{run.id}").summary
    assert summary["top_val_accuracy"] == pytest.approx(max(history["val_accuracy"]))
    assert (run.dir / "files" / "model-best.weights.h5").exists()


def test_legacy_options_runfold_does_not_do_are_refused() -> None:
    runfold.init(project="keras")
    with pytest.raises(runfold.UsageError, match=r"WandbCallback\(log_gradients=...\)"):
        WandbCallback(log_gradients=True, training_data=(None, None))
    with pytest.raises(runfold.UsageError, match="input_type"):
        WandbCallback(input_type="image")
    WandbCallback(validation_data=(None, None), labels=["a", "b"], save_graph=True)
    with pytest.raises(runfold.UsageError, match=r"unexpected arguments \['monitr'\]"):
        WandbCallback(monitr="val_acc")
    with pytest.raises(runfold.UsageError, match="log_freq='sometimes'"):
        WandbMetricsLogger(log_freq="sometimes")


def test_wandb_keras_import_path() -> None:
    import runfold.keras

    assert runfold.keras.WandbCallback is WandbCallback
    assert runfold.keras.WandbMetricsLogger is WandbMetricsLogger
    with pytest.raises(
        runfold.UsageError, match="WandbModelCheckpoint .* not in Runfold"
    ):
        from runfold.keras import WandbModelCheckpoint  # noqa: F401


def test_callbacks_need_a_run() -> None:
    with pytest.raises(
        runfold.UsageError, match=r"runfold.init\(\) before WandbMetricsLogger"
    ):
        WandbMetricsLogger()
