"""The read API over a real server: the same numbers as ``runfold.Api`` on the same
store, strict JSON (NaN and inf as null), and 400/404 in the one error shape."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import runfold
from runfold.server.jsonsafe import json_safe
from runfold.server.routes.runs import extreme_samples
from tests.conftest import LiveServer, sdk_environment

P = "p"


def _log_run(
    group: str | None, i: int, steps: int,
    extra: dict[int, dict[str, float]] | None = None, best: float | None = None,
) -> str:  # fmt: skip
    run = runfold.init(
        project=P, group=group, job_type="train" if i % 2 == 0 else "eval",
        name=f"{group}-{i}", tags=[f"t{i % 2}"], reinit=True,
        config={"lr": 0.1 if group == "a" else 0.01, "seed": i, "opt": {"name": "adam"}},
    )  # fmt: skip
    for step in range(steps):
        loss = 1.0 / (1 + step) + 0.01 * i
        run.log(
            {"loss": loss, "acc": 1 - loss, **(extra or {}).get(step, {})}, step=step
        )
    run.summary["best"] = 0.5 + i if best is None else best
    run.finish()
    return run.id


def _seed(files_src: Path) -> dict[str, str]:
    ids = {
        "a0": _log_run("a", 0, 20, {3: {"loss": math.nan}, 5: {"acc": math.inf}}),
        "a1": _log_run("a", 1, 15, best=math.nan),
        "a2": _log_run("a", 2, 20, {7: {"loss": 50.0}}),
        "b3": _log_run("b", 3, 30),
        "b4": _log_run("b", 4, 30),
        "n5": _log_run(None, 5, 10),
    }
    files_src.mkdir()
    (files_src / "model.txt").write_text("weights")
    (files_src / "sub").mkdir()
    (files_src / "sub" / "notes.md").write_text("# hi")
    run = runfold.init(project=P, id=ids["b4"], resume="allow", reinit=True)
    run.save(str(files_src / "**" / "*.*"), base_path=str(files_src), policy="now")
    run.finish()
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server over one seeded store for the whole module (the tests only read)."""
    root = tmp_path_factory.mktemp("read")
    with pytest.MonkeyPatch.context() as mp:
        sdk_environment(mp, root / "store")
        ids = _seed(root / "src")
    live = LiveServer(root / "store").start()
    live.ids = ids  # type: ignore[attr-defined]
    yield live
    live.stop()


@pytest.fixture(scope="module")
def api(server: LiveServer) -> Iterator[runfold.Api]:
    client = runfold.Api(server.store_dir)
    yield client
    client.close()


def _reject_constant(name: str) -> Any:
    raise AssertionError(f"non-JSON constant {name} in a response")


def get(server: LiveServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/projects/{P}{path}", params=params)


def ok(server: LiveServer, path: str, **params: Any) -> Any:
    """The body of a 200, parsed as strict JSON (no NaN or Infinity tokens)."""
    response = get(server, path, **params)
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_constant=_reject_constant)


def _error(server: LiveServer, status: int, path: str, **params: Any) -> str:
    response = get(server, path, **params)
    body = response.json()
    assert response.status_code == status
    assert body == {"ok": False, "error": body["error"], "errors": body["errors"],
                    "status": status}  # fmt: skip
    return str(body["error"])


def _run_json(run: Any) -> dict[str, Any]:
    return json_safe({
        "id": run.id, "name": run.name, "group": run.group, "job_type": run.job_type,
        "state": run.state, "tags": run.tags, "notes": run.notes,
        "created_at": run.created_at, "updated_at": run.updated_at,
        "finished_at": run.finished_at, "runtime": run.runtime,
        "exit_code": run.exit_code, "host": run.host, "config": run.config,
        "summary": run.summary,
    })  # fmt: skip


def _group_json(g: Any) -> dict[str, Any]:
    return json_safe({
        "key": list(g.key), "name": g.name, "count": g.count, "states": g.states,
        "state": g.state, "config": g.config, "summary": g.summary,
        "runs": [r.id for r in g.runs],
    })  # fmt: skip


# ---- runs -------------------------------------------------------------------


def test_runs_equal_api_runs(server: LiveServer, api: runfold.Api) -> None:
    body = ok(server, "/runs")
    assert body["total"] == 6 and "groups" not in body
    assert body["runs"] == [_run_json(r) for r in api.runs(P)]


