"""Real training scripts in real processes: quickstart, grouping by launcher
environment, resume, init/finish loops and many processes writing one store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import runfold
from tests.conftest import run_script

PROCESS_TIMEOUT_S = 60.0

QUICKSTART = """
import runfold as wandb

run = wandb.init(
    project="quickstart",
    group="exp-1",
    config={"lr": 0.01, "epochs": 20, "optimizer": {"name": "adam", "beta1": 0.9}},
)
for epoch in range(20):
    wandb.log({"loss": 1.0 / (epoch + 1), "acc": epoch / 20})
wandb.finish()
"""

WORKER = """
import json, os
import runfold as wandb

rank = int(os.environ["RANK"])
kwargs = json.loads(os.environ.get("INIT_KWARGS", "{}"))
run = wandb.init(project="dist", config={"rank": rank}, **kwargs)
for step in range(10):
    wandb.log({"loss": rank + step / 10})
wandb.finish()
"""


def _start(
    source: str, env: dict[str, str], args: list[str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(source), *(args or [])],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_together(
    source: str,
    envs: list[dict[str, str]],
    *,
    timeout: float = PROCESS_TIMEOUT_S,
    args: list[str] | None = None,
) -> list[tuple[str, str]]:
    """Run one script in several processes at once; fail with every child's output
    unless all exit 0 within ``timeout`` and write nothing to stderr. Returns
    (stdout, stderr) per process."""
    procs = [_start(source, env, args) for env in envs]
    deadline = time.monotonic() + timeout
    outputs: list[tuple[str, str]] = []
    failures: list[str] = []
    try:
        for i, proc in enumerate(procs):
            why = ""
            try:
                out, err = proc.communicate(
                    timeout=max(0.1, deadline - time.monotonic())
                )
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                why = f"timed out after {timeout}s"
            if proc.returncode != 0:
                why = why or f"exited {proc.returncode}"
            if err:
                why = why or "wrote to stderr"
            if why:
                failures.append(f"process {i} {why}\nstdout:\n{out}\nstderr:\n{err}")
            outputs.append((out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    if failures:
        pytest.fail("\n\n".join(failures))
    return outputs


def _group_rows(api: runfold.Api, project: str) -> dict[tuple[object, ...], list]:
    """``api.groups(by=[group, job_type])`` as {key: [state, count, sorted ranks]}."""
    return {
        g.key: [g.state, g.count, sorted(r.config["rank"] for r in g.runs)]
        for g in api.groups(project, by=["group", "job_type"])
    }


# ---- 1. the quickstart ------------------------------------------------------


def test_quickstart_script_records_one_full_run_per_execution(
    api: runfold.Api,
) -> None:
    for _ in range(3):
        proc = run_script(QUICKSTART, timeout=PROCESS_TIMEOUT_S)
        assert proc.stderr == ""

    runs = api.runs("quickstart")
    assert len(runs) == 3
    assert len({r.id for r in runs}) == 3
    for r in runs:
        assert r.state == "finished"
        assert r.exit_code == 0
        assert r.group == "exp-1"
        assert r.config == {
            "lr": 0.01,
            "epochs": 20,
            "optimizer": {"name": "adam", "beta1": 0.9},
        }
        history = r.history()
        assert [row["_step"] for row in history] == list(range(20))
        assert [row["loss"] for row in history] == [1.0 / (e + 1) for e in range(20)]
        assert [row["acc"] for row in history] == [e / 20 for e in range(20)]
        assert r.summary["loss"] == 1.0 / 20
        assert r.summary["acc"] == 19 / 20
    (group,) = api.groups("quickstart", by=["group"])
    assert (group.key, group.count, group.state) == (("exp-1",), 3, "finished")


# ---- 2. group and job_type from arguments and the launcher's environment ----


@pytest.mark.parametrize("prefix", ["RUNFOLD", "WANDB"])
def test_workers_share_group_and_job_type_when_launcher_sets_them_in_env(
    api: runfold.Api, prefix: str
) -> None:
    group = "experiment-" + runfold.util.generate_id()
    launcher = {f"{prefix}_RUN_GROUP": group, f"{prefix}_JOB_TYPE": "train"}

    _run_together(WORKER, [{**launcher, "RANK": str(rank)} for rank in range(4)])

    assert _group_rows(api, "dist") == {(group, "train"): ["finished", 4, [0, 1, 2, 3]]}
    for r in api.runs("dist"):
        assert [row["loss"] for row in r.history()] == [
            r.config["rank"] + s / 10 for s in range(10)
        ]


def test_init_arguments_win_over_env_when_both_set_group_and_job_type(
    api: runfold.Api,
) -> None:
    launcher = {
        "RUNFOLD_RUN_GROUP": "env-group",
        "RUNFOLD_JOB_TYPE": "env-job",
        "WANDB_RUN_GROUP": "wandb-group",
        "WANDB_JOB_TYPE": "wandb-job",
    }
    with_args = '{"group": "arg-group", "job_type": "eval"}'
    envs = [
        {**launcher, "RANK": "0", "INIT_KWARGS": with_args},
        {**launcher, "RANK": "1", "INIT_KWARGS": with_args},
        {**launcher, "RANK": "2", "INIT_KWARGS": '{"job_type": "eval"}'},
        {**launcher, "RANK": "3"},
    ]

    _run_together(WORKER, envs)

    assert _group_rows(api, "dist") == {
        ("arg-group", "eval"): ["finished", 2, [0, 1]],
        ("env-group", "env-job"): ["finished", 1, [3]],
        ("env-group", "eval"): ["finished", 1, [2]],
    }


@pytest.mark.parametrize(
    ("launcher", "expected_group"),
    [
        ({"TORCHELASTIC_RUN_ID": "f3a9c2"}, "torchrun-f3a9c2"),
        ({"SLURM_JOB_ID": "4242", "SLURM_NTASKS": "4"}, "slurm-4242"),
    ],
    ids=["torchrun", "slurm"],
)
def test_ranks_fold_into_launch_group_when_launcher_id_is_set_and_no_group(
    api: runfold.Api, launcher: dict[str, str], expected_group: str
) -> None:
    envs = [
        {**launcher, "RANK": str(rank), "LOCAL_RANK": str(rank)} for rank in range(4)
    ]

    _run_together(WORKER, envs)

    assert _group_rows(api, "dist") == {
        (expected_group, None): ["finished", 4, [0, 1, 2, 3]]
    }


def test_explicit_group_wins_over_torchrun_id_when_both_are_set(
    api: runfold.Api,
) -> None:
    envs = [
        {"TORCHELASTIC_RUN_ID": "f3a9c2", "RANK": "0"},
        {"TORCHELASTIC_RUN_ID": "f3a9c2", "RANK": "1", "RUNFOLD_RUN_GROUP": "env"},
        {"TORCHELASTIC_RUN_ID": "f3a9c2", "RANK": "2", "INIT_KWARGS": '{"group": "a"}'},
    ]

    _run_together(WORKER, envs)

    assert {g.key: g.count for g in api.groups("dist", by=["group"])} == {
        ("a",): 1,
        ("env",): 1,
        ("torchrun-f3a9c2",): 1,
    }


# ---- 3. resume ----------------------------------------------------------------

RESUMABLE = """
import sys
import runfold as wandb

