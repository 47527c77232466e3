"""``runfold.Api(base_url=...)`` over a real server on loopback: the same runs, group
rows, grouped series, history and reports as the local ``runfold.Api`` over the same
store, on SQLite and on PostgreSQL; and clear errors for keys, outages and misses."""

from __future__ import annotations

import http.server
import math
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold import remote as remote_module
from runfold.demo import build_demo
from runfold.errors import (
    AuthError,
    ProjectNotFound,
    RunNotFound,
    ServerUnavailable,
    UsageError,
)
from runfold.remote import RemoteApi
from runfold.server import create_app
from runfold.server.auth import BAD_KEY, KEY_REQUIRED
from runfold.store import open_store
from tests.conftest import LiveServer
from tests.store.conftest import POSTGRES_URL, _postgres_schema

P = "vision"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "grouping.md"
STEPS = 300
NOW = time.time()
# (id, group, job_type, lr, steps, how it ends): a failed run, a crashed one (its
# heartbeat long stopped) and a running one (its heartbeat far ahead, so it stays
# running while the tests read it).
RUNS = [
    ("a0", "a", "train", 0.1, STEPS, "finished"),
    ("a1", "a", "train", 0.1, STEPS, "finished"),
    ("a2", "a", "eval", 0.1, 240, "failed"),
    ("b0", "b", "train", 0.01, STEPS, "finished"),
    ("b1", "b", "train", 0.01, 180, "crashed"),
    ("b2", "b", "eval", 0.01, STEPS, "running"),
    ("c0", "c", "train", 0.001, STEPS, "finished"),
    ("n0", None, None, 0.001, 120, "finished"),
]


def _history(i: int, lr: float, steps: int, created: float) -> list[Any]:
    rows = []
    for step in range(steps):
        loss = 1.0 / (1 + step * lr * 10) + 0.01 * i
        row = {"loss": loss, "acc": 1 - loss / 3}
        if step % 97 == 5:
            row["loss"] = math.nan  # a NaN point: "no value here"
        if step % 10 == 0:
            row["lr"] = lr * (1 - step / 1000)
        rows.append([step, created + step * 0.25 + i * 0.01, row])
    return rows


def _records(i: int, run: tuple[Any, ...]) -> list[tuple[int, str, Any]]:
    run_id, group, job_type, lr, steps, end = run
    created = 1_700_000_000.0 + i * 7.5
    bodies: list[tuple[str, Any]] = [
        ("run", {"name": f"{group}-{run_id}", "group": group, "job_type": job_type,
                 "tags": ["base", f"t{i % 2}"], "notes": f"note {i}",
                 "host": "gpu-1", "created_at": created, "meta": {"pid": 100 + i}}),
        ("config", {"lr": lr, "seed": i, "opt": {"name": "adam", "betas": [0.9, 0.99]},
                    "layers": 4 if i % 3 else 8}),
        ("history", _history(i, lr, steps, created)),
        ("histogram", [[s, created + s, {"grads": {
            "bins": [-1.0, -0.25 * i, 0.5, 1.0 + s / 3], "counts": [1.0, 2.0 + s, 3.0]}}]
            for s in (0, 50, 100)]),
        ("summary", {"best": 0.1 * i + 1 / 3, "epochs": i}),
    ]  # fmt: skip
    if end in ("finished", "failed"):
        exit_code = 0 if end == "finished" else 1
        bodies.append(("finish", {"state": end, "exit_code": exit_code,
                                  "at": created + steps}))  # fmt: skip
    return [(seq, kind, body) for seq, (kind, body) in enumerate(bodies, start=1)]


def _seed(store: Any) -> None:
    heartbeat = {"crashed": NOW - 3600, "running": NOW + 3600}
    for i, run in enumerate(RUNS):
        store.ingest(P, run[0], _records(i, run), heartbeat_at=heartbeat.get(run[5]))


