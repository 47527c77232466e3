"""The sweep agent with a function (agents/runner.py): ``runfold.agent`` in this
process and in several processes at once, an agent killed with SIGKILL, and a
function run stopped by hyperband or a cancel at its next ``log()``."""

from __future__ import annotations

import os
import signal
import time
from itertools import product
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold.store import open_store

from .conftest import finish, read_sweep, start_script, wait_for

GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"a": {"values": [1, 2, 3]}, "b": {"values": ["x", "y", "z", "w"]}},
}


def _train() -> None:
    run = runfold.init()
    run.log({"loss": run.config["a"] + len(run.config["b"])})


def test_each_call_is_a_fresh_run_whose_config_is_the_proposal(
    api: runfold.Api,
) -> None:
    sweep_id = runfold.sweep(GRID, project="p")
    seen: list[tuple[str, dict[str, Any]]] = []

    def train() -> None:
        run = runfold.init(config={"epochs": 2})
        seen.append((run.id, run.config.as_dict()))
        assert run.sweep_id == sweep_id and os.environ["WANDB_SWEEP_ID"] == sweep_id
        run.log({"loss": run.config["a"]})

    runfold.agent(sweep_id, function=train, count=3, project="p")
    assert "RUNFOLD_SWEEP_ID" not in os.environ  # the agent restored the environment
    sweep = api.sweep(f"p/{sweep_id}")
    assert [(p.index, p.state) for p in sweep.proposals] == [
        (0, "finished"), (1, "finished"), (2, "finished"),
    ]  # fmt: skip
    assert [run_id for run_id, _ in seen] == [p.run_id for p in sweep.proposals]
    for (run_id, config), proposal in zip(seen, sweep.proposals, strict=True):
        assert config == {**proposal.params, "epochs": 2}
        stored = api.run(f"p/{run_id}")
        assert (stored.state, stored.config) == ("finished", config)
        assert stored.metadata["sweep_id"] == sweep_id
    assert [r.id for r in sweep.runs] == [run_id for run_id, _ in seen]
    assert sweep.best_run().config["a"] == 1


def test_a_function_that_raises_fails_its_run_and_the_agent_goes_on(
    api: runfold.Api, capfd: pytest.CaptureFixture[str]
) -> None:
    sweep_id = runfold.sweep(GRID, project="p")

    def train() -> None:
        run = runfold.init()
        run.log({"loss": 1.0})
        if run.config["b"] == "y":
            raise RuntimeError("out of memory (scripted)")

    runfold.agent(f"p/{sweep_id}", function=train, count=4)
    sweep = api.sweep(f"p/{sweep_id}")
    states = [(p.params["b"], p.state) for p in sweep.proposals]
    assert states == [("x", "finished"), ("y", "failed"), ("z", "finished"),
                      ("w", "finished")]  # fmt: skip
    assert [r.state for r in sweep.runs] == ["finished", "failed", "finished",
                                             "finished"]  # fmt: skip
    assert "RuntimeError: out of memory (scripted)" in capfd.readouterr().err


def test_an_agent_whose_first_runs_all_fail_stops(
    api: runfold.Api, capfd: pytest.CaptureFixture[str]
) -> None:
    sweep_id = runfold.sweep(GRID, project="p")

    def train() -> None:
        raise ValueError("a bug in the script")

    runfold.agent(sweep_id, function=train, project="p")
    assert [p.state for p in api.sweep(f"p/{sweep_id}").proposals] == ["failed"] * 3
    assert "the first 3 runs of sweep" in capfd.readouterr().err


def test_an_agent_for_an_unknown_sweep_says_how_to_name_it() -> None:
    with pytest.raises(runfold.errors.NotFound) as caught:
        runfold.agent("nope1234", function=_train)
    message = str(caught.value)
    assert message.startswith(
        "Sweep 'nope1234' not found in project 'uncategorized' (store "
    )
    assert "PROJECT/nope1234" in message and "runfold sweeps PROJECT" in message


def test_a_function_agent_needs_a_function_or_a_program() -> None:
    sweep_id = runfold.sweep(GRID, project="p")
    with pytest.raises(runfold.errors.UsageError, match="has nothing to run"):
        runfold.agent(sweep_id, project="p")


# One function agent per process, as `python train.py` with runfold.agent() in it.
AGENT = """
import os, sys, time
import runfold

def train():
    run = runfold.init()
    with open(os.path.join(os.environ["MARKS"], run.id), "w") as f:
        f.write(str(os.getpid()))
    for step in range(3):
        run.log({"loss": run.config["a"] / (step + 1)})
        time.sleep(float(os.environ.get("STEP_S", "0.02")))

runfold.agent(sys.argv[1], function=train, project="p")
"""


def test_three_agents_in_parallel_cover_the_grid_exactly_once(
    tmp_path: Path,
) -> None:
    sweep_id = runfold.sweep(GRID, project="p")
    (tmp_path / "marks").mkdir()
    env = {"MARKS": str(tmp_path / "marks")}
    agents = [start_script(AGENT, sweep_id, env=env) for _ in range(3)]
    for proc in agents:
        finish(proc)
    sweep = read_sweep(f"p/{sweep_id}")
    points = sorted((p.params["a"], p.params["b"]) for p in sweep.proposals)
    assert points == sorted(product([1, 2, 3], ["x", "y", "z", "w"]))
    assert {p.state for p in sweep.proposals} == {"finished"}
    assert sweep.state == "finished"
    assert sorted(r.id for r in sweep.runs) == sorted(os.listdir(tmp_path / "marks"))
    assert len({a.id for a in sweep.agents}) == 3
    assert {a.state for a in sweep.agents} == {"done"}
    # Each agent ran some: the three shared the grid.
    assert len({p.agent_id for p in sweep.proposals}) == 3