@pytest.mark.parametrize(
    "filters",
    [
        {"group": "a"},
        {"config.lr": {"$gt": 0.05}},
        {"$or": [{"group": "b"}, {"group": None}]},
        {"tags": {"$in": ["t1"]}, "job_type": {"$ne": "train"}},
        {"summary.best": {"$lte": 3.5}, "config.opt.name": {"$exists": True}},
        {"$and": [{"state": "finished"}, {"group": {"$nin": ["a"]}}]},
    ],
)
def test_runs_filters_equal_api_filters(
    server: LiveServer, api: runfold.Api, filters: dict[str, Any]
) -> None:
    body = ok(server, "/runs", filters=json.dumps(filters))
    expected = [r.id for r in api.runs(P, filters)]
    assert [r["id"] for r in body["runs"]] == expected and body["total"] == len(
        expected
    )


@pytest.mark.parametrize(
    "order", ["-summary.best", "summary.loss", "config.lr", "-created_at", "name"]
)
def test_runs_order_equals_api_order(
    server: LiveServer, api: runfold.Api, order: str
) -> None:
    body = ok(server, "/runs", order=order)
    assert [r["id"] for r in body["runs"]] == [r.id for r in api.runs(P, order=order)]


def test_runs_page_is_a_slice_of_all_matching_runs(
    server: LiveServer, api: runfold.Api
) -> None:
    body = ok(server, "/runs", order="name", limit=2, offset=3)
    ordered = [r.id for r in api.runs(P, order="name")]
    assert [r["id"] for r in body["runs"]] == ordered[3:5]
    assert (body["total"], body["limit"], body["offset"]) == (6, 2, 3)


def test_runs_with_by_include_the_groups_of_every_matching_run(
    server: LiveServer, api: runfold.Api
) -> None:
    filters = {"config.lr": {"$gt": 0}}
    body = ok(server, "/runs", by=["group", "job_type"], limit=1,
              filters=json.dumps(filters))  # fmt: skip
    groups = api.groups(P, by=["group", "job_type"], filters=filters)
    assert len(body["runs"]) == 1
    assert body["groups"] == [_group_json(g) for g in groups]
    assert sum(g["count"] for g in body["groups"]) == 6


# ---- one run ----------------------------------------------------------------


def test_run_has_metadata_reductions_and_files(
    server: LiveServer, api: runfold.Api
) -> None:
    run_id = server.ids["b4"]  # type: ignore[attr-defined]
    body = ok(server, f"/runs/{run_id}")
    run = api.run(f"{P}/{run_id}")
    assert {k: body[k] for k in _run_json(run)} == _run_json(run)
    assert body["metadata"] == json_safe(run.metadata) and body["metadata"]["pid"]
    loss = run.metrics["loss"]
    assert body["metrics"]["loss"] == {
        "count": 30, "first": loss.first, "last": loss.last, "min": loss.min,
        "max": loss.max, "mean": loss.mean, "min_step": 29, "max_step": 0,
        "last_step": 29,
    }  # fmt: skip
    assert body["files"] == [
        {"path": "model.txt", "size": 7},
        {"path": "sub/notes.md", "size": 4},
    ]


def test_missing_run_is_404_with_the_run_not_found_message(server: LiveServer) -> None:
    message = _error(server, 404, "/runs/nope")
    assert message == (
        "Run 'nope' not found in project 'p'. List its runs with: runfold runs p"
    )