@contextmanager
def _serving(store: Any, files: Path, **options: Any) -> Iterator[str]:
    """uvicorn serving ``create_app(store)`` on a free loopback port; yields its URL."""
    import uvicorn

    app = create_app(store, files_dir=files, **options)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "no server"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def _backend(name: str, root: Path) -> Iterator[Any]:
    if name == "sqlite":
        store = open_store(root / "runfold.db")
        yield store
        store.close()
        return
    from runfold.store.postgres import PostgresStore

    conn, schema = _postgres_schema()
    store = PostgresStore(POSTGRES_URL, schema=schema, max_size=4)
    try:
        yield store
    finally:
        store.close()
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def apis(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[runfold.Api, runfold.Api]]:
    """(local Api, Api(base_url=...)) over one seeded store, served on loopback."""
    root = tmp_path_factory.mktemp(request.param)
    with _backend(request.param, root) as store, _serving(store, root) as url:
        _seed(store)
        local, remote = runfold.Api(store=store), runfold.Api(base_url=url)
        yield local, remote
        remote.close()


def _diff(a: Any, b: Any, where: str = "") -> str | None:
    """Where ``a`` and ``b`` differ (None: equal), types included; NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return None if math.isnan(b) else f"{where}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{where}: keys {sorted(a)} != {sorted(b)}"
        found = (_diff(a[k], b[k], f"{where}.{k}") for k in a)
        return next((d for d in found if d), None)
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} {a!r:.80} != {type(b).__name__} {b!r:.80}"
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{where}: length {len(a)} != {len(b)}"
        found = (
            _diff(x, y, f"{where}[{i}]")
            for i, (x, y) in enumerate(zip(a, b, strict=True))
        )
        return next((d for d in found if d), None)
    return None if a == b else f"{where}: {a!r} != {b!r}"


RUN_FIELDS = (
    "id", "name", "project", "group", "job_type", "state", "tags", "notes", "config",
    "summary", "host", "created_at", "updated_at", "finished_at", "exit_code",
    "runtime", "path",
)  # fmt: skip


def _run_view(run: Any) -> dict[str, Any]:
    return {name: getattr(run, name) for name in RUN_FIELDS}


def _group_view(group: Any) -> dict[str, Any]:
    return {
        "key": group.key, "name": group.name, "count": group.count,
        "states": group.states, "state": group.state, "config": group.config,
        "summary": group.summary, "runs": [r.id for r in group.runs],
    }  # fmt: skip


# ---- runs -------------------------------------------------------------------


def test_api_with_base_url_is_a_runfold_api(apis: Any) -> None:
    _, remote = apis
    assert isinstance(remote, runfold.Api) and isinstance(remote, RemoteApi)


def test_api_reads_the_server_runfold_base_url_sends_runs_to(
    apis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With RUNFOLD_BASE_URL set (online mode), ``runfold.Api()`` reads where the
    runs went: the server; a store named, or local mode, reads the local store."""
    local, remote = apis
    monkeypatch.setenv("RUNFOLD_BASE_URL", remote.base_url)
    api = runfold.Api()
    assert isinstance(api, RemoteApi) and api.base_url == remote.base_url
    assert [r.id for r in api.runs(P)] == [r.id for r in local.runs(P)]
    api.close()
    monkeypatch.setenv("RUNFOLD_MODE", "local")
    assert not isinstance(runfold.Api(), RemoteApi)


@pytest.mark.parametrize(
    ("filters", "order"),
    [
        (None, None),
        ({"group": "a"}, None),
        ({"config.lr": {"$gt": 0.005}, "state": {"$ne": "running"}}, "-summary.best"),
        ({"$or": [{"group": None}, {"job_type": "eval"}]}, "name"),
        (None, "config.layers"),
    ],
)
def test_runs_equal_local_runs(apis: Any, filters: Any, order: str | None) -> None:
    local, remote = apis
    want = [_run_view(r) for r in local.runs(P, filters, order)]
    got = [_run_view(r) for r in remote.runs(P, filters, order)]
    assert want and _diff(want, got) is None
    assert [r.id for r in remote.run_rows(f"team/{P}", filters, order)] == [
        r["id"] for r in want
    ]


