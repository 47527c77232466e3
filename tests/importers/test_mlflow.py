"""``runfold import mlflow``: runs made with MLflow's real client in a SQLite
tracking store and a local mlruns/ folder, checked after import: params as
config, every metric point with its step and time, tags, the parent's group,
artifacts as files, logged images as media; idempotent, growing, damaged, on a
server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runfold

from . import sources
from .conftest import run_import

pytestmark = pytest.mark.filterwarnings(
    # MLflow's SQL store configures SQLAlchemy with a loader strategy that
    # SQLAlchemy 2 deprecates; nothing of Runfold's.
    "ignore:The ``noload`` loader strategy:DeprecationWarning",
)


def _imported(api: runfold.Api, project: str) -> dict[str, Any]:
    """Runs by their MLflow run id."""
    return {r.metadata["imported_from"]["id"]: r for r in api.runs(project)}


def test_runs_carry_params_metrics_tags_and_parent_group(
    mlflow_sqlite: tuple[str, Any], api: runfold.Api
) -> None:
    uri, made = mlflow_sqlite
    result = run_import("mlflow", "--tracking-uri", uri)
    assert "Imported 4 MLflow runs" in result.output
    assert "'cifar', 'mnist'" in result.output
    runs = _imported(api, "mnist")
    assert set(runs) == {made["parent"], *made["runs"]}
    assert runs[made["parent"]].name == "sweep-1" and runs[made["parent"]].group is None
    for i, (run_id, source) in enumerate(made["runs"].items()):
        run = runs[run_id]
        assert (run.name, run.group, run.notes) == (
            source["name"],
            "sweep-1",
            f"trial {i}",
        )
        assert {"team=vision", "sweep=s1", "imported:mlflow"} <= set(run.tags)
        assert run.config == {
            "lr": source["lr"],
            "batch_size": 64,
            "optimizer": "adam",
            "augment": True,
        }
        assert (
            run.state == {"FINISHED": "finished", "FAILED": "failed"}[source["status"]]
        )
        for key in ("loss", "acc"):
            got = [
                [r["_step"], r["_timestamp"], r[key]] for r in run.history(keys=[key])
            ]
            assert got == source["history"][key]
        assert run.summary["test_acc"] == 0.5 + i
        assert run.file(f"notes/readme-{i}.txt").read_bytes() == f"trial {i}".encode()
        image = run.media("samples/img")[0]
        assert image.step == 3
        assert np.array_equal(image.numpy(), np.array(source["pixels"], dtype=np.uint8))
    assert [r.name for r in api.runs("cifar")] == ["solo"]


def test_grouped_series_equal_numpy_over_the_source(
    mlflow_sqlite: tuple[str, Any], api: runfold.Api
) -> None:
    uri, made = mlflow_sqlite
    run_import("mlflow", "--tracking-uri", uri, "--experiment", "mnist")
    values = np.array(
        [[v for _, _, v in s["history"]["loss"]] for s in made["runs"].values()]
    )
    (entry,) = [e for e in api.group_series("mnist", "loss") if e["name"] == "sweep-1"]
    assert entry["x"] == list(range(10))
    assert np.allclose(entry["mean"], values.mean(axis=0), rtol=0, atol=1e-12)
    assert np.allclose(entry["std"], values.std(axis=0, ddof=1), rtol=0, atol=1e-12)


def test_experiment_and_group_tag_options(
    mlflow_sqlite: tuple[str, Any], api: runfold.Api
) -> None:
    uri, made = mlflow_sqlite
    result = run_import(
        "mlflow", "--tracking-uri", uri, "--experiment", "mnist", "--group-tag", "sweep",
        "--project", "tagged",
    )  # fmt: skip
    assert "Imported 3 MLflow runs" in result.output
    groups = {r.metadata["imported_from"]["id"]: r.group for r in api.runs("tagged")}
    assert groups == {made["parent"]: None, **{rid: "s1" for rid in made["runs"]}}
    unknown = run_import(
        "mlflow", "--tracking-uri", uri, "--experiment", "nope", ok=False
    )
    assert unknown.exit_code == 1
    assert (
        "No MLflow experiment 'nope'" in unknown.output and "'mnist'" in unknown.output
    )


def test_mlruns_folder_imports_once(
    mlflow_files: tuple[Path, Any], api: runfold.Api
) -> None:
    path, made = mlflow_files
    run_import("mlflow", "--tracking-uri", str(path))
    runs = _imported(api, "mnist")
    run_id, source = next(iter(made["runs"].items()))
    got = [[r["_step"], r["loss"]] for r in runs[run_id].history(keys=["loss"])]
    assert got == [[step, value] for step, _, value in source["history"]["loss"]]
    again = run_import("mlflow", "--tracking-uri", f"file://{path}")
    assert "0 new, 0 updated, 4 unchanged; 0 points" in again.output


def test_a_run_that_grew_adds_only_what_is_new(
    mlflow_files: tuple[Path, Any], tmp_path: Path, api: runfold.Api
) -> None:
    path, made = mlflow_files
    uri = str(tmp_path / "mlruns")
    shutil.copytree(path, uri)
    run_import("mlflow", "--tracking-uri", uri, "--experiment", "mnist")
    run_id = next(iter(made["runs"]))
    sources.grow_mlflow(tmp_path, uri, run_id)
    result = run_import("mlflow", "--tracking-uri", uri, "--experiment", "mnist")
    assert "0 new, 1 updated, 2 unchanged; 5 points" in result.output
    run = _imported(runfold.Api(), "mnist")[run_id]
    assert [r["_step"] for r in run.history(keys=["loss"])] == list(range(15))
    assert "team=robotics" in run.tags and "team=vision" not in run.tags
    assert run.config["late"] == 1


def test_a_damaged_run_is_reported_and_the_rest_imported(
    mlflow_files: tuple[Path, Any], tmp_path: Path, api: runfold.Api
) -> None:
    path, made = mlflow_files
    copy = tmp_path / "mlruns"
    shutil.copytree(path, copy)
    broken = next(iter(made["runs"]))
    (metric,) = copy.glob(f"*/{broken}/metrics/loss")
    metric.write_text("this is not a metric line\n")
    result = run_import("mlflow", "--tracking-uri", str(copy), ok=False)
    assert result.exit_code == 1
    assert "1 of 4 runs could not be imported" in result.output
    assert (
        f"Skipped {broken} (mlflow run {broken}): MLflow cannot read it"
        in result.output
    )
    assert broken not in _imported(api, "mnist") and len(api.runs("mnist")) == 2


def test_bad_tracking_uris_say_what_was_expected(tmp_path: Path) -> None:
    sources.need("mlflow")
    for uri in (str(tmp_path / "nope"), f"sqlite:///{tmp_path / 'nope.db'}"):
        result = run_import("mlflow", "--tracking-uri", uri, ok=False)
        assert result.exit_code == 1
        assert f"No MLflow tracking store at {uri!r}" in result.output
    assert not (tmp_path / "nope.db").exists()


def test_import_into_a_server(mlflow_sqlite: tuple[str, Any], live_server: Any) -> None:
    uri, made = mlflow_sqlite
    run_import("mlflow", "--tracking-uri", uri, "--base-url", live_server.url)
    remote = runfold.Api(base_url=live_server.url)
    try:
        runs = {r.metadata["imported_from"]["id"]: r for r in remote.runs("mnist")}
        for run_id, source in made["runs"].items():
            got = [[r["_step"], r["loss"]] for r in runs[run_id].history(keys=["loss"])]
            assert got == [[s, v] for s, _, v in source["history"]["loss"]]
            assert runs[run_id].group == "sweep-1"
            pixels = runs[run_id].media("samples/img")[0].numpy()
            assert np.array_equal(pixels, np.array(source["pixels"], dtype=np.uint8))
    finally:
        remote.close()
