"""watch(model): gradient and parameter histograms per layer, at the right steps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import runfold

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install torch)"
)


def _model() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    )


def _train(run: Any, model: Any, steps: int) -> list[dict[str, np.ndarray]]:
    """Train; return each step's gradients as NumPy arrays, for comparison."""
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    grads = []
    for _ in range(steps):
        x = torch.randn(16, 4)
        loss = (model(x) - 1.0).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        grads.append(
            {n: p.grad.detach().numpy().copy() for n, p in model.named_parameters()}
        )
        opt.step()
        run.log({"loss": loss.item()})
    return grads


LAYERS = ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_watch_logs_gradient_histograms_per_layer_every_log_freq(
    api: runfold.Api,
) -> None:
    run = runfold.init(project="watch")
    model = _model()
    runfold.watch(model, log="gradients", log_freq=3)
    grads = _train(run, model, 10)
    run.finish()
    stored = api.run(f"watch/{run.id}")
    for layer in LAYERS:
        hists = stored.histograms(f"gradients/{layer}")
        assert [h["_step"] for h in hists] == [0, 3, 6, 9]
        for hist in hists:
            grad = grads[hist["_step"]][layer].astype(np.float64)  # as Histogram bins
            counts, edges = np.histogram(grad, bins=64)
            assert hist["counts"] == counts.tolist() and hist["bins"] == edges.tolist()
    assert stored.histograms("parameters/0.weight") == []
    assert len(stored.history(keys=["loss"])) == 10


def test_watch_all_also_logs_parameters_and_unwatch_stops_it(api: runfold.Api) -> None:
    run = runfold.init(project="watch")
    model = _model()
    run.watch(model, log="all", log_freq=2)
    _train(run, model, 4)
    run.unwatch(model)
    _train(run, model, 4)
    run.finish()
    stored = api.run(f"watch/{run.id}")
    assert [h["_step"] for h in stored.histograms("parameters/2.weight")] == [0, 2]
    assert [h["_step"] for h in stored.histograms("gradients/2.bias")] == [0, 2]


def test_watch_rejects_what_it_cannot_watch() -> None:
    run = runfold.init(project="watch")
    with pytest.raises(runfold.UsageError, match="takes a torch.nn.Module, not list"):
        run.watch([[1, 2]])
    with pytest.raises(
        runfold.UsageError, match="use one of gradients, parameters, all"
    ):
        run.watch(_model(), log="weights")