def test_runs_show_every_state(apis: Any) -> None:
    _, remote = apis
    states = {r.id: r.state for r in remote.runs(P)}
    assert {states["a2"], states["b1"], states["b2"]} == {
        "failed",
        "crashed",
        "running",
    }


def test_run_equals_local_run_with_metadata_and_metrics(apis: Any) -> None:
    local, remote = apis
    want, got = local.run(f"{P}/a2"), remote.run(f"{P}/a2")
    assert _diff(_run_view(want), _run_view(got)) is None
    assert got.metadata == want.metadata == {"pid": 102}
    assert sorted(got.metrics) == sorted(want.metrics) == ["acc", "loss", "lr"]
    for key, stats in got.metrics.items():
        mine = want.metrics[key]
        for name in ("count", "first", "last", "min", "max", "mean", "last_step"):
            assert _diff(getattr(mine, name), getattr(stats, name)) is None
    listed = next(r for r in remote.runs(P) if r.id == "a2")
    assert listed.metadata == {"pid": 102}  # fetched on first use


def test_unknown_run_and_project_raise_not_found(apis: Any) -> None:
    local, remote = apis
    with pytest.raises(RunNotFound) as found:
        remote.run(f"{P}/nope")
    with pytest.raises(RunNotFound) as expected:
        local.run(f"{P}/nope")
    assert str(found.value) == str(expected.value)
    assert (found.value.project, found.value.run_id) == (P, "nope")
    with pytest.raises(ProjectNotFound, match="Project 'zzz' not found"):
        remote.runs("zzz")
    with pytest.raises(ProjectNotFound):
        remote.group_series("zzz", "loss")


def test_bad_arguments_raise_usage_error_with_the_servers_message(apis: Any) -> None:
    local, remote = apis
    bad = {"config.lr": {"$near": 1}}
    with pytest.raises(UsageError) as expected:
        local.runs(P, bad)
    with pytest.raises(UsageError) as found:
        remote.runs(P, bad)
    assert str(found.value) == str(expected.value)
    with pytest.raises(UsageError, match="smoothing"):
        remote.group_series(P, "loss", smoothing=1.5)


def test_projects_equal_local_projects(apis: Any) -> None:
    local, remote = apis
    assert _diff(local.projects(), remote.projects()) is None


# ---- groups -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "filters"),
    [
        (("group",), None),
        (["group", "job_type"], None),
        (["job_type"], {"state": {"$in": ["finished", "failed"]}}),
        (["config.lr"], None),
        (["tags"], None),
        (["config.* except seed"], None),
        (["state"], None),
        ([], None),
    ],
)
def test_groups_equal_local_groups(apis: Any, by: Any, filters: Any) -> None:
    local, remote = apis
    want = [_group_view(g) for g in local.groups(P, by=by, filters=filters)]
    got = [_group_view(g) for g in remote.groups(P, by=by, filters=filters)]
    assert want and _diff(want, got) is None
    rows = [_group_view(g) for g in remote.group_rows(P, by=by, filters=filters)]
    assert _diff(want, rows) is None


def test_group_runs_are_remote_runs_with_history(apis: Any) -> None:
    _, remote = apis
    group = remote.groups(P)[0]
    assert group.key == ("a",) and group.states == {"finished": 2, "failed": 1}
    assert group.runs[0].history(keys=["loss"])[0]["_step"] == 0


# ---- grouped series -----------------------------------------------------------


