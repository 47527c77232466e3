"""Watcher's bookkeeping with a stand-in for a PyTorch model, so it is tested where
PyTorch is not installed (test_watch.py trains a real model where it is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import runfold
from runfold.sdk.watch import Watcher


class _Param:
    """What Watcher uses of a torch parameter: detach(), register_hook()."""

    requires_grad = True

    def __init__(self) -> None:
        self.hooks: list[Callable[[Any], None]] = []

    def detach(self) -> np.ndarray:
        return np.arange(4.0)

    def register_hook(self, hook: Callable[[Any], None]) -> Any:
        self.hooks.append(hook)
        param = self

        class Handle:
            def remove(self) -> None:
                param.hooks.remove(hook)

        return Handle()

    def backward(self) -> None:
        for hook in list(self.hooks):
            hook(self)


class _Model:
    def __init__(self) -> None:
        self.params = {"w": _Param(), "b": _Param()}

    def named_parameters(self) -> list[tuple[str, _Param]]:
        return list(self.params.items())

    def backward(self) -> None:
        for param in self.params.values():
            param.backward()


def test_watcher_adds_histograms_on_logging_steps_and_withdraws_them() -> None:
    rows: list[list[str]] = []
    withdrawn: list[str] = []
    model = _Model()
    watcher = Watcher(
        model, "all", 2, 8, step=0,
        add_to_row=lambda row: rows.append(sorted(row)),
        withdraw=withdrawn.append,
    )  # fmt: skip
    assert rows == [["parameters/b", "parameters/w"]]
    model.backward()
    model.backward()  # gradient accumulation: each gradient goes once per step
    assert rows[1:] == [["gradients/w"], ["gradients/b"]]
    watcher.on_step(1)  # not a logging step: no hooks left on the model
    assert all(not p.hooks for p in model.params.values()) and len(rows) == 3
    watcher.on_step(2)
    watcher.remove()  # the open row's histograms are taken out again
    assert withdrawn == ["parameters/w", "parameters/b"]
    assert all(not p.hooks for p in model.params.values())


def test_run_watch_puts_histograms_in_the_logged_rows(api: runfold.Api) -> None:
    run = runfold.init(project="watch")
    model = _Model()
    run.watch(model, log="parameters", log_freq=2)
    for step in range(5):
        if step == 4:
            run.unwatch(model)  # withdraws step 4's parameters before the commit
        run.log({"loss": float(step)})
    run.finish()
    stored = api.run(f"watch/{run.id}").histograms("parameters/w")
    assert [h["_step"] for h in stored] == [0, 2]
