"""Keras 3 (any backend): ``WandbMetricsLogger`` and the legacy ``WandbCallback``,
the shapes of W&B's ``wandb.integration.keras`` and ``wandb.keras``.

    run = runfold.init(project="keras")
    model.fit(x, y, validation_split=0.2, epochs=10,
              callbacks=[WandbMetricsLogger(log_freq="batch")])

``WandbMetricsLogger(log_freq="epoch" | "batch" | n, initial_global_step=0)``
logs, as W&B does, one row per epoch with ``epoch/<metric>`` for every metric in
Keras' logs (``epoch/loss``, ``epoch/val_loss`` ...), ``epoch/epoch`` and
``epoch/learning_rate``; with ``log_freq="batch"`` (or every ``n`` batches) also
rows of ``batch/<metric>``, ``batch/batch_step`` and ``batch/learning_rate``. A
learning-rate schedule is read at ``initial_global_step`` plus the batches of
this ``fit``, so pass ``initial_global_step`` when resuming with
``initial_epoch``.

``WandbCallback(monitor="val_loss", mode="auto", save_model=True, ...)`` logs
``epoch`` and Keras' logs once per epoch (and every ``log_batch_frequency``
batches), keeps the best ``monitor`` value and its epoch in the summary as
``best_<monitor>`` and ``best_epoch`` (``log_best_prefix``), and with
``save_model`` writes the model whenever ``monitor`` improves, as the run's file
``model-best.keras`` (``model-best.weights.h5`` with ``save_weights_only``;
Keras 3 has no ``.h5`` whole-model format). ``log_weights=True`` adds
histograms ``parameters/<layer>.weights`` and ``.bias`` per epoch. What W&B's
legacy callback visualises (``log_gradients``, ``log_evaluation``,
``input_type``/``output_type``, ``generator``, ``compute_flops``) is refused with
a UsageError; ``save_graph`` is accepted and does nothing.

Neither overrides Keras' batch hooks unless it logs per batch, so an epoch-only
logger leaves Keras' fast paths (asynchronous batch callbacks) alone.
"""

from __future__ import annotations

import operator
import sys
import warnings
from collections.abc import Callable
from typing import Any

from ..errors import UsageError
from ..sdk.histogram import Histogram
from ..sdk.run import RunfoldWarning
from . import MissingFramework, current_run, missing, save_run_file

try:
    import keras
except ImportError as exc:
    raise missing(
        exc, integration="keras", framework="Keras 3", package="keras"
    ) from exc
if int(keras.__version__.split(".")[0]) < 3:
    raise MissingFramework(
        f"runfold.integration.keras needs Keras 3; Keras {keras.__version__} is "
        "installed. Upgrade with: pip install 'keras>=3'"
    )

__all__ = ["WandbMetricsLogger", "WandbCallback"]

BAD_LOG_FREQ = (
    "WandbMetricsLogger(log_freq={value!r}): use 'epoch', 'batch' or a positive "
    "number of batches."
)
UNSUPPORTED = (
    "WandbCallback({option}=...) is not supported by Runfold: W&B's legacy Keras "
    "callback uses it to visualise {what}. Drop the argument (metrics, the best "
    "{monitor!r} and the model are still recorded)."
)
# W&B's legacy options that Runfold refuses: option -> what W&B does with it.
_REFUSED = {
    "log_gradients": "gradients through a TensorFlow-only model copy",
    "log_evaluation": "predictions as tables",
    "log_evaluation_frequency": "predictions as tables",
    "input_type": "inputs as images",
    "output_type": "outputs as images",
    "generator": "validation examples",
    "compute_flops": "FLOPs through TensorFlow's profiler",
    "data_type": "inputs as images",
}
# W&B's legacy options that only feed those above: accepted and unused.
_UNUSED = {
    "training_data", "validation_data", "labels", "predictions", "validation_steps",
    "class_colors", "validation_indexes", "validation_row_processor",
    "prediction_row_processor", "infer_missing_processors",
}  # fmt: skip


def _learning_rate(optimizer: Any, step: int) -> float:
    """The optimizer's learning rate at ``step`` (a schedule is called with it).

    Keras variables and every backend's scalar tensors take ``float()`` directly;
    ``keras.ops.convert_to_numpy`` would warn on the torch backend with NumPy 2."""
    schedule = getattr(optimizer, "_learning_rate", None)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return float(schedule(step))
    return float(optimizer.learning_rate)