SERIES_CASES = [
    {},  # exact points: every run logged the same steps
    {"by": ["group", "job_type"]},
    {"by": []},  # one line per run
    {"buckets": 16},  # buckets, read from the store's downsampled form
    {"smoothing": 0.6},
    {"buckets": 16, "smoothing": 0.3, "by": ["config.lr"]},
    {"x_min": 50, "x_max": 120},  # a zoom, exact
    {"x_min": 10.5, "x_max": 250, "buckets": 8, "smoothing": 0.4},  # a zoom, buckets
    {"x": "_timestamp", "buckets": 20},
    {"x": "_runtime", "buckets": 12, "by": []},
    {"x": "lr", "buckets": 1000},
    {"filters": {"job_type": "train"}, "by": ["group"]},
]


@pytest.mark.parametrize("case", SERIES_CASES)
def test_group_series_equal_local_group_series(apis: Any, case: dict) -> None:
    local, remote = apis
    for metric in ("loss", "acc"):
        want = local.group_series(P, metric, **case)
        got = remote.group_series(P, metric, **case)
        assert want and _diff(want, got) is None, metric
        assert all(isinstance(e["key"], tuple) for e in got)


def test_series_modes_and_nan_round_trip(apis: Any) -> None:
    _, remote = apis
    exact = remote.group_series(P, "loss", by=[])
    assert {e["mode"] for e in exact} == {"exact"}
    assert any(e["std"] == [None] * len(e["x"]) for e in exact)  # one run: no band
    bucketed = remote.group_series(P, "loss", buckets=16)
    assert {e["mode"] for e in bucketed} == {"buckets"}
    assert remote.group_series(P, "nope") == remote.group_series(P, "nope", buckets=5)


def test_group_series_of_and_series_page_equal_local(apis: Any) -> None:
    local, remote = apis
    kwargs = {"by": ["group"], "buckets": 32, "x_max": 200}
    want = local.group_series_of(P, ["loss", "acc", "loss"], **kwargs)
    got = remote.group_series_of(P, ["loss", "acc", "loss"], **kwargs)
    assert list(got) == ["loss", "acc"] and _diff(want, got) is None
    for options in ({"limit": 2}, {"limit": 3, "fields": ["mean", "count"]}, {}):
        want = local.series_page(P, ["loss"], by=[], **options)
        got = remote.series_page(P, ["loss"], by=[], **options)
        assert _diff(want, got) is None and got["total"] == len(RUNS)


# ---- history and histograms -----------------------------------------------------


@pytest.mark.parametrize("run_id", ["a0", "b1", "n0"])
@pytest.mark.parametrize(
    "options",
    [{}, {"keys": ["loss"]}, {"keys": "lr"}, {"keys": ["loss", "lr"], "samples": 7}],
)
def test_history_equals_local_history(apis: Any, run_id: str, options: dict) -> None:
    local, remote = apis
    want = local.run(f"{P}/{run_id}").history(**options)
    got = remote.run(f"{P}/{run_id}").history(**options)
    assert want and _diff(want, got) is None


def test_history_keeps_nan_and_gives_a_dataframe(apis: Any) -> None:
    local, remote = apis
    rows = remote.run(f"{P}/a0").history(keys=["loss"])
    assert math.isnan(rows[5]["loss"]) and rows[6]["loss"] == 1 / (1 + 6 * 1.0)
    frame = remote.run(f"{P}/a0").history(pandas=True)
    expected = local.run(f"{P}/a0").history(pandas=True)
    assert sorted(frame.columns) == sorted(expected.columns)
    assert frame[list(expected.columns)].equals(expected)
    assert list(remote.run(f"{P}/a0").scan_history(keys=["lr"])) == (
        local.run(f"{P}/a0").history(keys=["lr"])
    )


def test_histograms_equal_local_histograms(apis: Any) -> None:
    local, remote = apis
    want = local.run(f"{P}/b0").histograms("grads")
    got = remote.run(f"{P}/b0").histograms("grads")
    assert len(want) == 3 and _diff(want, got) is None
    assert remote.run(f"{P}/b0").histograms("nope") == []


def test_history_of_no_keys_is_empty(apis: Any) -> None:
    # as the local Api on SQLite (PostgresStore.history(pk, []) sends "IN ()")
    _, remote = apis
    assert remote.run(f"{P}/a0").history(keys=[]) == []


