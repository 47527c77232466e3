"""``runfold import wandb``: W&B offline runs made by the real wandb package,
checked after import as a user would: runs, groups, config, every point,
summary, media pixels, grouped series; idempotent, dry, damaged, on a server."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import runfold

from . import sources
from .conftest import run_import


def _by_id(api: runfold.Api, project: str) -> dict[str, Any]:
    return {r.id: r for r in api.runs(project)}


def test_runs_keep_groups_fields_config_and_state(
    wandb_source: tuple[Path, Any], api: runfold.Api
) -> None:
    path, made = wandb_source
    result = run_import("wandb", str(path))
    assert "Imported 3 W&B runs" in result.output and "3 new" in result.output
    runs = _by_id(api, "wb-proj")
    assert set(runs) == set(made)
    for run_id, source in made.items():
        run = runs[run_id]
        seed = source["seed"]
        assert (run.name, run.group, run.job_type) == (
            source["name"],
            source["group"],
            "train",
        )
        assert {"cnn", f"s{seed}", "imported:wandb"} <= set(run.tags)
        assert run.notes == f"{source['group']} seed {seed}"
        assert run.config == {
            "lr": 0.01 * (seed + 1),
            "optimizer": {"name": "adam"},
            "seed": seed,
        }
        assert run.state == ("failed" if source["exit_code"] else "finished")
        assert run.exit_code == source["exit_code"]
        origin = run.metadata["imported_from"]
        assert (origin["source"], origin["id"]) == ("wandb", f"wb-proj/{run_id}")
        assert run.metadata["host"]["python"].count(".") == 2
    groups = {g.name: g.count for g in api.groups("wb-proj", by=["group"])}
    assert groups == {"exp1": 2, "exp2": 1}


def test_every_point_summary_and_media_match_the_source(
    wandb_source: tuple[Path, Any], api: runfold.Api, runfold_dir: Path
) -> None:
    path, made = wandb_source
    result = run_import("wandb", str(path))
    assert "values that are not numbers or media" in result.output
    for run_id, source in made.items():
        run = api.run(f"wb-proj/{run_id}")
        for key in ("loss", "acc"):
            got = [[row["_step"], row[key]] for row in run.history(keys=[key])]
            assert got == source["history"][key]
        assert [r["train/lr"] for r in run.history(keys=["train/lr"])] == [0.01] * 20
        assert run.summary["best_acc"] == 0.99
        assert run.summary["loss"] == source["history"]["loss"][-1][1]
        image = run.media("sample")[0]
        assert image.caption == f"seed {source['seed']}"
        assert np.array_equal(image.numpy(), np.array(source["pixels"], dtype=np.uint8))
        assert list(run.table("preds")["label"]) == ["cat", "dog"]
        assert run.histograms("weights")[0]["counts"] == [1.0, 2.0, 3.0]
        log = runfold_dir / "runs" / "wb-proj" / run_id / "output.log"
        assert f"hello from {source['group']}" in log.read_text()


def test_grouped_series_equal_numpy_over_the_source(
    wandb_source: tuple[Path, Any], api: runfold.Api
) -> None:
    path, made = wandb_source
    run_import("wandb", str(path))
    exp1 = [s for s in made.values() if s["group"] == "exp1"]
    values = np.array([[v for _, v in s["history"]["loss"]] for s in exp1])
    series = {e["name"]: e for e in api.group_series("wb-proj", "loss", by=["group"])}
    assert series["exp1"]["x"] == list(range(20))
    assert np.allclose(series["exp1"]["mean"], values.mean(axis=0), rtol=0, atol=1e-12)
    assert np.allclose(
        series["exp1"]["std"], values.std(axis=0, ddof=1), rtol=0, atol=1e-12
    )
    assert series["exp2"]["count"] == [1] * 20


def test_importing_again_adds_nothing(
    wandb_source: tuple[Path, Any], api: runfold.Api
) -> None:
    path, _ = wandb_source
    run_import("wandb", str(path))
    before = {r.id: (r._row.last_seq, len(r.history())) for r in api.runs("wb-proj")}
    again = run_import("wandb", str(path))
    assert "0 new, 0 updated, 3 unchanged; 0 points" in again.output
    api.close()
    fresh = runfold.Api()
    after = {r.id: (r._row.last_seq, len(r.history())) for r in fresh.runs("wb-proj")}
    fresh.close()
    assert after == before


def test_dry_run_writes_nothing(
    wandb_source: tuple[Path, Any], runfold_dir: Path
) -> None:
    path, _ = wandb_source
    result = run_import("wandb", str(path), "--dry-run")
    assert "Would import 3 W&B runs" in result.output and "3 new" in result.output
    assert "Dry run: nothing was written." in result.output
    assert (
        not (runfold_dir / "runs").exists()
        and not (runfold_dir / "runfold.db").exists()
    )


def test_project_option_puts_every_run_in_it(
    wandb_source: tuple[Path, Any], api: runfold.Api
) -> None:
    path, made = wandb_source
    run_import("wandb", str(path), "--project", "old-wandb")
    assert {r.id for r in api.runs("old-wandb")} == set(made)


def test_a_resumed_run_adds_only_its_new_steps(
    tmp_path: Path, api: runfold.Api
) -> None:
    sources.need("wandb")
    root = tmp_path / "grow"
    sources.grow_wandb(root, "grow0001", 0, 5)
    run_import("wandb", str(root / "wandb"))
    sources.grow_wandb(root, "grow0001", 5, 8)
    result = run_import("wandb", str(root / "wandb"))
    assert "0 new, 1 updated" in result.output and "; 3 points" in result.output
    run = api.run("grow/grow0001")
    assert [(r["_step"], r["loss"]) for r in run.history(keys=["loss"])] == [
        (s, 1.0 / (s + 1)) for s in range(8)
    ]


def test_damaged_logs_are_reported_and_the_rest_imported(
    wandb_source: tuple[Path, Any], tmp_path: Path, api: runfold.Api
) -> None:
    path, made = wandb_source
    copy = tmp_path / "wandb"
    shutil.copytree(path, copy)
    damaged = sorted(copy.glob("offline-run-*/*.wandb"))[0]
    data = bytearray(damaged.read_bytes())
    data[len(data) - 300 : len(data) - 280] = b"\xff" * 20
    damaged.write_bytes(bytes(data))
    junk = copy / "offline-run-20240101_000000-junk0001" / "run-junk0001.wandb"
    junk.parent.mkdir()
    junk.write_bytes(b"not a W&B log at all")
    result = run_import("wandb", str(copy), ok=False)
    assert result.exit_code == 1
    assert "is not a W&B transaction log" in result.output
    assert "1 of 4 runs could not be imported" in result.output
    assert "unreadable bytes" in result.output
    assert {r.id for r in api.runs("wb-proj")} == set(made)


def test_bad_paths_say_what_was_expected(tmp_path: Path) -> None:
    missing = run_import("wandb", str(tmp_path / "nope"), ok=False)
    assert missing.exit_code == 1
    assert "no such file or directory" in missing.output
    empty = run_import("wandb", str(tmp_path), ok=False)
    assert "No W&B runs at" in empty.output and "offline-run-*" in empty.output


def test_without_wandb_the_error_says_what_to_install(
    wandb_source: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = wandb_source
    monkeypatch.setitem(sys.modules, "wandb.proto", None)
    result = run_import("wandb", str(path), ok=False)
    assert result.exit_code == 1
    assert "pip install 'runfold[importers]'" in result.output


def test_import_into_a_server(wandb_source: tuple[Path, Any], live_server: Any) -> None:
    path, made = wandb_source
    result = run_import("wandb", str(path), "--base-url", live_server.url)
    assert f"into {live_server.url}" in result.output and "3 new" in result.output
    remote = runfold.Api(base_url=live_server.url)
    try:
        for run_id, source in made.items():
            run = remote.run(f"wb-proj/{run_id}")
            assert run.group == source["group"] and "imported:wandb" in run.tags
            got = [[r["_step"], r["loss"]] for r in run.history(keys=["loss"])]
            assert got == source["history"]["loss"]
            pixels = run.media("sample")[0].numpy()
            assert np.array_equal(pixels, np.array(source["pixels"], dtype=np.uint8))
    finally:
        remote.close()
    again = run_import("wandb", str(path), "--base-url", live_server.url)
    assert "0 new, 0 updated, 3 unchanged" in again.output
