"""``runfold.watch(model)``: per-layer histograms of PyTorch gradients and parameters.

Batches are counted by the run's steps (one ``log`` call per batch, the usual
loop): a step that is a multiple of ``log_freq`` is a logging step. When the run
moves to one, the watcher logs the parameters' histograms (the values this batch
computes with) and puts a one-shot hook on each parameter, so the batch's backward
pass logs each gradient's histogram; the commit of the step takes the hooks off.
Other steps run with no hooks on the model at all: a forward hook alone takes every
module call off PyTorch's fast path and costs a small model about 7 % of its step
time. Histograms go into the row of the step being logged (``commit=False``).
PyTorch is imported by the model's own code, never by Runfold.

The run hands a watcher what it needs (its step, and how to add histograms to its
open row or take them out again), so this module does not import ``run.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import UsageError
from .histogram import Histogram

__all__ = ["Watcher", "LOG_CHOICES"]

LOG_CHOICES = ("gradients", "parameters", "all")


class Watcher:
    """Histograms of one model on logging steps; ``remove()`` stops it.

    ``add_to_row(row)`` puts histograms into the run's open row without committing
    it; ``withdraw(key)`` takes one out of the row again. ``step`` is the run's
    step now; the run calls ``on_step`` each time it moves on."""

    def __init__(
        self, model: Any, log: str, log_freq: int, num_bins: int, *, step: int,
        add_to_row: Callable[[dict[str, Any]], None],
        withdraw: Callable[[str], None],
    ) -> None:  # fmt: skip
        if log not in LOG_CHOICES:
            raise UsageError(
                f"watch(log={log!r}): use one of {', '.join(LOG_CHOICES)}."
            )
        if not hasattr(model, "named_parameters"):
            raise UsageError(
                f"watch() takes a torch.nn.Module, not {type(model).__name__}."
            )
        if int(log_freq) < 1:
            raise UsageError(f"watch(log_freq={log_freq!r}) must be at least 1.")
        self._add_to_row = add_to_row
        self._withdraw = withdraw
        self.model = model
        self.log = log
        self.log_freq = int(log_freq)
        self.num_bins = num_bins
        self._armed: set[str] = set()
        self._grad_handles: list[Any] = []
        self._uncommitted: list[str] = []  # keys in the open row, until its commit
        self.on_step(step)

    def on_step(self, step: int) -> None:
        """The run moved to ``step``: arm for it if it is a logging step."""
        self._drop_gradient_hooks()
        self._uncommitted = []
        if step % self.log_freq:
            return
        named = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        if self.log in ("parameters", "all"):
            row = {
                f"parameters/{n}": Histogram(p.detach(), num_bins=self.num_bins)
                for n, p in named
            }
            self._add_to_row(row)
            self._uncommitted = list(row)
        if self.log in ("gradients", "all"):
            self._armed = {n for n, _ in named}
            self._grad_handles = [
                p.register_hook(self._gradient_logger(n)) for n, p in named
            ]

    def _gradient_logger(self, name: str) -> Any:
        def on_grad(grad: Any) -> None:
            if name not in self._armed:  # once per step, even with accumulation
                return
            self._armed.discard(name)
            hist = Histogram(grad.detach(), num_bins=self.num_bins)
            self._add_to_row({f"gradients/{name}": hist})

        return on_grad

    def _drop_gradient_hooks(self) -> None:
        for handle in self._grad_handles:
            handle.remove()
        self._grad_handles = []
        self._armed = set()

    def remove(self) -> None:
        """Stop; histograms this step has not committed yet are withdrawn."""
        self._drop_gradient_hooks()
        for key in self._uncommitted:
            self._withdraw(key)
        self._uncommitted = []
