"""``runfold.Api``: runs, group rows and grouped series as a notebook reads them."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest

import runfold


def ingest_run(
    api: runfold.Api,
    run_id: str,
    *,
    project: str = "p",
    group: str | None = "g",
    job_type: str | None = None,
    config: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    state: str | None = "finished",
    heartbeat_at: float | None = None,
    created_at: float = 1000.0,
) -> None:
    """A run as the SDK would leave it; ``state=None`` leaves it running."""
    bodies: list[tuple[str, Any]] = [
        ("run", {"name": run_id, "group": group, "job_type": job_type,
                 "created_at": created_at}),
        ("config", config or {}),
    ]  # fmt: skip
    if summary:
        bodies.append(("summary", summary))
    if state is not None:
        exit_code = 0 if state == "finished" else 1
        bodies.append(("finish", {"state": state, "exit_code": exit_code, "at": 2e9}))
    # Sequence numbers run on without gaps, as the SDK's writer numbers them.
    records = [(seq, kind, body) for seq, (kind, body) in enumerate(bodies, start=1)]
    api.store.ingest(project, run_id, records, heartbeat_at=heartbeat_at)


def log_run(project: str, group: str, values: list[float], **init: Any) -> str:
    run = runfold.init(project=project, group=group, reinit=True, **init)
    for value in values:
        run.log({"loss": value})
    run.finish()
    return run.id


# ---- groups -----------------------------------------------------------------


def test_groups_count_runs_and_roll_up_state(api: runfold.Api) -> None:
    stale = time.time() - 3600  # a heartbeat this old means the process is gone
    ingest_run(api, "m-run", group="mix", state=None)
    ingest_run(api, "m-crash", group="mix", state=None, heartbeat_at=stale)
    ingest_run(api, "m-fail", group="mix", state="failed")
    ingest_run(api, "m-ok", group="mix")
    ingest_run(api, "c-crash", group="crashy", state=None, heartbeat_at=stale)
    ingest_run(api, "c-fail", group="crashy", state="failed")
    ingest_run(api, "c-ok", group="crashy")
    ingest_run(api, "f-fail", group="failing", state="failed")
    ingest_run(api, "f-ok", group="failing")
    ingest_run(api, "ok-1", group="fine")
    ingest_run(api, "ok-2", group="fine")

    groups = {g.name: g for g in api.groups("p")}

    assert {n: (g.count, g.state) for n, g in groups.items()} == {
        "crashy": (3, "crashed"),
        "failing": (2, "failed"),
        "fine": (2, "finished"),
        "mix": (4, "running"),
    }
    assert groups["mix"].states == {
        "running": 1,
        "crashed": 1,
        "failed": 1,
        "finished": 1,
    }
    assert groups["fine"].states == {"finished": 2}
    assert sorted(r.id for r in groups["failing"].runs) == ["f-fail", "f-ok"]


def test_groups_show_shared_config_or_mixed(api: runfold.Api) -> None:
    ingest_run(
        api, "r1", config={"lr": 0.1, "seed": 0, "opt": {"name": "adam"}, "x": 1}
    )
    ingest_run(api, "r2", config={"lr": 0.1, "seed": 1, "opt": {"name": "adam"}})

    (group,) = api.groups("p")

    assert group.config == {
        "lr": 0.1,
        "opt": {"name": "adam"},
        "seed": "mixed",
        "x": "mixed",  # one run lacks it
    }


def test_groups_aggregate_summary_with_mean_min_max_and_sample_std(
    api: runfold.Api,
) -> None:
    finals = {"a": [3.0, 1.0, 2.0], "b": [5.0]}
    for group, values in finals.items():
        for value in values:
            log_run("p", group, [10.0, value])  # summary = the last value

    groups = {g.name: g for g in api.groups("p")}

    a = groups["a"].summary["loss"]
    assert a["mean"] == pytest.approx(2.0)
    assert (a["min"], a["max"], a["median"], a["count"]) == (1.0, 3.0, 2.0, 3)
    assert a["std"] == pytest.approx(float(np.std([3.0, 1.0, 2.0], ddof=1)))
    assert a["stderr"] == pytest.approx(1 / math.sqrt(3))
    b = groups["b"].summary["loss"]
    assert (b["mean"], b["count"], b["std"], b["stderr"]) == (5.0, 1, None, None)


def test_groups_summary_skips_non_numbers_and_nan(api: runfold.Api) -> None:
    ingest_run(api, "r1", summary={"acc": 0.5, "note": "ok", "flag": True})
    ingest_run(api, "r2", summary={"acc": float("nan")})
    ingest_run(api, "r3", summary={"acc": 1.0})

    (group,) = api.groups("p")

    assert set(group.summary) == {"acc"}
    assert group.summary["acc"]["count"] == 2
    assert group.summary["acc"]["mean"] == 0.75


def test_groups_by_group_then_job_type(api: runfold.Api) -> None:
    ingest_run(api, "t1", group="exp", job_type="train")
    ingest_run(api, "t2", group="exp", job_type="train")
    ingest_run(api, "e1", group="exp", job_type="eval")
    ingest_run(api, "solo", group=None, job_type=None)

    groups = api.groups("p", by=["group", "job_type"])

    assert [(g.key, g.name, g.count) for g in groups] == [
        (("exp", "eval"), "exp / eval", 1),
        (("exp", "train"), "exp / train", 2),
        ((None, None), "(none) / (none)", 1),
    ]


def test_groups_apply_filters_first(api: runfold.Api) -> None:
    ingest_run(api, "r1", config={"lr": 0.1})
    ingest_run(api, "r2", config={"lr": 0.01})

    (group,) = api.groups("p", filters={"config.lr": {"$gt": 0.05}})

    assert [r.id for r in group.runs] == ["r1"]


def test_groups_raise_project_not_found(api: runfold.Api) -> None:
    with pytest.raises(runfold.errors.ProjectNotFound, match="'nope'"):
        api.groups("nope")


# ---- runs -------------------------------------------------------------------


def test_runs_filter_by_group_config_and_tags(api: runfold.Api) -> None:
    log_run("p", "exp_1", [1.0], config={"lr": 0.1}, tags=["a"])
    log_run("p", "exp_1", [2.0], config={"lr": 0.001}, tags=["a", "b"])
    log_run("p", "exp_2", [3.0], config={"lr": 0.1})

    def summaries(filters: dict[str, Any]) -> list[float]:
        return sorted(r.summary["loss"] for r in api.runs("p", filters=filters))

    assert summaries({"group": "exp_1", "config.lr": {"$gt": 0.01}}) == [1.0]
    assert summaries({"tags": "b"}) == [2.0]
    assert summaries({"tags": {"$in": ["a", "zzz"]}}) == [1.0, 2.0]
    assert summaries({"summary_metrics.loss": {"$gte": 2}}) == [2.0, 3.0]
    assert summaries({"$or": [{"group": "exp_2"}, {"tags": "b"}]}) == [2.0, 3.0]
    assert summaries({}) == [1.0, 2.0, 3.0]


def test_runs_accept_entity_slash_project_and_order(api: runfold.Api) -> None:
    ingest_run(api, "r1", summary={"acc": 0.2})
    ingest_run(api, "r2", summary={"acc": 0.9})
    ingest_run(api, "r3")

    assert [r.id for r in api.runs("me/p", order="-summary.acc")] == ["r2", "r1", "r3"]
    assert [r.id for r in api.runs("p", order="summary.acc")] == ["r1", "r2", "r3"]


def test_runs_reject_unknown_filter_operator(api: runfold.Api) -> None:
    ingest_run(api, "r1")

    with pytest.raises(runfold.UsageError, match=r"'\$gtt'.*\$gte"):
        api.runs("p", filters={"config.lr": {"$gtt": 1}})


# ---- group_series -----------------------------------------------------------


def test_group_series_by_config_key_folds_seeds(api: runfold.Api) -> None:
    curves = {0.1: [[1.0, 0.5], [3.0, 1.5]], 0.01: [[2.0, 2.0, 2.0]]}
    for lr, runs in curves.items():
        for seed, values in enumerate(runs):
            run = runfold.init(
                project="p", config={"lr": lr, "seed": seed}, reinit=True
            )
            for value in values:
                run.log({"loss": value})
            run.finish()

    entries = api.group_series("p", "loss", by=["config.lr"])

    assert [(e["key"], e["name"], e["runs"]) for e in entries] == [
        ((0.01,), "0.01", 1),
        ((0.1,), "0.1", 2),
    ]
    lr01 = entries[1]
    assert lr01["x"] == [0, 1]
    assert lr01["mean"] == [2.0, 1.0]
    assert lr01["std"] == pytest.approx([math.sqrt(2), math.sqrt(0.5)])
    assert lr01["count"] == [2, 2]
    assert entries[0]["std"] == [None, None, None]
    lists = (
        "x",
        "x_lo",
        "x_hi",
        "mean",
        "median",
        "min",
        "max",
        "std",
        "stderr",
        "count",
    )
    assert all(len(entries[0][k]) == 3 for k in lists)


def test_group_series_honours_filters(api: runfold.Api) -> None:
    log_run("p", "g", [1.0], config={"keep": True})
    log_run("p", "g", [3.0], config={"keep": False})

    (entry,) = api.group_series("p", "loss", filters={"config.keep": True})

    assert entry["runs"] == 1
    assert entry["mean"] == [1.0]


def test_runs_order_puts_numbers_in_order_and_missing_or_nan_last(
    api: runfold.Api,
) -> None:
    for value in (3.0, float("nan"), 1.0, None, 2.0):
        run = runfold.init(project="o", reinit=True)
        if value is not None:
            run.summary["score"] = value
        run.finish()

    def scores(order: str) -> list[Any]:
        return [r.summary.get("score") for r in api.runs("o", order=order)]

    asc, desc = scores("summary.score"), scores("-summary.score")
    assert asc[:3] == [1.0, 2.0, 3.0] and desc[:3] == [3.0, 2.0, 1.0]
    assert all(v is None or math.isnan(v) for v in asc[3:] + desc[3:])


def test_runs_order_with_text_and_numbers_does_not_fail(api: runfold.Api) -> None:
    for value in ("b", 2, "a", 1):
        runfold.init(project="t", config={"k": value}, reinit=True).finish()
    assert [r.config["k"] for r in api.runs("t", order="config.k")] == [1, 2, "a", "b"]


def test_shared_config_counts_nan_as_shared_and_true_apart_from_one(
    api: runfold.Api,
) -> None:
    for flag in (True, 1):
        runfold.init(project="s", group="g", config={"nan": float("nan"), "flag": flag},
                     reinit=True).finish()  # fmt: skip
    (group,) = api.groups("s")
    assert math.isnan(group.config["nan"]) and group.config["flag"] == "mixed"


def _group_view(groups: list[runfold.api.Group]) -> list[tuple]:
    return [(g.name, g.count, g.state, g.summary["acc"]["mean"]) for g in groups]


def test_group_rows_equal_groups_and_follow_every_change(api: runfold.Api) -> None:
    ingest_run(api, "k1", group="a", summary={"acc": 0.5})
    ingest_run(api, "k2", group="a", summary={"acc": 0.7})
    ingest_run(api, "k3", group="b", summary={"acc": 0.9}, state=None)
    first = api.group_rows("p", by=["group"])
    assert _group_view(first) == _group_view(api.groups("p", by=["group"]))
    assert _group_view(first) == [("a", 2, "finished", 0.6), ("b", 1, "running", 0.9)]
    assert api.group_rows("p", by=["group"]) is first  # unchanged runs: kept

    # a run's summary changes (its last_seq moves)
    api.store.ingest("p", "k2", [(5, "summary", {"acc": 0.9})])
    changed = _group_view(api.group_rows("p", by=["group"]))
    assert changed[0] == ("a", 2, "finished", 0.7)
    # a run moves to another group (its updated_at moves)
    moved = api.run("p/k1")
    moved.group = "b"
    moved.update()
    assert [(g.name, g.count) for g in api.group_rows("p", by=["group"])] == [
        ("a", 1), ("b", 2)]  # fmt: skip
    # a stopped heartbeat alone turns the running run crashed
    api.store.ingest("p", "k3", [], heartbeat_at=time.time() - 3600)
    assert api.group_rows("p", by=["group"])[1].state == "crashed"


def test_ordered_runs_follow_a_changed_summary(api: runfold.Api) -> None:
    ingest_run(api, "o1", summary={"acc": 0.5})
    ingest_run(api, "o2", summary={"acc": 0.7})
    assert [r.id for r in api.run_rows("p", order="-summary.acc")] == ["o2", "o1"]
    api.store.ingest("p", "o1", [(5, "summary", {"acc": 0.9})])
    assert [r.id for r in api.run_rows("p", order="-summary.acc")] == ["o1", "o2"]
    assert [r.id for r in api.run_rows("p", order="summary.acc")] == ["o2", "o1"]