n = int(sys.argv[1])
run = wandb.init(project="resume", config={"lr": 0.1})
print(run.id, run.step)
for _ in range(n):
    wandb.log({"loss": float(run.step), "double": 2.0 * run.step})
wandb.finish()
"""


@pytest.mark.parametrize("prefix", ["RUNFOLD", "WANDB"])
def test_second_process_appends_to_run_when_id_and_resume_allow_come_from_env(
    api: runfold.Api, prefix: str
) -> None:
    env = {f"{prefix}_RUN_ID": "resume01", f"{prefix}_RESUME": "allow"}

    (first,) = _run_together(RESUMABLE, [env], args=["25"])
    (second,) = _run_together(RESUMABLE, [env], args=["25"])

    assert first[0].split() == ["resume01", "0"]
    assert second[0].split() == ["resume01", "25"]
    (r,) = api.runs("resume")
    assert (r.id, r.state, r.config) == ("resume01", "finished", {"lr": 0.1})
    history = r.history()
    assert [row["_step"] for row in history] == list(range(50))
    assert [row["loss"] for row in history] == [float(s) for s in range(50)]
    assert [row["double"] for row in history] == [2.0 * s for s in range(50)]
    assert r.metrics["loss"].count == 50
    assert r.summary["loss"] == 49.0


@pytest.mark.parametrize(
    "how",
    [
        {"RUNFOLD_RUN_ID": "missing1", "RUNFOLD_RESUME": "must"},
        {"WANDB_RUN_ID": "missing1", "WANDB_RESUME": "must"},
    ],
    ids=["runfold-env", "wandb-env"],
)
def test_process_fails_with_clear_message_when_resume_must_and_run_is_missing(
    runfold_dir: Path, how: dict[str, str]
) -> None:
    proc = run_script(
        "import runfold; runfold.init(project='resume')",
        env=how,
        check=False,
        timeout=PROCESS_TIMEOUT_S,
    )

    assert proc.returncode == 1
    assert (
        "runfold.errors.UsageError: resume='must' but run 'missing1' does not exist "
        "in project 'resume'." in proc.stderr
    )
    assert not (runfold_dir / "runs" / "resume" / "missing1").exists()


def test_process_fails_mentioning_resume_allow_when_id_exists_and_no_resume(
    api: runfold.Api,
) -> None:
    _run_together(RESUMABLE, [{"RUNFOLD_RUN_ID": "taken001"}], args=["5"])

    proc = run_script(
        "import runfold; runfold.init(project='resume', id='taken001')",
        check=False,
        timeout=PROCESS_TIMEOUT_S,
    )

    assert proc.returncode == 1
    assert "Run 'taken001' already exists in project 'resume'." in proc.stderr
    assert "resume='allow'" in proc.stderr
    (r,) = api.runs("resume")
    assert r.state == "finished"
    assert [row["loss"] for row in r.history()] == [0.0, 1.0, 2.0, 3.0, 4.0]


# ---- 4. init/finish in a loop ---------------------------------------------------


LOOPS = {
    "finish": """
        for fold in range(5):
            run = wandb.init(**KWARGS, config={"fold": fold})
            log_fold(fold)
            wandb.finish()
        """,
    "reinit": """
        for fold in range(5):
            run = wandb.init(**KWARGS, config={"fold": fold}, reinit=True)
            log_fold(fold)
        """,
    "with": """
        for fold in range(5):
            with wandb.init(**KWARGS, config={"fold": fold}) as run:
                log_fold(fold)
        """,
}


@pytest.mark.parametrize("loop", list(LOOPS))
def test_init_finish_loop_records_one_finished_run_per_iteration(
    api: runfold.Api, loop: str
) -> None:
    prelude = """
        import runfold as wandb

        KWARGS = {"project": "kfold", "group": "cv", "job_type": "fold"}

        def log_fold(fold):
            for step in range(30):
                wandb.log({"val/acc": fold + step / 100})
            print(wandb.run.id)
        """
    source = textwrap.dedent(prelude) + textwrap.dedent(LOOPS[loop])
    proc = run_script(source, timeout=PROCESS_TIMEOUT_S)

    printed = proc.stdout.split()
    runs = api.runs("kfold")
    assert len(set(printed)) == 5
    assert sorted(r.id for r in runs) == sorted(printed)
    assert sorted(r.config["fold"] for r in runs) == [0, 1, 2, 3, 4]
    for r in runs:
        fold = r.config["fold"]
        assert (r.state, r.group, r.job_type) == ("finished", "cv", "fold")
        history = r.history()
        assert [row["_step"] for row in history] == list(range(30))
        assert [row["val/acc"] for row in history] == [
            fold + s / 100 for s in range(30)
        ]
    (group,) = api.groups("kfold", by=["group", "job_type"])
    assert (group.key, group.count, group.states) == (
        ("cv", "fold"),
        5,
        {"finished": 5},
    )


# ---- 5. many processes, one store -------------------------------------------------

CONCURRENT_LOGGER = """
import os, sys, time
from pathlib import Path
import runfold

