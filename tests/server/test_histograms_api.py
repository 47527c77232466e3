"""A run's histograms over the API: the keys with their step counts, and one key
over steps with the bins and counts NumPy gives, sampled evenly past a cap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import runfold
from runfold.server.routes.runs import even_samples
from tests.conftest import LiveServer, sdk_environment

P = "hist"
STEPS = 30
BINS = 12


def _values(step: int) -> np.ndarray:
    return np.random.default_rng(step).normal(loc=step / 10, size=400)


def _seed() -> dict[str, str]:
    run = runfold.init(project=P, name="with-histograms", reinit=True)
    for step in range(STEPS):
        row: dict[str, Any] = {"loss": 1 / (step + 1)}
        row["weights/layer.0"] = runfold.Histogram(_values(step), num_bins=BINS)
        if step % 10 == 0:  # a second key at fewer steps
            counts, edges = np.histogram([1, 2, 2, 3, 3, 3], bins=3)
            row["grads"] = runfold.Histogram(np_histogram=(counts, edges))
        run.log(row, step=step)
    run.finish()
    plain = runfold.init(project=P, name="scalars-only", reinit=True)
    plain.log({"loss": 1.0})
    plain.finish()
    return {"hist": run.id, "plain": plain.id}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp("histograms")
    with pytest.MonkeyPatch.context() as mp:
        sdk_environment(mp, root)
        ids = _seed()
    live = LiveServer(root).start()
    live.ids = ids  # type: ignore[attr-defined]
    yield live
    live.stop()


def _get(server: LiveServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/projects/{P}{path}", params=params)


def test_keys_are_listed_with_their_step_counts(server: LiveServer) -> None:
    run_id = server.ids["hist"]  # type: ignore[attr-defined]
    response = _get(server, f"/runs/{run_id}/histograms")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "keys": [
            {"key": "grads", "steps": 3, "first_step": 0, "last_step": 20},
            {"key": "weights/layer.0", "steps": STEPS, "first_step": 0,
             "last_step": STEPS - 1},
        ]
    }  # fmt: skip


def test_a_run_without_histograms_lists_none(server: LiveServer) -> None:
    run_id = server.ids["plain"]  # type: ignore[attr-defined]
    assert _get(server, f"/runs/{run_id}/histograms").json() == {"keys": []}


def test_a_key_over_steps_has_numpy_bins_and_counts(server: LiveServer) -> None:
    run_id = server.ids["hist"]  # type: ignore[attr-defined]
    body = _get(server, f"/runs/{run_id}/histograms/weights/layer.0").json()
    assert body["key"] == "weights/layer.0"
    assert body["total"] == STEPS and body["sampled"] is False
    assert body["steps"] == list(range(STEPS))
    assert len(body["timestamps"]) == STEPS
    for step, bins, counts in zip(
        body["steps"], body["bins"], body["counts"], strict=True
    ):
        want_counts, want_edges = np.histogram(_values(step), bins=BINS)
        assert counts == want_counts.tolist()
        assert bins == want_edges.tolist()


def test_steps_past_the_cap_are_sampled_evenly_and_say_so(server: LiveServer) -> None:
    run_id = server.ids["hist"]  # type: ignore[attr-defined]
    body = _get(server, f"/runs/{run_id}/histograms/weights/layer.0", samples=7).json()
    assert body["total"] == STEPS and body["sampled"] is True and body["samples"] == 7
    assert body["steps"] == [0, 5, 10, 14, 19, 24, 29]
    assert len(body["bins"]) == len(body["counts"]) == 7
    want_counts, _ = np.histogram(_values(14), bins=BINS)
    assert body["counts"][3] == want_counts.tolist()


def test_even_samples_keeps_first_and_last() -> None:
    assert even_samples(5, 10) == [0, 1, 2, 3, 4]
    assert even_samples(100, 2) == [0, 99]
    picked = even_samples(1000, 200)
    assert len(picked) == 200 and picked[0] == 0 and picked[-1] == 999


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [("/runs/{run}/histograms/loss", 404, "has no histogram 'loss'"),
     ("/runs/{run}/histograms/nope", 404, "histograms"),
     ("/runs/missing1/histograms", 404, "missing1"),
     ("/runs/{run}/histograms/grads?samples=1", 400, "samples"),
     ("/runs/{run}/histograms?limit=3", 400, "limit")],
)  # fmt: skip
def test_bad_requests_say_what_to_do(
    server: LiveServer, path: str, status: int, needle: str
) -> None:
    run_id = server.ids["hist"]  # type: ignore[attr-defined]
    response = httpx.get(f"{server.url}/api/v1/projects/{P}" + path.format(run=run_id))
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and needle in body["error"]


def test_histogram_keys_are_not_offered_as_line_charts(server: LiveServer) -> None:
    metrics = httpx.get(f"{server.url}/api/v1/projects/{P}/metrics").json()["metrics"]
    assert "loss" in metrics
    assert "weights/layer.0" not in metrics and "grads" not in metrics
