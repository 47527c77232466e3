"""``runfold import tensorboard``: event files written by PyTorch's
SummaryWriter (or tensorboardX), one run per directory, grouped by a pattern of
their path; scalars, histograms, images, text and hparams checked after import;
idempotent, growing, damaged, on a server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runfold

from . import sources
from .conftest import need_tensorboard_writer, run_import


def _runs(api: runfold.Api, project: str = "runs") -> dict[str, Any]:
    return {r.name: r for r in api.runs(project)}


def test_one_run_per_directory_grouped_by_its_parent(
    tensorboard_source: tuple[Path, Any], api: runfold.Api
) -> None:
    logdir, made = tensorboard_source
    result = run_import("tensorboard", str(logdir), "--group-by", "{parent}",
                        "--job-type-by", "{name}")  # fmt: skip
    assert "Imported 3 TensorBoard runs" in result.output
    runs = _runs(api)
    assert set(runs) == set(made["runs"])  # the hparams subfolders joined their run
    for name, source in made["runs"].items():
        run = runs[name]
        assert (run.group, run.job_type) == tuple(name.split("/"))
        assert "imported:tensorboard" in run.tags and run.state == "finished"
        assert run.config == {"lr": source["lr"], "opt": "adam", "bs": 32}
        assert run.metadata["imported_from"]["location"].endswith(name)


def test_scalars_histograms_images_and_text_match_the_source(
    tensorboard_source: tuple[Path, Any], api: runfold.Api
) -> None:
    logdir, made = tensorboard_source
    run_import("tensorboard", str(logdir))
    for name, source in made["runs"].items():
        run = _runs(api)[name]
        assert run.group is None
        for key, points in source["history"].items():
            assert [[r["_step"], r[key]] for r in run.history(keys=[key])] == points
        assert run.summary["hparam/final"] == pytest.approx(0.9)
        (hist,) = run.histograms("weights")
        assert hist["_step"] == 3 and sum(hist["counts"]) == 100
        assert hist["bins"][0] <= float(name.endswith("1")) < hist["bins"][1]
        image = run.media("sample")[0]
        assert image.step == 2
        assert np.array_equal(image.numpy(), np.array(source["pixels"], dtype=np.uint8))
        (text_key,) = [
            k["key"] for k in run.media_keys() if k["key"].startswith("notes")
        ]
        assert list(run.table(text_key)["text"]) == [f"run {name}"]


def test_grouped_series_equal_numpy_over_the_source(
    tensorboard_source: tuple[Path, Any], api: runfold.Api
) -> None:
    logdir, made = tensorboard_source
    run_import("tensorboard", str(logdir), "--group-by", "{0}", "--project", "tb")
    exp1 = [s for n, s in made["runs"].items() if n.startswith("exp1/")]
    values = np.array([[v for _, v in s["history"]["loss"]] for s in exp1])
    (entry,) = [e for e in api.group_series("tb", "loss") if e["name"] == "exp1"]
    assert entry["x"] == list(range(10))
    assert np.allclose(entry["mean"], values.mean(axis=0), rtol=0, atol=1e-12)
    assert np.allclose(entry["std"], values.std(axis=0, ddof=1), rtol=0, atol=1e-12)


def test_importing_again_adds_nothing_and_new_events_are_added(
    tmp_path: Path, api: runfold.Api
) -> None:
    need_tensorboard_writer()
    made = sources.make_tensorboard(tmp_path, 0, 10)
    logdir = str(tmp_path / "runs")
    run_import("tensorboard", logdir)
    again = run_import("tensorboard", logdir)
    assert "0 new, 0 updated, 3 unchanged; 0 points" in again.output
    more = sources.make_tensorboard(tmp_path, 10, 14)  # a writer resumed later
    grown = run_import("tensorboard", logdir)
    assert "0 new, 3 updated, 0 unchanged; 24 points" in grown.output
    runfold_api = runfold.Api()
    for name, source in made["runs"].items():
        run = _runs(runfold_api)[name]
        want = source["history"]["loss"] + more["runs"][name]["history"]["loss"]
        assert [[r["_step"], r["loss"]] for r in run.history(keys=["loss"])] == want
    runfold_api.close()


def test_dry_run_writes_nothing(
    tensorboard_source: tuple[Path, Any], runfold_dir: Path
) -> None:
    logdir, _ = tensorboard_source
    result = run_import("tensorboard", str(logdir), "--dry-run")
    assert "Would import 3 TensorBoard runs" in result.output
    assert not (runfold_dir / "runs").exists()


def test_a_cut_short_event_file_is_reported_and_the_rest_imported(
    tensorboard_source: tuple[Path, Any], tmp_path: Path, api: runfold.Api
) -> None:
    logdir, made = tensorboard_source
    copy = tmp_path / "runs"
    shutil.copytree(logdir, copy)
    events = sorted((copy / "exp1" / "seed0").glob("events.out.tfevents.*"))[0]
    data = events.read_bytes()
    events.write_bytes(data[: len(data) - 10])
    result = run_import("tensorboard", str(copy))
    assert "could not be read (a damaged or cut-short record)" in result.output
    runs = _runs(api)
    assert set(runs) == set(made["runs"])
    other = made["runs"]["exp2/seed0"]["history"]["loss"]
    assert [
        [r["_step"], r["loss"]] for r in runs["exp2/seed0"].history(keys=["loss"])
    ] == other


def test_bad_logdirs_and_patterns_say_what_was_expected(tmp_path: Path) -> None:
    sources.need("tensorboard")
    missing = run_import("tensorboard", str(tmp_path / "nope"), ok=False)
    assert missing.exit_code == 1 and "no such directory" in missing.output
    empty = run_import("tensorboard", str(tmp_path), ok=False)
    assert "No TensorBoard event files under" in empty.output
    (tmp_path / "events.out.tfevents.1.host").write_bytes(b"")
    pattern = run_import("tensorboard", str(tmp_path), "--group-by", "{seed}", ok=False)
    assert "--group-by '{seed}' names {seed}" in pattern.output


def test_import_into_a_server(
    tensorboard_source: tuple[Path, Any], live_server: Any
) -> None:
    logdir, made = tensorboard_source
    run_import("tensorboard", str(logdir), "--group-by", "{parent}", "--base-url",
               live_server.url)  # fmt: skip
    remote = runfold.Api(base_url=live_server.url)
    try:
        runs = {r.name: r for r in remote.runs("runs")}
        for name, source in made["runs"].items():
            got = [[r["_step"], r["loss"]] for r in runs[name].history(keys=["loss"])]
            assert got == source["history"]["loss"]
            assert runs[name].group == name.split("/")[0]
            pixels = runs[name].media("sample")[0].numpy()
            assert np.array_equal(pixels, np.array(source["pixels"], dtype=np.uint8))
    finally:
        remote.close()
