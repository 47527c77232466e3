"""The sweeps API on a real server, over SQLite and PostgreSQL: the list, the sweep
page (its best-so-far, importance and correlation checked against numbers computed
here with scipy and pandas), the state changes, the agents' calls, 400s that say
what is wrong, 404s, and team mode keeping one team's sweeps from another."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, get_args

import httpx
import pandas as pd
import pytest
from scipy import stats

import runfold
from runfold.errors import ProjectNotFound
from runfold.server.routes.sweeps import NO_OPTUNA, SweepState
from runfold.store.sweeps import SWEEP_STATES
from tests.server.test_auth import TeamServer
from tests.server.test_reports_api import (
    _error,
    _ok,
    team,  # noqa: F401 - the fixture
)
from tests.test_api_remote import _backend, _serving

P = "tune"
DEFINITION = {
    "method": "random",
    "run_cap": 40,
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
        "batch": {"values": [16, 32, 64]},
        "opt": {"parameters": {
            "name": {"values": ["adam", "sgd"]},
            "momentum": {"min": 0.0, "max": 0.9},
        }},
        "seed": {"value": 7},
    },
}  # fmt: skip
GRID = {"method": "grid", "parameters": {"x": {"values": [1, 2, 3]}}}
NAMES = ["batch", "lr", "opt.momentum", "opt.name", "seed"]
S_KEYS = {"id", "project", "name", "state", "config", "created_at", "updated_at",
          "run_count", "agents"}  # fmt: skip
R_KEYS = {"index", "run_id", "name", "state", "proposal_state", "reason", "params",
          "value", "best_so_far", "group", "job_type"}  # fmt: skip


def _loss(params: dict[str, Any]) -> float:
    opt = params["opt"]
    return (
        (math.log10(params["lr"]) + 2.5) ** 2
        + (0.3 if opt["name"] == "sgd" else 0.0)
        + params["batch"] / 200
        + 0.1 * opt["momentum"]
    )


@dataclass
class Scripted:
    """A served store with one scripted sweep, and what the test made of it."""

    url: str
    store: Any
    sweep_id: str = ""
    # run id -> (flat params, loss or None, run state or None: never started)
    made: dict[str, tuple[dict[str, Any], float | None, str | None]] = field(
        default_factory=dict
    )
    order: list[str] = field(default_factory=list)  # run ids by index
    replaced: str = ""


def _flat(params: dict[str, Any]) -> dict[str, Any]:
    return {"batch": params["batch"], "lr": params["lr"],
            "opt.momentum": params["opt"]["momentum"],
            "opt.name": params["opt"]["name"], "seed": params["seed"]}  # fmt: skip


def _ingest(store: Any, run_id: str, params: dict[str, Any], loss: float,
            end: str) -> None:  # fmt: skip
    store.ingest(P, run_id, [
        (1, "run", {"name": f"run-{run_id}", "group": "cv", "job_type": "train"}),
        (2, "config", params),
        (3, "summary", {"loss": loss}),
        (4, "finish", {"state": end, "exit_code": 0 if end == "finished" else 1}),
    ])  # fmt: skip


def _script(store: Any, url: str) -> Scripted:
    """24 proposals: most finished with a loss; one with a NaN loss, one failed,
    one never started, and one whose agent died, handed to another agent."""
    out = Scripted(url, store)
    with httpx.Client(base_url=f"{url}/api/v1/projects/{P}") as c:
        out.sweep_id = sid = _ok(c.post("/sweeps", json={"config": DEFINITION}))["id"]
        _ok(c.post(f"/sweeps/{sid}/agents/a", json={"host": "h1", "pid": 11}))
        claims = [_ok(c.post(f"/sweeps/{sid}/claim", json={"agent_id": "a"}))["run"]
                  for _ in range(22)]  # fmt: skip
        dead = _ok(c.post(f"/sweeps/{sid}/claim", json={"agent_id": "dead"}))["run"]
        store.agent_seen(P, sid, "dead", at=time.time() - 3600)
        _ingest(store, dead["run_id"], dead["params"], 0.0, "crashed")  # not counted
        again = _ok(c.post(f"/sweeps/{sid}/claim", json={"agent_id": "b"}))["run"]
        assert (again["index"], again["params"]) == (dead["index"], dead["params"])
        out.replaced = dead["run_id"]
        for i, run in enumerate([*claims, again]):
            rid, params = run["run_id"], run["params"]
            loss: float | None = _loss(params)
            state: str | None = "failed" if i == 7 else "finished"
            if i == 3:
                _ingest(store, rid, params, math.nan, "finished")
                loss = None
            elif i == 5:
                state = loss = None  # claimed, never started
            else:
                _ingest(store, rid, params, loss, str(state))  # type: ignore[arg-type]
            if state is not None:
                _ok(c.post(f"/sweeps/{sid}/runs/{rid}/end", json={"state": state}))
            out.made[rid] = (_flat(params), loss, state)
        out.order = [r["run_id"] for r in sorted([*claims, again],
                                                  key=lambda r: r["index"])]  # fmt: skip
    return out


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scripted]:
    root = tmp_path_factory.mktemp(f"sweeps-{request.param}")
    with _backend(request.param, root) as store, _serving(store, root) as url:
        yield _script(store, url)


@pytest.fixture
def client(served: Scripted) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{served.url}/api/v1/projects/{P}") as c:
        yield c


# ---- what the page should say, computed here -----------------------------------


def _eta_squared(x: list[Any], y: list[float]) -> float:
    frame = pd.DataFrame({"x": x, "y": y})
    if all(isinstance(v, int | float) for v in x) and frame["x"].nunique() > 10:
        frame["x"] = pd.qcut(frame["x"], 10, labels=False, duplicates="drop")
    else:
        frame["x"] = frame["x"].astype(str)
    mean = frame["y"].mean()
    groups = frame.groupby("x")["y"].agg(["count", "mean"])
    between = float((groups["count"] * (groups["mean"] - mean) ** 2).sum())
    return between / float(((frame["y"] - mean) ** 2).sum())


def _expected_parameters(rows: list[tuple[dict[str, Any], float]]) -> dict[str, Any]:
    shares, out = {}, {}
    for name in NAMES:
        x, y = [p[name] for p, _ in rows], [v for _, v in rows]
        numeric = all(isinstance(v, int | float) for v in x) and len(set(x)) > 1
        rho = stats.spearmanr(x, y).statistic if numeric else None
        out[name] = {"name": name, "correlation": rho}
        shares[name] = _eta_squared(x, y)
    total = sum(shares.values())
    for name in NAMES:
        out[name]["importance"] = shares[name] / total
    return out


def test_the_page_says_what_the_runs_say(
    served: Scripted, client: httpx.Client
) -> None:
    page = _ok(client.get(f"/sweeps/{served.sweep_id}"))
    assert set(page) == S_KEYS | {"metric", "runs", "parameters"}
    assert page["metric"] == {"name": "loss", "goal": "minimize"}
    assert (page["run_count"], page["state"]) == (23, "running")
    assert {a["id"]: (a["host"], a["pid"]) for a in page["agents"]}["a"] == ("h1", 11)
    runs = page["runs"]
    assert [r["run_id"] for r in runs] == served.order
    assert served.replaced not in [r["run_id"] for r in runs]
    assert [r["index"] for r in runs] == list(range(23))
    best, rows = None, []
    for r in runs:
        params, loss, state = served.made[r["run_id"]]
        assert set(r) == R_KEYS
        assert r["params"] == params and r["value"] == loss
        if loss is not None:
            best = loss if best is None else min(best, loss)
            rows.append((params, loss))
        assert r["best_so_far"] == best
        assert r["state"] == (state or "running")
        assert r["proposal_state"] == (state or "running")
        started = state is not None
        assert (r["name"], r["group"], r["job_type"]) == (
            (f"run-{r['run_id']}", "cv", "train") if started else (None, None, None)
        )
    assert len(rows) == 21
    want = _expected_parameters(rows)
    assert [p["name"] for p in page["parameters"]] == NAMES
    for got in page["parameters"]:
        expected = want[got["name"]]
        assert got["importance"] == pytest.approx(expected["importance"], abs=1e-12)
        if expected["correlation"] is None:
            assert got["correlation"] is None
        else:
            assert got["correlation"] == pytest.approx(
                expected["correlation"], abs=1e-12
            )
    assert sum(p["importance"] for p in page["parameters"]) == pytest.approx(1.0)
    assert want["seed"]["importance"] == pytest.approx(0.0, abs=1e-12)
    assert want["opt.name"]["correlation"] is None


def test_the_page_equals_the_local_and_the_remote_api(
    served: Scripted, client: httpx.Client
) -> None:
    page = _ok(client.get(f"/sweeps/{served.sweep_id}"))
    local = runfold.Api(store=served.store).sweep(f"{P}/{served.sweep_id}")
    with closing(runfold.Api(base_url=served.url)) as reader:
        remote = reader.sweep(f"team/{P}/{served.sweep_id}")
        listed = reader.sweeps(P)
    assert local.page() == page and remote.page() == page
    assert [r.id for r in remote.runs] == [r.id for r in local.runs]
    assert [r.state for r in remote.runs] == [r.state for r in local.runs]
    assert remote.proposals == local.proposals
    assert (remote.id, remote.state, remote.config, remote.agents) == (
        local.id, local.state, local.config, local.agents)  # fmt: skip
    best = local.best_run()
    assert best is not None and remote.best_run().id == best.id  # type: ignore[union-attr]
    assert best.summary["loss"] == min(r["value"] for r in page["runs"]
                                       if r["value"] is not None)  # fmt: skip
    assert listed == runfold.Api(store=served.store).sweeps(P)


def test_list_is_newest_first(served: Scripted) -> None:
    with httpx.Client(base_url=f"{served.url}/api/v1/projects/order") as c:
        first = _ok(c.post("/sweeps", json={"config": GRID, "name": "one"}))
        second = _ok(c.post("/sweeps", json={"config": GRID}))
        listed = _ok(c.get("/sweeps"))["sweeps"]
    assert [s["id"] for s in listed] == [second["id"], first["id"]]
    assert listed[1] == first and set(first) == S_KEYS
    assert (first["name"], first["state"], first["run_count"], first["agents"]) == (
        "one", "running", 0, [])  # fmt: skip
    assert first["config"]["parameters"]["x"]["values"] == [1, 2, 3]


def test_states_and_the_agents_calls(served: Scripted, client: httpx.Client) -> None:
    assert set(get_args(SweepState)) == set(SWEEP_STATES)
    sid = _ok(client.post("/sweeps", json={"config": GRID}))["id"]
    claim = {"agent_id": "ag-1"}
    paused = _ok(client.post(f"/sweeps/{sid}/state", json={"state": "paused"}))
    assert paused["state"] == "paused" and set(paused) == S_KEYS
    assert _ok(client.post(f"/sweeps/{sid}/claim", json=claim)) == {
        "state": "paused", "run": None}  # fmt: skip
    seen = client.post(f"/sweeps/{sid}/agents/ag-1", json={"host": "h", "pid": 5})
    assert _ok(seen) == {"state": "paused"}
    _ok(client.post(f"/sweeps/{sid}/state", json={"state": "running"}))
    got = _ok(client.post(f"/sweeps/{sid}/claim", json={**claim, "run_id": "mine-1"}))
    run = got["run"]
    assert got["state"] == "running" and set(run) == {
        "run_id", "index", "params", "agent_id", "state", "reason", "claimed_at",
        "ended_at"}  # fmt: skip
    assert (run["run_id"], run["index"], run["params"], run["agent_id"]) == (
        "mine-1", 0, {"x": 1}, "ag-1")  # fmt: skip
    taken = client.post(f"/sweeps/{sid}/claim", json={**claim, "run_id": "mine-1"})
    assert "already a run of sweep" in _error(taken, 409)
    judged = _ok(client.get(f"/sweeps/{sid}/runs/mine-1/judge"))
    assert judged == {"stop": False, "reason": "the sweep has no early termination"}
    ended = client.post(f"/sweeps/{sid}/runs/mine-1/end",
                        json={"state": "stopped", "reason": "hyperband"})  # fmt: skip
    assert _ok(ended) == {}
    proposals = _ok(client.get(f"/sweeps/{sid}/proposals"))["proposals"]
    assert [(p["run_id"], p["state"], p["reason"]) for p in proposals] == [
        ("mine-1", "stopped", "hyperband")]  # fmt: skip
    page = _ok(client.get(f"/sweeps/{sid}"))
    assert page["metric"] is None and page["runs"][0]["reason"] == "hyperband"
    assert page["parameters"] == [
        {"name": "x", "importance": None, "correlation": None}
    ]
    _ok(client.post(f"/sweeps/{sid}/state", json={"state": "canceled"}))
    assert _ok(client.post(f"/sweeps/{sid}/claim", json=claim))["state"] == "canceled"


@pytest.mark.parametrize(
    ("method", "path", "body", "says"),
    [
        ("POST", "/sweeps", {"config": {"method": "grd", "parameters": {}}},
         "Sweep key 'method' must be grid, random or bayes (got 'grd')."),
        ("POST", "/sweeps", {"config": {"method": "grid"}}, "parameters"),
        ("POST", "/sweeps", {}, "config: Field required"),
        ("POST", "/sweeps", {"config": []}, "config"),
        ("POST", "/sweeps", {"config": GRID, "colour": 1}, "colour"),
        ("POST", "/sweeps", {"config": GRID, "name": "a\x00b"}, "NUL"),
        ("POST", "/sweeps/{sid}/state", {"state": "stopped"},
         "state: Input should be 'running', 'paused', 'finished' or 'canceled'"),
        ("POST", "/sweeps/{sid}/claim", {}, "agent_id: Field required"),
        ("POST", "/sweeps/{sid}/claim", {"agent_id": "a b"}, "agent_id"),
        ("POST", "/sweeps/{sid}/claim", {"agent_id": "a", "lost_after": 0},
         "lost_after: Input should be greater than 0"),
        ("POST", "/sweeps/{sid}/claim", {"agent_id": "a", "run_id": "x:y"},
         "Run id 'x:y' is not allowed"),
        ("POST", "/sweeps/{sid}/agents/a1", {"pid": -1}, "pid"),
        ("POST", "/sweeps/{sid}/agents/a%20b", {}, "Agent id 'a b' is not allowed"),
        ("POST", "/sweeps/{sid}/runs/r1/end", {"state": "running"}, "state"),
        ("POST", "/sweeps/{sid}/runs/r1/end", {"state": "failed", "reason": 3},
         "reason"),
        ("GET", "/sweeps/a%20b", None, "Sweep id 'a b' is not allowed"),
        ("GET", "/sweeps?limit=3", None, "Unknown query parameter 'limit'"),
    ],
)  # fmt: skip
def test_bad_requests_are_400_saying_what_is_wrong(
    served: Scripted, client: httpx.Client, method: str, path: str, body: Any,
    says: str,
) -> None:  # fmt: skip
    # a sweep that is not there: the request is refused before anyone looks
    response = client.request(method, path.format(sid="zzzzzzzz"), json=body)
    assert says in _error(response, 400)


def test_missing_sweeps_and_projects_are_404(
    served: Scripted, client: httpx.Client
) -> None:
    missing = (
        f"Sweep 'zzzzzzzz' not found in project '{P}'. List its sweeps with: "
        f"runfold sweeps {P}"
    )
    assert _error(client.get("/sweeps/zzzzzzzz"), 404) == missing
    assert _error(client.get("/sweeps/zzzzzzzz/proposals"), 404) == missing
    claim = client.post("/sweeps/zzzzzzzz/claim", json={"agent_id": "a"})
    assert _error(claim, 404) == missing
    nowhere = httpx.get(f"{served.url}/api/v1/projects/nope/sweeps")
    assert _error(nowhere, 404) == str(ProjectNotFound("nope"))


def test_bayes_without_optuna_on_the_server_says_so(
    served: Scripted, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    if served.store.path is None:
        pytest.skip("one backend is enough: the check is the server's, not the store's")
    bayes = {**DEFINITION, "method": "bayes"}
    sid = _ok(client.post("/sweeps", json={"config": bayes}))["id"]
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna fails
    assert _error(client.post("/sweeps", json={"config": bayes}), 400) == NO_OPTUNA
    claim = client.post(f"/sweeps/{sid}/claim", json={"agent_id": "a"})
    assert _error(claim, 400) == NO_OPTUNA


def test_team_mode_keeps_sweeps_to_the_projects_team(team: TeamServer) -> None:  # noqa: F811
    """alice (team vision) owns project alpha; bob, of another team, sees none
    of its sweeps."""
    with team.client("alice") as alice:
        sid = _ok(alice.post("/projects/alpha/sweeps", json={"config": GRID}))["id"]
        _ok(alice.post(f"/projects/alpha/sweeps/{sid}/claim", json={"agent_id": "a"}))
        assert [s["id"] for s in _ok(alice.get("/projects/alpha/sweeps"))["sweeps"]] == [
            sid]  # fmt: skip
    missing = str(ProjectNotFound("alpha"))
    base = f"/projects/alpha/sweeps/{sid}"
    calls = [
        ("GET", "/projects/alpha/sweeps", None),
        ("POST", "/projects/alpha/sweeps", {"config": GRID}),
        ("GET", base, None),
        ("GET", f"{base}/proposals", None),
        ("POST", f"{base}/state", {"state": "canceled"}),
        ("POST", f"{base}/claim", {"agent_id": "b"}),
        ("POST", f"{base}/agents/b", {"host": "x"}),
        ("POST", f"{base}/runs/r1/end", {"state": "failed"}),
        ("GET", f"{base}/runs/r1/judge", None),
    ]
    with team.client("bob") as bob:
        for method, path, body in calls:
            assert _error(bob.request(method, path, json=body), 404) == missing
    with team.client() as anonymous:
        for method, path, body in calls:
            _error(anonymous.request(method, path, json=body), 401)
    with team.client("alice") as alice:
        page = _ok(alice.get(base))
        assert page["state"] == "running" and [a["id"] for a in page["agents"]] == ["a"]


def test_team_mode_creates_a_sweep_in_a_new_project(team: TeamServer) -> None:  # noqa: F811
    """``runfold sweep`` into a project that does not exist yet creates it for the
    caller's team, as a first run would; another team still cannot see it."""
    with team.client("alice") as alice:
        sid = _ok(alice.post("/projects/fresh/sweeps", json={"config": GRID}))["id"]
        assert [s["id"] for s in _ok(alice.get("/projects/fresh/sweeps"))["sweeps"]] == [
            sid]  # fmt: skip
    with team.client("bob") as bob:
        assert _error(bob.get("/projects/fresh/sweeps"), 404) == str(
            ProjectNotFound("fresh")
        )
