"""``runfold sweep`` and ``runfold agent`` (cli_sweeps.py) with program agents, in
real processes: bad definitions refused, an unknown sweep explained, ``--count``,
hyperband stopping the right runs, and pause / resume / stop / cancel seen by a
running agent."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

import runfold
from runfold.errors import ProjectNotFound

from .conftest import RUNFOLD, finish, read_sweep, runfold_cli, start, wait_for


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def _create(directory: Path, definition: str) -> str:
    """``runfold sweep sweep.yaml``; the PROJECT/ID it printed."""
    _write(directory, "sweep.yaml", definition)
    done = runfold_cli("sweep", "sweep.yaml", "--project", "p", cwd=directory)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Created sweep ") and lines[0].endswith(" in project p.")
    assert lines[2].startswith("Run agents with: runfold agent p/")
    return lines[2].rsplit(" ", 1)[1]


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("method: annealing\nparameters:\n  x: {values: [1]}\n",
         "Sweep key 'method' must be grid, random or bayes (got 'annealing')."),
        ("method: grid\nparameters:\n  lr: {distribution: uniform, min: 0, max: 1}\n",
         "Sweep parameter 'lr': method 'grid' cannot enumerate distribution "
         "'uniform'; use value, values, int_uniform or q_uniform, or method random "
         "or bayes."),
        ("method: random\nparameters:\n"
         "  x: {distribution: log_uniform_values, min: 0, max: 1}\n",
         "Sweep parameter 'x': distribution 'log_uniform_values' needs min > 0 "
         "(got min=0)."),
        ("method: bayes\nparameters:\n  x: {values: [1, 2]}\n",
         "Sweep method 'bayes' needs a metric: add metric: {name: val_loss, goal: "
         "minimize}."),
        ("method: grid\nparameters:\n  x: {values: [1]}\n"
         "early_terminate: {type: hyperband}\n",
         "Sweep key 'early_terminate' needs min_iter, or max_iter together with s."),
        ("method: [\n", "The sweep definition is not valid YAML: "),
    ],
)  # fmt: skip
def test_a_bad_definition_is_refused_and_nothing_is_created(
    tmp_path: Path, runfold_dir: Path, definition: str, message: str
) -> None:
    _write(tmp_path, "sweep.yaml", definition)
    done = runfold_cli("sweep", "sweep.yaml", "--project", "p", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: {message}")
    assert "Traceback" not in done.stderr and done.stdout == ""
    api = runfold.Api()
    try:
        with pytest.raises(ProjectNotFound):
            api.sweeps("p")
    finally:
        api.close()


def test_a_missing_definition_file_is_named(tmp_path: Path) -> None:
    done = runfold_cli("sweep", "nope.yaml", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        1, "Error: Cannot read sweep file 'nope.yaml': No such file or directory.\n",
    )  # fmt: skip


def test_an_unknown_sweep_says_what_to_do(tmp_path: Path) -> None:
    done = runfold_cli("agent", "abcd1234", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Error: Sweep 'abcd1234' not found in project 'uncategorized' (store "
    )
    assert "PROJECT/abcd1234" in done.stderr
    assert "list a project's sweeps with: runfold sweeps PROJECT" in done.stderr
    done = runfold_cli("agent", "a/b/c/d", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, (
        "Error: Sweep 'a/b/c/d' must be ID, PROJECT/ID or ENTITY/PROJECT/ID, as "
        "runfold sweep printed it.\n"
    ))  # fmt: skip


TRAIN = """
import time
import runfold

run = runfold.init()
a = run.config["a"]
for step in range(60):
    run.log({"loss": float(a)})
    if a > 2:
        time.sleep(0.1)
