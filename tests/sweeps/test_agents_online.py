"""Agents on other machines: two agent processes in online mode (``RUNFOLD_MODE=
online``, ``RUNFOLD_BASE_URL``), each with its own directory, share one grid sweep
through a real server on loopback; every point runs once and every run is stored
on the server, and ``Api(base_url=...).sweep(...)`` reads back what the local
``Api().sweep(...)`` reads on the server's store. Also the agents' client itself:
SweepController's calls and answers, and the errors an agent meets."""

from __future__ import annotations

import inspect
import itertools
import os
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

import runfold
from runfold.agents.client import NO_BASE_URL, SweepClient
from runfold.agents.controller import SweepController
from runfold.errors import NotFound, ServerUnavailable, UsageError
from runfold.store.rows import Claim, SweepRow
from tests.conftest import LiveServer
from tests.server.test_server_command import _free_port

P = "far-sweep"
GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "x": {"values": [1, 2, 3]},
        "opt": {"parameters": {"name": {"values": ["a", "b", "c"]}}},
        "seed": {"value": 0},
    },
}
PENALTY = {"a": 0.0, "b": 0.5, "c": 1.0}
# One agent "machine": it says it is ready, waits for the go (so neither agent
# gets a head start), then runs proposals until the sweep has none.
AGENT = """
import sys, time
from pathlib import Path
import runfold

here, sweep_id, project, name = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
(here / f"ready-{name}").touch()
while not (here / "go").exists():
    time.sleep(0.02)

def train():
    run = runfold.init()
    x, opt = run.config["x"], run.config["opt"]["name"]
    time.sleep(0.3)
    run.log({"loss": (x - 2) ** 2 + {"a": 0.0, "b": 0.5, "c": 1.0}[opt]})
    run.finish()

runfold.agent(sweep_id, function=train, project=project)
"""


def _agents(tmp: Path, url: str, sweep_id: str) -> list[subprocess.Popen[str]]:
    procs = []
    for name in ("m1", "m2"):
        env = {**os.environ, "RUNFOLD_MODE": "online", "RUNFOLD_BASE_URL": url,
               "RUNFOLD_DIR": str(tmp / name)}  # fmt: skip
        procs.append(subprocess.Popen(
            [sys.executable, "-c", AGENT, str(tmp), sweep_id, P, name], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))  # fmt: skip
    return procs