worker, steps, sync = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
run = runfold.init(project="crowd", id=f"worker{worker}", config={"worker": worker})
(sync / f"ready{worker}").touch()
deadline = time.monotonic() + 30
while not (sync / "go").exists() and time.monotonic() < deadline:
    time.sleep(0.002)
for step in range(steps):
    runfold.log({f"m{k}": worker * 1e6 + step * 10 + k for k in range(8)})
    if step % 10 == 0:
        time.sleep(0.001)  # spread the logging over many flushes of every process
runfold.finish()
"""


def test_every_point_is_stored_once_when_eight_processes_log_at_once(
    runfold_dir: Path, tmp_path: Path
) -> None:
    # No store yet: the eight processes also race to create it and migrate it.
    assert not runfold_dir.exists()
    workers, steps = 8, 3000
    sync = tmp_path / "sync"
    sync.mkdir()
    env = {"RUNFOLD_FLUSH_SECONDS": "0.05"}
    procs = [
        _start(CONCURRENT_LOGGER, env, [str(w), str(steps), str(sync)])
        for w in range(workers)
    ]
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT_S
        while len(list(sync.glob("ready*"))) < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                break  # the output check below shows why
            time.sleep(0.01)
        (sync / "go").touch()
        outputs = []
        for proc in procs:
            try:
                out, err = proc.communicate(
                    timeout=max(0.1, deadline - time.monotonic())
                )
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                err += f"\n(timed out after {PROCESS_TIMEOUT_S}s)"
            outputs.append((proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert outputs == [(0, "", "")] * workers

    api = runfold.Api()
    try:
        _check_crowd(api, workers, steps)
    finally:
        api.close()


def _check_crowd(api: runfold.Api, workers: int, steps: int) -> None:
    runs = {r.id: r for r in api.runs("crowd")}
    assert sorted(runs) == [f"worker{w}" for w in range(workers)]
    for w in range(workers):
        r = runs[f"worker{w}"]
        assert r.state == "finished"
        for k in range(8):
            assert r.metrics[f"m{k}"].count == steps
        history = r.history()
        assert len(history) == steps
        assert [row["_step"] for row in history] == list(range(steps))
        for row in history:
            s = row["_step"]
            expected = {f"m{k}": w * 1e6 + s * 10 + k for k in range(8)}
            assert {k: row[k] for k in expected} == expected