def test_run_cap_holds_across_agents(tmp_path: Path) -> None:
    sweep_id = runfold.sweep({**GRID, "run_cap": 5}, project="p")
    (tmp_path / "marks").mkdir()
    env = {"MARKS": str(tmp_path / "marks")}
    agents = [start_script(AGENT, sweep_id, env=env) for _ in range(2)]
    for proc in agents:
        finish(proc)
    sweep = read_sweep(f"p/{sweep_id}")
    assert [p.index for p in sorted(sweep.proposals, key=lambda p: p.index)] == [
        0, 1, 2, 3, 4,
    ]  # fmt: skip
    assert len(os.listdir(tmp_path / "marks")) == 5 and sweep.state == "finished"


def test_an_agent_killed_mid_run_has_its_point_run_by_another(
    tmp_path: Path, runfold_dir: Path
) -> None:
    sweep_id = runfold.sweep(
        {**GRID, "parameters": {"a": {"values": [1, 2, 3]}}}, project="p"
    )
    marks = tmp_path / "marks"
    marks.mkdir()
    # The first agent's run sleeps until it is killed.
    doomed = start_script(
        AGENT, sweep_id, new_session=True,
        env={"MARKS": str(marks), "STEP_S": "30", "RUNFOLD_SWEEP_LOST_AFTER": "1.5"},
    )  # fmt: skip
    first = wait_for(lambda: os.listdir(marks), "the first agent's run to start")
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.communicate()
    survivor = start_script(
        AGENT, sweep_id, env={"MARKS": str(marks), "RUNFOLD_SWEEP_LOST_AFTER": "1.5"}
    )
    finish(survivor)
    store = open_store(runfold_dir / "runfold.db")
    try:
        every = store.sweep_runs("p", sweep_id)
    finally:
        store.close()
    killed = next(p for p in every if p.run_id == first[0])
    assert (killed.state, killed.reason) == ("replaced", "its agent stopped answering")
    sweep = read_sweep(f"p/{sweep_id}")
    assert sorted(p.params["a"] for p in sweep.proposals) == [1, 2, 3]
    assert {p.state for p in sweep.proposals} == {"finished"}
    assert killed.params in [p.params for p in sweep.proposals]
    assert sweep.state == "finished"


HYPERBAND = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"a": {"values": [1, 2, 3, 4]}},
    "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
}


def test_hyperband_stops_a_function_run_at_its_next_log(api: runfold.Api) -> None:
    """Runs log loss = a at every step: with brackets 2, 4, 8 and eta 2, the third
    and fourth runs are worse than the cutoff (ties continue) and are stopped."""
    sweep_id = runfold.sweep(HYPERBAND, project="p")
    steps: dict[int, int] = {}

    def train() -> None:
        run = runfold.init()
        a = run.config["a"]
        for step in range(40):
            steps[a] = step + 1
            run.log({"loss": float(a)})
            if a > 2:  # the runs to stop run slowly; the others finish at once
                time.sleep(0.05)

    runfold.agent(sweep_id, function=train, project="p")
    sweep = api.sweep(f"p/{sweep_id}")
    got = {p.params["a"]: (p.state, p.reason) for p in sweep.proposals}
    assert [got[a][0] for a in (1, 2, 3, 4)] == [
        "finished", "finished", "stopped", "stopped",
    ]  # fmt: skip
    assert (steps[1], steps[2]) == (40, 40) and steps[3] < 40 and steps[4] < 40
    assert got[3][1].startswith("bracket ") and "worse than the cutoff" in got[3][1]
    # The stopped run kept what it logged, and its run reads failed (not to its end).
    stopped = api.run(
        f"p/{next(p.run_id for p in sweep.proposals if p.params['a'] == 3)}"
    )
    assert stopped.state == "failed" and len(stopped.history()) == steps[3]


def test_a_cancel_stops_a_function_run_at_its_next_log(
    api: runfold.Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_SWEEP_LOST_AFTER", "0.6")  # heartbeat every 0.2 s
    sweep_id = runfold.sweep(GRID, project="p")
    logged: list[int] = []

    def train() -> None:
        run = runfold.init()
        for step in range(200):
            if step == 3:  # as `runfold sweep --cancel` would, from elsewhere
                _cancel(sweep_id)
            logged.append(step)
            run.log({"loss": 1.0})
            time.sleep(0.02)

    runfold.agent(sweep_id, function=train, project="p")
    sweep = api.sweep(f"p/{sweep_id}")
    assert [(p.state, p.reason) for p in sweep.proposals] == [
        ("stopped", "the sweep was canceled")
    ]
    assert sweep.state == "canceled" and len(logged) < 200


def _cancel(sweep_id: str) -> None:
    store = open_store(Path(os.environ["RUNFOLD_DIR"]) / "runfold.db")
    try:
        store.set_sweep_state("p", sweep_id, "canceled")
    finally:
        store.close()


def test_a_run_that_reaches_the_target_ends_a_grid_sweep(api: runfold.Api) -> None:
    definition = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize", "target": 1.0},
        "parameters": {"a": {"values": [5, 1, 3, 2]}},
    }
    sweep_id = runfold.sweep(definition, project="p")

    def train() -> None:
        run = runfold.init()
        run.log({"loss": float(run.config["a"])})

    runfold.agent(sweep_id, function=train, project="p")
    sweep = api.sweep(f"p/{sweep_id}")
    assert [p.params["a"] for p in sweep.proposals] == [5, 1]
    assert sweep.state == "finished"