def test_missing_project_is_404(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/api/v1/projects/zzz/runs")
    assert response.status_code == 404
    assert response.json()["error"].startswith("Project 'zzz' not found.")


# ---- history ----------------------------------------------------------------


def test_history_equals_api_history_per_key(
    server: LiveServer, api: runfold.Api
) -> None:
    run_id = server.ids["a0"]  # type: ignore[attr-defined]
    body = ok(server, f"/runs/{run_id}/history")
    run = api.run(f"{P}/{run_id}")
    assert sorted(body["keys"]) == ["acc", "loss"] and body["total"] == 40
    for key, column in body["keys"].items():
        rows = run.history(keys=[key])
        assert column["steps"] == [r["_step"] for r in rows]
        assert column["timestamps"] == [r["_timestamp"] for r in rows]
        assert column["values"] == json_safe([r[key] for r in rows])
        assert column["total"] == 20


def test_history_non_finite_values_are_null(server: LiveServer) -> None:
    run_id = server.ids["a0"]  # type: ignore[attr-defined]
    body = ok(server, f"/runs/{run_id}/history", keys=["loss", "acc"])
    assert body["keys"]["loss"]["values"][3] is None
    assert body["keys"]["acc"]["values"][5] is None


def test_history_step_range_is_inclusive(server: LiveServer) -> None:
    run_id = server.ids["b3"]  # type: ignore[attr-defined]
    body = ok(server, f"/runs/{run_id}/history", keys="loss", min_step=5, max_step=9)
    assert body["keys"]["loss"]["steps"] == [5, 6, 7, 8, 9]
    assert body["total"] == 5


def test_history_samples_keep_first_last_and_a_spike(server: LiveServer) -> None:
    run_id = server.ids["a2"]  # type: ignore[attr-defined]
    body = ok(server, f"/runs/{run_id}/history", keys="loss", samples=6)
    column = body["keys"]["loss"]
    assert len(column["steps"]) <= 6 and column["total"] == 20
    assert column["steps"][0] == 0 and column["steps"][-1] == 19
    assert 7 in column["steps"]  # the spike (50.0) survives downsampling
    assert column["steps"] == sorted(column["steps"])


def test_history_of_an_unlogged_key_is_empty(server: LiveServer) -> None:
    run_id = server.ids["a2"]  # type: ignore[attr-defined]
    body = ok(server, f"/runs/{run_id}/history", keys="nope")
    assert body["keys"] == {
        "nope": {"steps": [], "timestamps": [], "values": [], "total": 0}
    }


def test_extreme_samples_keep_each_slices_min_and_max() -> None:
    values = np.array([5.0, 1, 9, 2, 8, np.nan, 3, 7, 4, 6])
    picked = extreme_samples(values, 6)  # first, last, and 2 slices of 4 inner
    assert picked.tolist() == [0, 1, 2, 6, 7, 9]
    assert extreme_samples(values, 2).tolist() == [0, 9]
    assert extreme_samples(values, 10).tolist() == list(range(10))


# ---- groups -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "filters"),
    [
        (None, None),
        (["group", "job_type"], None),
        (["config.lr"], {"group": {"$exists": True}}),
        (["tags"], None),
        (["config.* except seed"], None),
    ],
)
def test_groups_equal_api_groups(
    server: LiveServer, api: runfold.Api, by: list[str] | None, filters: Any
) -> None:
    params: dict[str, Any] = {"by": by} if by else {}
    if filters:
        params["filters"] = json.dumps(filters)
    body = ok(server, "/groups", **params)
    groups = api.groups(P, by=by or ["group"], filters=filters)
    assert body["groups"] == [_group_json(g) for g in groups]


# ---- series -----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},  # exact: every group's runs share their steps
        {"buckets": 4},  # bucketed steps
        {"buckets": 3, "smoothing": 0.6, "by": ["config.lr"]},
        {"x": "_timestamp", "buckets": 5},
        {"x": "acc", "buckets": 8},
    ],
)
def test_series_equal_api_group_series_for_several_metrics(
    server: LiveServer, api: runfold.Api, params: dict[str, Any]
) -> None:
    body = ok(server, "/series", metric=["loss", "acc"], **params)
    kwargs = dict(params, by=params.get("by", ["group"]))
    assert list(body["series"]) == ["loss", "acc"]
    for metric in ("loss", "acc"):
        expected = api.group_series(P, metric, **kwargs)
        assert body["series"][metric] == json_safe(expected)
    modes = {e["mode"] for e in body["series"]["loss"]}
    assert modes == ({"exact"} if not params else {"buckets"})