class _RunfoldKerasCallback(keras.callbacks.Callback):
    """What both callbacks share: the run, batches counted from the optimizer, the
    learning rate, and a batch hook installed only when it logs per batch."""

    def __init__(self, caller: str) -> None:
        super().__init__()
        current_run(caller)
        self._caller = caller
        self._initial_step = 0
        self._first_iteration: int | None = None
        self._lr_failed = False

    def _log_batches(self, hook: Callable[[int, Any], None]) -> None:
        # Keras skips (or dispatches asynchronously) a batch hook that a callback
        # leaves at its default; set one on this instance only when it is needed.
        self.on_train_batch_end = hook

    def _run(self) -> Any:
        return current_run(self._caller)

    def on_train_begin(self, logs: Any = None) -> None:
        self._first_iteration = self._iterations()

    def _iterations(self) -> int:
        return int(self.model.optimizer.iterations)

    def _global_step(self) -> int:
        """``initial_global_step`` plus the batches this ``fit`` has trained."""
        done = self._iterations() - (self._first_iteration or 0)
        return self._initial_step + done

    def _lr(self) -> float | None:
        if self._lr_failed or getattr(self.model, "optimizer", None) is None:
            return None
        try:
            return _learning_rate(self.model.optimizer, self._global_step())
        except Exception as exc:  # noqa: BLE001 - an odd optimizer: log the rest
            self._lr_failed = True
            warnings.warn(
                f"{self._caller}: could not read the learning rate ({exc}); "
                "it is not logged.",
                RunfoldWarning,
                stacklevel=2,
            )
            return None


