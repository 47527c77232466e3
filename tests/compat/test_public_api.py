"""W&B's public-API read side on a populated store: ``runs(path, filters,
order)`` with MongoDB filters, ``history``, ``scan_history``, ``summary``,
``config``, ``update()``, ``project`` and ``projects``; through ``runfold.Api``
(Runfold's names) and through ``wandb.Api`` in zero-change mode (W&B's)."""

from __future__ import annotations

import pytest

import runfold


@pytest.fixture
def populated(api: runfold.Api) -> runfold.Api:
    """Six runs in two groups of project "vision", one in "audio"."""
    for i in range(6):
        run = runfold.init(
            project="vision", name=f"run-{i}", group="cnn" if i < 3 else "vit",
            job_type="train", tags=["best"] if i == 4 else [],
            config={"lr": 0.01 * (i + 1), "optimizer": {"name": "adam" if i % 2 else "sgd"}},
        )  # fmt: skip
        for step in range(20):
            if step % 5 == 4:
                run.log({"val/acc": step / 100 + i / 10}, commit=False)
            run.log({"loss": (i + 1) / (step + 1)})
        run.finish()
    runfold.init(project="audio", name="a").finish()
    return api


def test_runs_filters_and_order(populated: runfold.Api) -> None:
    api = populated
    names = lambda runs: [r.name for r in runs]  # noqa: E731
    assert names(api.runs("vision", {"group": "cnn"}, order="-config.lr")) == [
        "run-2", "run-1", "run-0",
    ]  # fmt: skip
    assert names(api.runs("me/vision", {"config.lr": {"$gt": 0.045}}, "+name")) == [
        "run-4", "run-5",
    ]  # fmt: skip
    found = api.runs("vision", {"$or": [{"tags": "best"}, {"name": {"$regex": "-0$"}}]})
    assert sorted(names(found)) == ["run-0", "run-4"]
    assert len(api.runs("vision", {"$nor": [{"group": "cnn"}, {"tags": "best"}]})) == 2
    by_optimizer = api.runs("vision", {"config.optimizer.name": "adam"}, "summary.loss")
    assert names(by_optimizer) == ["run-1", "run-3", "run-5"]
    with pytest.raises(runfold.UsageError, match=r"\$regex"):
        api.runs("vision", {"name": {"$regex": "("}})


def test_history_scan_summary_config(populated: runfold.Api) -> None:
    [run] = populated.runs("vision", {"name": "run-1"})
    assert run.config == {"lr": 0.02, "optimizer": {"name": "adam"}}
    assert run.summary["loss"] == pytest.approx(2 / 20)
    assert run.summary["val/acc"] == pytest.approx(0.19 + 0.1)
    rows = run.history(keys=["val/acc"])
    assert [r["_step"] for r in rows] == [4, 9, 14, 19]
    assert len(run.history(samples=5)) == 5
    frame = run.history(keys=["loss"], pandas=True)
    assert list(frame["loss"])[:2] == [2.0, 1.0]
    scanned = list(run.scan_history(keys=["loss"], min_step=3, max_step=6))
    assert [r["_step"] for r in scanned] == [3, 4, 5]
    assert len(list(run.scan_history())) == 20


def test_update_and_projects(populated: runfold.Api) -> None:
    api = populated
    [run] = api.runs("vision", {"name": "run-0"})
    run.group, run.tags = "moved", ["checked"]
    run.config["lr"] = 0.5
    run.update()
    again = api.run(f"entity/vision/{run.id}")
    assert (again.group, again.tags, again.config["lr"]) == ("moved", ["checked"], 0.5)
    project = api.project("entity/vision")
    assert (project.name, project.entity, project.run_count) == ("vision", "entity", 6)
    assert len(project.runs({"group": "vit"})) == 3
    assert sorted(p.name for p in api.projects()) == ["audio", "vision"]
    with pytest.raises(runfold.errors.ProjectNotFound):
        api.project("nothing")


def test_wandb_api_in_zero_change_mode(
    populated: runfold.Api, zero_change: None
) -> None:
    import wandb

    api = wandb.Api(overrides={"entity": "me", "project": "vision"})
    [run] = api.runs(filters={"displayName": "run-1"})  # W&B: displayName is the name
    assert api.run(f"me/vision/{run.id}").id == run.id
    assert [r.name for r in api.runs(filters={"name": run.id})] == ["run-1"]
    assert (
        len(api.runs(filters={"jobType": "train", "config.lr.value": {"$lt": 0.025}}))
        == 2
    )
    assert len(api.runs(filters={"createdAt": {"$gt": "2000-01-01T00:00:00Z"}})) == 6
    ordered = api.runs("vision", order="-summary_metrics.loss")
    assert [r.name for r in ordered][:2] == ["run-5", "run-4"]
    frame = run.history(keys=["val/acc"])  # W&B's default: a DataFrame
    assert list(frame["_step"]) == [4, 9, 14, 19]
    assert len(run.history()) == 20 and len(run.history(samples=3)) == 3
    assert run.history(pandas=False)[0]["loss"] == 2.0
    assert [r["_step"] for r in run.scan_history(min_step=18)] == [18, 19]
    assert run.display_name == "run-1" and run.entity == "me"
    run.display_name = "renamed"
    run.update()
    assert api.runs(filters={"displayName": "renamed"})[0].id == run.id
    assert [p.name for p in api.projects()] == ["audio", "vision"]
    assert api.project("vision").run_count == 6
    assert api.groups("vision")  # runfold.Api's own calls are there too
    with pytest.raises(runfold.errors.NotSupported):
        run.history(stream="system")