"""


def test_count_runs_that_many_and_the_next_agent_goes_on(tmp_path: Path) -> None:
    _write(tmp_path, "train.py", TRAIN)
    path = _create(tmp_path, """
        method: grid
        program: train.py
        metric: {name: loss, goal: minimize}
        parameters:
          a: {values: [0, 1, 2, -1]}
    """)  # fmt: skip
    done = runfold_cli("agent", "--count", "2", path, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [p.params["a"] for p in read_sweep(path).proposals] == [0, 1]
    done = runfold_cli("agent", path, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sweep = read_sweep(path)
    assert [p.params["a"] for p in sweep.proposals] == [0, 1, 2, -1]
    assert sweep.state == "finished"
    assert [r.summary["loss"] for r in sweep.runs] == [0, 1, 2, -1]
    assert sweep.best_run().config == {"a": -1}


def test_hyperband_stops_the_runs_worse_than_its_cutoff(tmp_path: Path) -> None:
    """Each run logs loss = a, 60 times; runs 3 and 4 slowly. With brackets 2, 4,
    8 ... and eta 2 the cutoff is the 2nd best of 3 runs and the 3rd of 4, so run
    3 (a = 3) and run 4 (a = 4) are stopped; runs 1 and 2 finish."""
    _write(tmp_path, "train.py", TRAIN)
    path = _create(tmp_path, """
        method: grid
        program: train.py
        metric: {name: loss, goal: minimize}
        parameters:
          a: {values: [1, 2, 3, 4]}
        early_terminate: {type: hyperband, min_iter: 2, eta: 2}
    """)  # fmt: skip
    done = runfold_cli("agent", path, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sweep = read_sweep(path)
    got = {p.params["a"]: p for p in sweep.proposals}
    assert [got[a].state for a in (1, 2, 3, 4)] == [
        "finished", "finished", "stopped", "stopped",
    ]  # fmt: skip
    for a in (3, 4):
        assert got[a].reason.startswith("bracket ")
        assert f"its value {a} is worse than the cutoff" in got[a].reason
    runs = {r.config["a"]: r for r in sweep.runs}
    assert [len(runs[a].history()) for a in (1, 2)] == [60, 60]
    assert all(len(runs[a].history()) < 60 for a in (3, 4))
    # SIGTERM ends a program run through the SDK's handler: the run reads failed.
    assert [runs[a].state for a in (1, 2, 3, 4)] == [
        "finished", "finished", "failed", "failed",
    ]  # fmt: skip


# Runs until told: slow while the file SLOW exists in MARKS.
CONTROLLED = """
import os, time
import runfold

run = runfold.init()
marks = os.environ["MARKS"]
open(os.path.join(marks, run.id), "w").close()
for step in range(300):
    run.log({"loss": 1.0 / (step + 1)})
    slow = os.path.exists(os.path.join(marks, "SLOW"))
    if step >= 3 and not slow:
        break
    time.sleep(0.05)
"""
CONTROLLED_SWEEP = """
    method: grid
    program: train.py
    parameters:
      a: {values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]}
"""


def _controlled(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    _write(tmp_path, "train.py", CONTROLLED)
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {"MARKS": str(marks), "RUNFOLD_SWEEP_LOST_AFTER": "0.9"}  # beat: 0.3 s
    return _create(tmp_path, CONTROLLED_SWEEP), marks, env


def _control(flag: str, path: str) -> None:
    done = runfold_cli("sweep", flag, path)
    state = {"--pause": "paused", "--resume": "running", "--cancel": "canceled",
             "--stop": "finished"}[flag]  # fmt: skip
    assert (done.returncode, done.stdout) == (0, f"Sweep {path} is now {state}.\n")


def _running(path: str) -> list[str]:
    return [p.run_id for p in read_sweep(path).proposals if p.state == "running"]


def test_pause_resume_and_cancel_reach_a_running_agent(tmp_path: Path) -> None:
    path, marks, env = _controlled(tmp_path)
    agent = start([*RUNFOLD, "agent", path], env, cwd=tmp_path)
    wait_for(lambda: len(os.listdir(marks)) >= 2, "two runs")
    _control("--pause", path)
    wait_for(lambda: not _running(path), "the running run to end")
    paused = len(read_sweep(path).proposals)
    time.sleep(1.0)  # the agent waits: no new run
    assert len(read_sweep(path).proposals) == paused and agent.poll() is None
    (marks / "SLOW").touch()
    _control("--resume", path)
    slow = wait_for(lambda: _running(path), "a run after the resume")
    _control("--cancel", path)
    finish(agent)
    sweep = read_sweep(path)
    assert sweep.state == "canceled" and len(sweep.proposals) == paused + 1
    last = next(p for p in sweep.proposals if p.run_id == slow[0])
    assert (last.state, last.reason) == ("stopped", "the sweep was canceled")
    assert {p.state for p in sweep.proposals[:-1]} == {"finished"}


def test_stop_lets_the_running_run_finish_and_the_agent_leave(
    tmp_path: Path,
) -> None:
    path, marks, env = _controlled(tmp_path)
    (marks / "SLOW").touch()
    agent = start([*RUNFOLD, "agent", path], env, cwd=tmp_path)
    running = wait_for(lambda: _running(path), "a run")
    _control("--stop", path)
    (marks / "SLOW").unlink()
    finish(agent)
    sweep = read_sweep(path)
    assert sweep.state == "finished"
    assert [(p.run_id, p.state) for p in sweep.proposals] == [(running[0], "finished")]