def test_long_histogram_is_sampled_with_a_warning(
    apis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, remote = apis
    monkeypatch.setattr(remote_module, "HISTOGRAM_STEPS", 2)
    with pytest.warns(RuntimeWarning, match="has 3 steps; the server sends at most 2"):
        got = remote.run(f"{P}/b0").histograms("grads")
    want = local.run(f"{P}/b0").histograms("grads")
    assert _diff([want[0], want[-1]], got) is None


def test_runs_and_groups_read_page_by_page(
    apis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, remote = apis
    monkeypatch.setattr(remote_module, "RUNS_PAGE", 3)  # 8 runs: 3 pages
    order = "-summary.best"
    want = [_run_view(r) for r in local.runs(P, order=order)]
    assert _diff(want, [_run_view(r) for r in remote.runs(P, order=order)]) is None
    groups = [_group_view(g) for g in local.groups(P, by=["job_type"])]
    got = [_group_view(g) for g in remote.groups(P, by=["job_type"])]
    assert _diff(groups, got) is None


def test_non_finite_values_cross_json_as_documented(apis: Any) -> None:
    """JSON has no NaN or infinity: float arrays get NaN back, config and summary
    None (the module docstring of runfold.remote and docs/grouping.md say so)."""
    local, remote = apis
    rows = [[0, 1.0, {"v": math.inf}], [1, 2.0, {"v": math.nan}], [2, 3.0, {"v": 1.0}]]
    local.store.ingest("edge", "x", [
        (1, "run", {"name": "x"}), (2, "config", {"w": math.nan}),
        (3, "history", rows), (4, "summary", {"s": math.inf}),
    ])  # fmt: skip
    mine, theirs = local.run("edge/x"), remote.run("edge/x")
    assert [r["v"] for r in mine.history()][0] == math.inf
    got = [r["v"] for r in theirs.history()]
    assert math.isnan(got[0]) and math.isnan(got[1]) and got[2] == 1.0
    assert math.isnan(mine.config["w"]) and theirs.config["w"] is None
    assert mine.summary["s"] == math.inf and theirs.summary["s"] is None


# ---- edits and reports ------------------------------------------------------


def test_update_saves_edits_on_the_server(apis: Any) -> None:
    local, remote = apis
    local.store.ingest(
        "edits", "e1", _records(0, ("e1", "g", "train", 0.1, 5, "finished"))
    )
    run = remote.run("edits/e1")
    run.notes, run.group, run.tags = "moved", "g2", ["x"]
    run.config["lr"] = 0.5
    run.update()
    mine = local.run("edits/e1")
    assert (mine.notes, mine.group, mine.tags, mine.config["lr"]) == (
        "moved", "g2", ["x"], 0.5)  # fmt: skip
    assert _diff(_run_view(mine), _run_view(run)) is None


def test_reports_equal_local_reports(apis: Any) -> None:
    local, remote = apis
    blocks = [{"type": "markdown", "text": "# Results"}]
    made = remote.create_report(P, "Week 1", blocks=blocks, group="a")
    assert _diff(local.report(P, made["id"]), made) is None
    remote.update_report(P, made["id"], title="Week 1, final", base_version=1)
    assert _diff(local.reports(P), remote.reports(P)) is None
    assert _diff(local.reports(P, group="a"), remote.reports(P, group="a")) is None
    for version in (None, 1):
        want = local.report(P, made["id"], version=version)
        assert _diff(want, remote.report(P, made["id"], version=version)) is None


# ---- keys, outages, arguments -------------------------------------------------


@pytest.fixture(scope="module")
def team_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A team-mode server whose user alice (team vision) owns project ``P``; yields
    (url, alice's key)."""
    root = tmp_path_factory.mktemp("team")
    store = open_store(root / "runfold.db")
    store.create_user("alice")
    store.create_team("vision")
    store.add_member("vision", "alice")
    key = store.create_key("alice")[1]
    store.ingest(P, "a0", _records(0, RUNS[0]))
    store.assign_project(P, "vision")
    with _serving(store, root, team_mode=True) as url:
        yield url, key
    store.close()


def test_team_server_reads_with_the_key_from_argument_or_environment(
    team_url: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, key = team_url
    with closing(runfold.Api(base_url=url, api_key=key)) as api:
        assert [r.id for r in api.runs(P)] == ["a0"]
    monkeypatch.setenv("RUNFOLD_API_KEY", key)
    with closing(runfold.Api(base_url=url + "/")) as api:
        assert [p.name for p in api.projects()] == [P]
    monkeypatch.delenv("RUNFOLD_API_KEY")
    monkeypatch.setenv("WANDB_API_KEY", key)
    with closing(runfold.Api(base_url=url)) as api:
        assert api.run(f"{P}/a0").history(keys=["acc"])


@pytest.mark.parametrize(("key", "message"), [(None, KEY_REQUIRED), ("rf_x", BAD_KEY)])
def test_team_server_without_the_right_key_raises_auth_error(
    team_url: tuple[str, str], key: str | None, message: str
) -> None:
    url, _ = team_url
    with closing(runfold.Api(base_url=url, api_key=key)) as api:
        with pytest.raises(AuthError) as refused:
            api.runs(P)
    assert str(refused.value) == message
    assert "runfold admin key create" in message and "RUNFOLD_API_KEY" in message


def test_unreachable_server_says_where_and_what_to_check() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with closing(runfold.Api(base_url=f"http://127.0.0.1:{port}")) as api:
        with pytest.raises(ServerUnavailable) as failed:
            api.runs(P)
    message = str(failed.value)
    assert message.startswith(f"The Runfold server at http://127.0.0.1:{port} is not")
    assert "Check that it is running" in message and "port" in message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_url": "localhost:8000"}, "must be a server's address"),
        ({"base_url": "http://h:1", "store": object()}, "reads a server"),
    ],
)
def test_bad_arguments_to_api_raise_usage_error(kwargs: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        runfold.Api(**kwargs)


def test_store_and_pk_of_a_server_api_are_usage_errors(apis: Any) -> None:
    _, remote = apis
    with pytest.raises(UsageError, match="runfold.Api\\(dir\\)"):
        remote.store  # noqa: B018
    with pytest.raises(UsageError, match="store key"):
        remote.run(f"{P}/a0").pk  # noqa: B018


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def test_a_server_that_is_not_runfold_raises_store_error(tmp_path: Path) -> None:
    handler = partial(_QuietFiles, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        with closing(runfold.Api(base_url=url)) as api:
            with pytest.raises(
                ServerUnavailable, match="is base_url the address of a Runf"
            ):
                api.projects()
        httpd.shutdown()


def test_docs_example_runs_against_a_server_and_equals_the_local_api(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    build_demo(live_server.store_dir, "demo", steps=50)
    section = DOCS.read_text("utf-8").split("## Reading a server", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.S)
    assert example is not None
    code = example.group(1).replace("http://127.0.0.1:8765", live_server.url)
    exec(compile(code, str(DOCS), "exec"), {})  # our own docs' example
    assert "('ddp-lr0.1',) 6 crashed" in capsys.readouterr().out
    local = runfold.Api(live_server.store_dir)
    with closing(local), closing(runfold.Api(base_url=live_server.url)) as remote:
        for by in (["group"], ["group", "job_type"], ["config.* except seed"]):
            want = [_group_view(g) for g in local.groups("demo", by=by)]
            got = [_group_view(g) for g in remote.groups("demo", by=by)]
            assert _diff(want, got) is None
            options = {"by": by, "buckets": 20, "smoothing": 0.5}
            want = local.group_series("demo", "train/loss", **options)
            got = remote.group_series("demo", "train/loss", **options)
            assert _diff(want, got) is None