class WandbMetricsLogger(_RunfoldKerasCallback):
    """Log Keras' metrics per epoch, per batch or every ``log_freq`` batches."""

    def __init__(
        self,
        log_freq: str | int = "epoch",
        initial_global_step: int = 0,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__("WandbMetricsLogger()")
        if log_freq == "batch":
            log_freq = 1
        if log_freq != "epoch" and not (
            isinstance(log_freq, int)
            and not isinstance(log_freq, bool)
            and log_freq > 0
        ):
            raise UsageError(BAD_LOG_FREQ.format(value=log_freq))
        self.log_freq = log_freq if isinstance(log_freq, int) else None
        self._initial_step = int(initial_global_step)
        self.global_batch = 0
        run = self._run()
        if self.log_freq is not None:
            run.define_metric("batch/batch_step")
            run.define_metric("batch/*", step_metric="batch/batch_step")
            self._log_batches(self._on_batch)
        run.define_metric("epoch/epoch")
        run.define_metric("epoch/*", step_metric="epoch/epoch")

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        row = {f"epoch/{k}": v for k, v in (logs or {}).items()}
        row["epoch/epoch"] = epoch
        lr = self._lr()
        if lr is not None:
            row["epoch/learning_rate"] = lr
        self._run().log(row)

    def _on_batch(self, batch: int, logs: Any = None) -> None:
        assert self.log_freq is not None
        if batch % self.log_freq:
            return
        row = {f"batch/{k}": v for k, v in (logs or {}).items()}
        row["batch/batch_step"] = self.global_batch
        lr = self._lr()
        if lr is not None:
            row["batch/learning_rate"] = lr
        self._run().log(row)
        self.global_batch += self.log_freq


class WandbCallback(_RunfoldKerasCallback):
    """W&B's legacy Keras callback: metrics per epoch, the best ``monitor`` value in
    the summary, the best model as a run file (see the module docstring)."""

    def __init__(
        self,
        monitor: str = "val_loss",
        verbose: int = 0,
        mode: str = "auto",
        save_weights_only: bool = False,
        log_weights: bool = False,
        save_model: bool = True,
        log_batch_frequency: int | None = None,
        log_best_prefix: str | None = "best_",
        save_graph: bool = True,
        **options: Any,
    ) -> None:
        super().__init__("WandbCallback()")
        _refuse(options, monitor)
        self.monitor = monitor
        self.verbose = verbose
        self.save_weights_only = save_weights_only
        self.log_weights = log_weights
        self.save_model = save_model
        self.log_batch_frequency = log_batch_frequency
        self.log_best_prefix = log_best_prefix
        self.save_graph = save_graph  # accepted; Runfold draws no model graph
        self.filename = (
            "model-best.weights.h5" if save_weights_only else "model-best.keras"
        )
        self.monitor_op, self.best = _direction(monitor, mode)
        previous = self._run().summary.get(f"{log_best_prefix or ''}{monitor}")
        if log_best_prefix and isinstance(previous, (int, float)):
            self.best = float(previous)  # a resumed run keeps its best so far
        if log_batch_frequency:
            self._log_batches(self._on_batch)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs = dict(logs or {})
        run = self._run()
        row: dict[str, Any] = {"epoch": epoch, **logs}
        if self.log_weights:
            row.update(_weight_histograms(self.model))
        run.log(row)
        current = logs.get(self.monitor)
        if current is None or not self.monitor_op(current, self.best):
            return
        if self.log_best_prefix:
            run.summary.update(
                {
                    f"{self.log_best_prefix}{self.monitor}": current,
                    f"{self.log_best_prefix}epoch": epoch,
                }
            )
        if self.save_model:
            self._save(run, epoch, current)
        self.best = current

    def _save(self, run: Any, epoch: int, current: float) -> None:
        if self.verbose > 0:
            print(
                f"Epoch {epoch:05d}: {self.monitor} improved from {self.best:.5f} to "
                f"{current:.5f}, saving the model as run file {self.filename}",
                file=sys.stderr,
            )
        model = self.model
        if self.save_weights_only:
            save_run_file(run, self.filename, lambda p: model.save_weights(str(p)))
        else:
            save_run_file(run, self.filename, lambda p: model.save(str(p)))

    def _on_batch(self, batch: int, logs: Any = None) -> None:
        assert self.log_batch_frequency
        if batch % self.log_batch_frequency == 0:
            self._run().log(dict(logs or {}))


def _refuse(options: dict[str, Any], monitor: str) -> None:
    """UsageError for a legacy option Runfold does not do, and for a name that is
    not W&B's; the data only those options use is accepted and unused."""
    unknown = sorted(set(options) - set(_REFUSED) - _UNUSED)
    if unknown:
        raise UsageError(
            f"WandbCallback() got unexpected arguments {unknown}; see "
            "help(runfold.keras.WandbCallback)."
        )
    for option, what in _REFUSED.items():
        if options.get(option):
            raise UsageError(
                UNSUPPORTED.format(option=option, what=what, monitor=monitor)
            )


def _direction(monitor: str, mode: str) -> tuple[Callable[[Any, Any], bool], float]:
    """(is-better comparison, starting best) for ``mode``; "auto" as Keras: max
    for accuracy-like metrics, min otherwise."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(
            f"WandbCallback(mode={mode!r}) is unknown; using 'auto'.",
            RunfoldWarning,
            stacklevel=3,
        )
        mode = "auto"
    if mode == "auto":
        is_max = "acc" in monitor or monitor.startswith("fmeasure")
        mode = "max" if is_max else "min"
    if mode == "max":
        return operator.gt, float("-inf")
    return operator.lt, float("inf")


def _weight_histograms(model: Any) -> dict[str, Histogram]:
    """W&B's names: ``parameters/<layer>.weights`` and ``parameters/<layer>.bias``
    (layers with one or two weights, as W&B). Read from the variables' backend
    tensors: ``layer.get_weights()`` warns on the torch backend with NumPy 2."""
    out = {}
    for layer in model.layers:
        weights = [w.value for w in layer.weights]
        if len(weights) in (1, 2):
            out[f"parameters/{layer.name}.weights"] = Histogram(weights[0])
        if len(weights) == 2:
            out[f"parameters/{layer.name}.bias"] = Histogram(weights[1])
    return out


def __getattr__(name: str) -> Any:
    """W&B's other Keras callbacks: a clear error, not a bare ImportError."""
    if name in ("WandbModelCheckpoint", "WandbEvalCallback"):
        raise UsageError(
            f"{name} (from wandb.keras) is not in Runfold yet. For checkpoints use "
            "keras.callbacks.ModelCheckpoint and keep the file with "
            "runfold.save(path); metrics come from WandbMetricsLogger."
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