def _wait_ready(tmp: Path, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 60
    while not all((tmp / f"ready-{n}").exists() for n in ("m1", "m2")):
        dead = [p for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            for p in procs:
                p.kill()
            out = "\n".join("\n".join(p.communicate()) for p in procs)
            pytest.fail(f"the agents did not start\n{out}")
        time.sleep(0.02)


def _finish(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"an agent ran past 120 s\n{out}\n{err}")
        assert proc.returncode == 0, f"an agent failed\n{out}\n{err}"


def test_two_agents_on_other_machines_share_one_grid_sweep(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = live_server.url
    monkeypatch.setenv("RUNFOLD_BASE_URL", url)  # runfold.sweep() creates it there
    sweep_id = runfold.sweep(GRID, project=P)
    procs = _agents(tmp_path, url, sweep_id)
    _wait_ready(tmp_path, procs)
    (tmp_path / "go").touch()
    _finish(procs)

    with closing(runfold.Api(base_url=url)) as remote:
        sweep = remote.sweep(f"{P}/{sweep_id}")
        runs = {r.id: r for r in remote.runs(P)}
    points = sorted((p.params["x"], p.params["opt"]["name"]) for p in sweep.proposals)
    assert points == sorted(itertools.product([1, 2, 3], "abc"))  # each point once
    assert {p.state for p in sweep.proposals} == {"finished"}
    assert sweep.state == "finished"
    ran_by = {p.agent_id for p in sweep.proposals}
    assert len(ran_by) == 2 and {a.id for a in sweep.agents} == ran_by
    assert {a.state for a in sweep.agents} == {"done"}
    assert set(runs) == {p.run_id for p in sweep.proposals}  # stored on the server
    for p in sweep.proposals:
        run = runs[p.run_id]
        assert run.state == "finished" and run.config == p.params
        want = (p.params["x"] - 2) ** 2 + PENALTY[p.params["opt"]["name"]]
        assert run.summary["loss"] == want

    local = runfold.Api(live_server.store_dir).sweep(f"{P}/{sweep_id}")
    assert (sweep.id, sweep.state, sweep.config) == (
        local.id,
        local.state,
        local.config,
    )
    assert [r.id for r in sweep.runs] == [r.id for r in local.runs]
    assert [r.state for r in sweep.runs] == [r.state for r in local.runs]
    assert sweep.proposals == local.proposals and sweep.agents == local.agents
    best = sweep.best_run()
    assert best is not None and best.id == local.best_run().id  # type: ignore[union-attr]
    assert best.config["x"] == 2 and best.config["opt"] == {"name": "a"}
    assert sweep.page() == local.page()


def test_the_client_has_the_controllers_calls() -> None:
    """Everything an agent calls (``trials`` is the server's own business)."""

    def calls(cls: type) -> dict[str, inspect.Signature]:
        return {name: inspect.signature(f) for name, f in vars(cls).items()
                if callable(f) and not name.startswith("_")}  # fmt: skip

    mine, theirs = calls(SweepClient), calls(SweepController)
    theirs.pop("trials")
    mine.pop("close")
    assert mine.keys() == theirs.keys()
    for name, signature in theirs.items():
        assert list(mine[name].parameters) == list(signature.parameters), name
        defaults = [p.default for p in signature.parameters.values()]
        assert [p.default for p in mine[name].parameters.values()] == defaults, name


def test_the_client_answers_as_the_controller(live_server: LiveServer) -> None:
    client = SweepClient(live_server.url, None)
    try:
        made = client.create(P, GRID, name="by client")
        assert isinstance(made, SweepRow) and made.name == "by client"
        assert client.sweeps(P) == [made] and client.sweep(P, made.id) == made
        assert client.seen(P, made.id, "ag", host="h", pid=3) == "running"
        claim = client.claim(P, made.id, "ag", lost_after=30.0)
        assert isinstance(claim, Claim) and claim.state == "running"
        assert claim.run is not None and claim.run.params == {
            "opt": {"name": "a"}, "seed": 0, "x": 1}  # fmt: skip
        assert client.judge(P, made.id, claim.run.run_id) == (
            False, "the sweep has no early termination")  # fmt: skip
        client.end(P, made.id, claim.run.run_id, "failed", "it broke")
        paused = client.set_state(P, made.id, "paused")
        assert paused.state == "paused" and paused.agents[0].host == "h"
        assert client.claim(P, made.id, "ag") == Claim("paused", None)
        with pytest.raises(UsageError, match="state: Input should be 'running'"):
            client.set_state(P, made.id, "asleep")
        with pytest.raises(NotFound, match="Sweep 'zzzzzzzz' not found"):
            client.sweep(P, "zzzzzzzz")
        with pytest.raises(UsageError, match="Sweep key 'method'"):
            client.create(P, {"method": "grd", "parameters": {}})
    finally:
        client.close()


def test_an_agent_that_cannot_reach_its_server_says_where_and_what_to_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("RUNFOLD_MODE", "online")
    monkeypatch.setenv("RUNFOLD_BASE_URL", url)
    with pytest.raises(ServerUnavailable) as err:
        runfold.agent(f"{P}/abcdefgh", function=lambda: None)
    message = str(err.value)
    assert f"The Runfold server at {url} is not reachable" in message
    assert "runfold server" in message and "RUNFOLD_BASE_URL" in message
    monkeypatch.delenv("RUNFOLD_BASE_URL")
    with pytest.raises(UsageError) as no_url:
        runfold.agent(f"{P}/abcdefgh", function=lambda: None)
    assert str(no_url.value) == NO_BASE_URL.format(url=None)
