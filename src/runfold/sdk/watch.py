"""``runfold.watch(model)``: per-layer histograms of PyTorch gradients and parameters.

Cheap when not logging: one forward hook counts batches, and each parameter's
gradient hook returns after one set lookup. On every ``log_freq``-th batch the
forward hook logs the parameters' histograms and arms the gradient hooks, so that
batch's backward pass logs each gradient's histogram once. Histograms go into the run's current row (``commit=False``), at the
step the training loop is on. PyTorch is imported by the model's own code, never by
Runfold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .histogram import Histogram

if TYPE_CHECKING:
    from .run import Run

__all__ = ["Watcher", "LOG_CHOICES"]

LOG_CHOICES = ("gradients", "parameters", "all")


class Watcher:
    """The hooks on one model; ``remove()`` takes them all off."""

    def __init__(
        self, run: Run, model: Any, log: str, log_freq: int, num_bins: int
    ) -> None:
        if log not in LOG_CHOICES:
            raise UsageError(
                f"watch(log={log!r}): use one of {', '.join(LOG_CHOICES)}."
            )
        if not hasattr(model, "register_forward_hook"):
            raise UsageError(
                f"watch() takes a torch.nn.Module, not {type(model).__name__}."
            )
        if int(log_freq) < 1:
            raise UsageError(f"watch(log_freq={log_freq!r}) must be at least 1.")
        self.run = run
        self.model = model
        self.log = log
        self.log_freq = int(log_freq)
        self.num_bins = num_bins
        self.batches = 0
        self._armed: set[str] = set()
        self._handles = [model.register_forward_hook(self._on_forward)]
        if log in ("gradients", "all"):
            for name, param in self._named():
                self._handles.append(param.register_hook(self._gradient_logger(name)))

    def _on_forward(self, module: Any, inputs: Any, output: Any) -> None:
        self.batches += 1
        if (self.batches - 1) % self.log_freq:
            return
        if self.log in ("parameters", "all"):
            self._log_parameters()
        if self.log in ("gradients", "all") and module.training:
            self._armed = {name for name, _ in self._named()}

    def _named(self) -> list[tuple[str, Any]]:
        return [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]

    def _log_parameters(self) -> None:
        row = {
            f"parameters/{name}": Histogram(p.detach(), num_bins=self.num_bins)
            for name, p in self._named()
        }
        self.run.log(row, commit=False)

    def _gradient_logger(self, name: str) -> Any:
        def on_grad(grad: Any) -> None:
            if name not in self._armed:
                return
            self._armed.discard(name)
            hist = Histogram(grad.detach(), num_bins=self.num_bins)
            self.run.log({f"gradients/{name}": hist}, commit=False)

        return on_grad

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._armed = set()