def test_series_ungrouped_has_one_line_per_run(
    server: LiveServer, api: runfold.Api
) -> None:
    filters = json.dumps({"group": "b"})
    body = ok(server, "/series", metric="loss", ungrouped="true", filters=filters)
    expected = api.group_series(P, "loss", by=[], filters={"group": "b"})
    assert body["series"]["loss"] == json_safe(expected) and body["by"] == []
    assert [e["key"] for e in body["series"]["loss"]] == [
        [server.ids["b3"]],  # type: ignore[attr-defined]
        [server.ids["b4"]],  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize("buckets", [1000, 4])
def test_series_fields_send_only_the_arrays_named(
    server: LiveServer, api: runfold.Api, buckets: int
) -> None:
    body = ok(server, "/series", metric="loss", buckets=buckets,
              fields=["mean", "count", "x_lo", "x_hi"])  # fmt: skip
    expected = json_safe(api.group_series(P, "loss", buckets=buckets))
    got = body["series"]["loss"]
    exact = buckets == 1000  # in exact mode x_lo and x_hi are x: left out
    kept = {"mean", "count"} | (set() if exact else {"x_lo", "x_hi"})
    dropped = {"median", "min", "max", "std", "stderr", "x_lo", "x_hi"} - kept
    assert [e["mode"] for e in got] == ["exact" if exact else "buckets"] * len(got)
    assert got == [{k: v for k, v in e.items() if k not in dropped} for e in expected]


def test_series_fields_name_only_known_arrays(server: LiveServer) -> None:
    message = _error(server, 400, "/series", metric="loss", fields="p99")
    assert "fields" in message and "median" in message


def test_series_of_an_unlogged_metric_has_empty_lines(server: LiveServer) -> None:
    body = ok(server, "/series", metric="nope")
    assert [len(e["x"]) for e in body["series"]["nope"]] == [0, 0, 0]


# ---- bad requests -----------------------------------------------------------


def test_filters_that_are_not_json_are_400_with_an_example(server: LiveServer) -> None:
    message = _error(server, 400, "/runs", filters="{group: a}")
    assert message.startswith("filters must be a JSON object, e.g. filters={")
    assert '"config.lr": {"$gt": 0.01}' in message


def test_filters_that_are_a_json_list_are_400(server: LiveServer) -> None:
    assert "(a JSON list)" in _error(server, 400, "/groups", filters="[1]")


def test_unknown_filter_operator_is_400(server: LiveServer) -> None:
    message = _error(server, 400, "/series", metric="loss",
                     filters=json.dumps({"config.lr": {"$near": 1}}))  # fmt: skip
    assert message.startswith("Unknown filter operator '$near' for 'config.lr'")


def test_unknown_query_parameter_is_400_naming_the_known_ones(
    server: LiveServer,
) -> None:
    message = _error(server, 400, "/series", metrics="loss")
    assert message.startswith("Unknown query parameter 'metrics' for /api/v1/")
    assert "metric," in message


def test_unknown_order_field_is_400(server: LiveServer) -> None:
    assert "Cannot group or filter by 'speed'" in _error(
        server, 400, "/runs", order="-speed"
    )


def test_by_with_ungrouped_is_400(server: LiveServer) -> None:
    message = _error(server, 400, "/series", metric="loss", by="group",
                     ungrouped="true")  # fmt: skip
    assert message.startswith("Give either by=... (lines per group) or ungrouped=true")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/runs", {"limit": 0}),
        ("/runs", {"limit": 10_001}),
        ("/runs", {"offset": -1}),
        ("/runs", {"limit": "many"}),
        ("/series", {}),
        ("/series", {"metric": "loss", "buckets": 0}),
        ("/series", {"metric": "loss", "smoothing": 1}),
        ("/series", {"metric": "loss", "smoothing": "nan"}),
        ("/runs/x/history", {"samples": 1}),
        ("/runs/x/history", {"min_step": "1.5"}),
    ],
)
def test_malformed_parameters_are_400(
    server: LiveServer, path: str, params: dict[str, Any]
) -> None:
    assert _error(server, 400, path, **params)


def test_series_limit_sends_the_first_lines_and_says_how_many(
    live_server: LiveServer,
) -> None:
    for i in range(5):
        run = runfold.init(
            project="lim",
            name=f"r{i}",
            reinit=True,
            settings={"runfold_dir": str(live_server.store_dir)},
        )
        for step in range(3):
            run.log({"loss": i + step}, step=step)
        run.finish()
    base = f"{live_server.url}/api/v1/projects/lim/series"
    full = httpx.get(base, params={"metric": "loss", "ungrouped": "true"}).json()
    some = httpx.get(
        base, params={"metric": "loss", "ungrouped": "true", "limit": 2}
    ).json()
    assert full["total"] == some["total"] == 5
    assert len(full["series"]["loss"]) == 5
    assert some["series"]["loss"] == full["series"]["loss"][:2]
    bad = httpx.get(base, params={"metric": "loss", "limit": 0})
    assert bad.status_code == 400 and "limit" in bad.json()["error"]
