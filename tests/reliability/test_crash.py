"""How a run ends when its process does not call finish(): kill -9, SIGTERM, an
uncaught exception, sys.exit. Real processes, real run logs, the real store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import runfold
from runfold.sdk.runlog import read_end, scan
from tests.conftest import run_script

PROCESS_TIMEOUT_S = 60.0
FAST = {"RUNFOLD_FLUSH_SECONDS": "0.2", "RUNFOLD_HEARTBEAT_SECONDS": "0.2"}

# Logs one step about every millisecond, forever. After each log() returns it
# appends "<step> <time>" to the progress file, so the parent knows which steps
# the script had handed to runfold, and when.
STEADY_LOGGER = """
import sys, time
import runfold

progress = open(sys.argv[1], "a", buffering=1)
run = runfold.init(project="crash", id="victim01", config={"lr": 0.1})
step = 0
while True:
    runfold.log({"x": float(step), "y": -2.0 * step})
    progress.write(f"{step} {time.time()!r}\\n")
    step += 1
    time.sleep(0.001)
"""


def _start(source: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _progress(path: Path) -> list[tuple[int, float]]:
    """The (step, time) lines the child wrote, ignoring a half-written last line."""
    out = []
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                out.append((int(parts[0]), float(parts[1])))
            except ValueError:
                continue
    return out


def _wait_for_logging(
    proc: subprocess.Popen[str], progress: Path, seconds: float
) -> None:
    """Wait until the child has been logging for ``seconds``; fail with its output
    if it dies or takes too long to get there."""
    deadline = time.monotonic() + PROCESS_TIMEOUT_S
    while time.monotonic() < deadline:
        lines = _progress(progress)
        if lines and lines[-1][1] - lines[0][1] >= seconds:
            return
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    out, err = proc.communicate()
    pytest.fail(
        f"the logging script did not log for {seconds}s (exit {proc.returncode})"
        f"\nstdout:\n{out}\nstderr:\n{err}"
    )


def _end(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=PROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the script did not exit\nstdout:\n{out}\nstderr:\n{err}")


def _logged_steps(log_path: Path) -> list[tuple[int, float | None, float | None]]:
    """(step, x, y) of every history row in the run log, in file order."""
    return [
        (step, row.get("x"), row.get("y"))
        for _, kind, body in scan(log_path)
        if kind == "history"
        for step, _, row in body
    ]


def _wait_for_state(api: runfold.Api, path: str, state: str, within: float) -> str:
    deadline = time.monotonic() + within
    seen = api.run(path).state
    while seen != state and time.monotonic() < deadline:
        time.sleep(0.1)
        seen = api.run(path).state
    return seen


# ---- kill -9 --------------------------------------------------------------------


def test_points_older_than_a_second_survive_and_run_reads_crashed_when_killed_with_sigkill(
    api: runfold.Api, runfold_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "progress.txt"
    proc = _start(STEADY_LOGGER, [str(progress)], FAST)
    try:
        _wait_for_logging(proc, progress, seconds=2.0)
        killed_at = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        _end(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    handed_over = _progress(progress)
    durable = max(step for step, at in handed_over if at <= killed_at - 1.0)
    assert durable >= 100  # about 2 s of ~1 ms steps, minus the last second

    # The run log: readable, and every step from 0 on exactly once, in order.
    log_path = runfold_dir / "runs" / "crash" / "victim01" / "run.rflog"
    in_log = _logged_steps(log_path)
    assert [s for s, _, _ in in_log] == list(range(len(in_log)))
    assert len(in_log) > durable
    assert all(x == float(s) and y == -2.0 * s for s, x, y in in_log)
    seqs = [seq for seq, _, _ in scan(log_path)]
    assert seqs == list(range(1, len(seqs) + 1))

    # The store: the heartbeat stops, so the run reads as crashed (3 x 0.2 s + 1 s).
    assert _wait_for_state(api, "crash/victim01", "crashed", within=10.0) == "crashed"
    (r,) = api.runs("crash", filters={"state": "crashed"})
    assert r.id == "victim01"
    assert r.exit_code is None
    assert r.config == {"lr": 0.1}
    stored = [row["_step"] for row in r.history()]
    assert stored == list(range(len(stored)))  # what was shipped: a clean prefix

    # Resuming in a new process ingests what the store had not seen yet.
    resumed = run_script(
        """
        import runfold
        run = runfold.init(project="crash", id="victim01", resume="allow")
        print(run.step)
        runfold.finish()
        """,
        env=FAST,
        timeout=PROCESS_TIMEOUT_S,
    )
    assert resumed.stdout.split() == [str(len(in_log))]
    r = api.run("crash/victim01")
    assert r.state == "finished"
    history = r.history()
    assert [row["_step"] for row in history] == [s for s, _, _ in in_log]
    assert [row["x"] for row in history] == [x for _, x, _ in in_log]
    assert [row["y"] for row in history] == [y for _, _, y in in_log]
    assert r.metrics["x"].count == len(in_log)
    assert r.summary["x"] == float(len(in_log) - 1)
    assert not read_end(log_path).is_torn


def test_resume_ingests_every_logged_point_when_killed_process_wrote_only_its_log(
    api: runfold.Api, runfold_dir: Path, tmp_path: Path
) -> None:
    # RUNFOLD_SHARED_DIR=1: the process writes its run log and nothing to the store,
    # so everything the store ends up with comes from replaying the log on resume.
    progress = tmp_path / "progress.txt"
    proc = _start(STEADY_LOGGER, [str(progress)], {**FAST, "RUNFOLD_SHARED_DIR": "1"})
    try:
        _wait_for_logging(proc, progress, seconds=1.5)
        killed_at = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        _end(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    durable = max(s for s, at in _progress(progress) if at <= killed_at - 1.0)
    log_path = runfold_dir / "runs" / "crash" / "victim01" / "run.rflog"
    in_log = _logged_steps(log_path)
    assert [s for s, _, _ in in_log] == list(range(len(in_log)))
    assert len(in_log) > durable

    resumed = run_script(
        """
        import runfold
        run = runfold.init(project="crash", id="victim01", resume="allow")
        print(run.step, dict(run.config))
        runfold.log({"x": -1.0, "y": -1.0})
        runfold.finish()
        """,
        env=FAST,
        timeout=PROCESS_TIMEOUT_S,
    )

    assert resumed.stdout.strip() == f"{len(in_log)} {{'lr': 0.1}}"
    r = api.run("crash/victim01")
    assert (r.state, r.config) == ("finished", {"lr": 0.1})
    history = r.history()
    assert [row["_step"] for row in history] == list(range(len(in_log) + 1))
    assert [row["x"] for row in history] == [x for _, x, _ in in_log] + [-1.0]
    assert r.metrics["y"].count == len(in_log) + 1


# ---- SIGTERM ----------------------------------------------------------------------


def test_all_points_are_stored_and_run_fails_with_143_when_sent_sigterm(
    api: runfold.Api, runfold_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "progress.txt"
    proc = _start(STEADY_LOGGER, [str(progress)], FAST)
    try:
        _wait_for_logging(proc, progress, seconds=0.5)
        proc.send_signal(signal.SIGTERM)
        _out, err = _end(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGTERM, err
    assert err == ""
    last_handed_over = _progress(progress)[-1][0]

    r = api.run("crash/victim01")
    assert (r.state, r.exit_code) == ("failed", 143)
    history = r.history()
    steps = [row["_step"] for row in history]
    assert steps == list(range(len(steps)))
    assert steps[-1] >= last_handed_over
    # Every row whose log() call returned is whole; a row that log() was still
    # filling when the signal came may hold only some of its keys.
    whole = [row for row in history if row["_step"] <= last_handed_over]
    assert [(row["x"], row["y"]) for row in whole] == [
        (float(s), -2.0 * s) for s in range(last_handed_over + 1)
    ]
    for row in history[len(whole) :]:
        assert row.get("x", float(row["_step"])) == float(row["_step"])
    log_path = runfold_dir / "runs" / "crash" / "victim01" / "run.rflog"
    assert [s for s, _, _ in _logged_steps(log_path)] == steps
    finish = [body for _, kind, body in scan(log_path) if kind == "finish"]
    assert [(f["state"], f["exit_code"]) for f in finish] == [("failed", 143)]


def test_all_points_are_stored_and_run_fails_when_interrupted_with_ctrl_c(
    api: runfold.Api, tmp_path: Path
) -> None:
    # A launcher may start the test with SIGINT ignored; a terminal does not.
    source = STEADY_LOGGER.replace(
        "import runfold\n",
        "import runfold, signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n",
        1,
    )
    progress = tmp_path / "progress.txt"
    proc = _start(source, [str(progress)], FAST)
    try:
        _wait_for_logging(proc, progress, seconds=0.5)
        proc.send_signal(signal.SIGINT)
        _out, err = _end(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGINT, err
    assert err.rstrip().endswith("KeyboardInterrupt")
    last_handed_over = _progress(progress)[-1][0]

    r = api.run("crash/victim01")
    assert r.state == "failed"
    assert r.exit_code != 0
    whole = [row for row in r.history() if row["_step"] <= last_handed_over]
    assert [(row["_step"], row["x"], row["y"]) for row in whole] == [
        (s, float(s), -2.0 * s) for s in range(last_handed_over + 1)
    ]


# ---- exceptions and exits without finish() ---------------------------------------

LOG_THEN = """
import sys
import runfold

run = runfold.init(project="ending", id="ending01")
for step in range(2000):
    runfold.log({"loss": 1.0 / (step + 1), "step_copy": step})
{ending}
"""


def test_run_fails_with_all_points_when_script_raises(api: runfold.Api) -> None:
    proc = run_script(
        LOG_THEN.replace("{ending}", "raise RuntimeError('diverged')"),
        env=FAST,
        check=False,
        timeout=PROCESS_TIMEOUT_S,
    )

    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("RuntimeError: diverged")
    r = api.run("ending/ending01")
    assert (r.state, r.exit_code) == ("failed", 1)
    assert [row["step_copy"] for row in r.history()] == [float(s) for s in range(2000)]


@pytest.mark.parametrize(
    "ending",
    ["sys.exit(0)", "sys.exit()", "pass", "raise SystemExit(0)"],
    ids=["exit-0", "exit-none", "end-of-script", "raise-systemexit"],
)
def test_run_finishes_with_all_points_when_script_exits_normally_without_finish(
    api: runfold.Api, ending: str
) -> None:
    # A flush interval of 1 s: the points reach the store only through the exit hook.
    env = {**FAST, "RUNFOLD_FLUSH_SECONDS": "1"}
    run_script(LOG_THEN.replace("{ending}", ending), env=env, timeout=PROCESS_TIMEOUT_S)

    r = api.run("ending/ending01")
    assert (r.state, r.exit_code) == ("finished", 0)
    history = r.history()
    assert [row["_step"] for row in history] == list(range(2000))
    assert [row["loss"] for row in history] == [1.0 / (s + 1) for s in range(2000)]
    assert r.summary["loss"] == 1.0 / 2000


@pytest.mark.parametrize(
    ("ending", "exit_code"),
    [("sys.exit(3)", 3), ("sys.exit('error: no data found')", 1)],
    ids=["exit-3", "exit-message"],
)
def test_run_fails_with_the_exit_code_when_script_exits_nonzero_without_finish(
    api: runfold.Api, ending: str, exit_code: int
) -> None:
    proc = run_script(
        LOG_THEN.replace("{ending}", ending),
        env=FAST,
        check=False,
        timeout=PROCESS_TIMEOUT_S,
    )

    assert proc.returncode == exit_code
    r = api.run("ending/ending01")
    assert (r.state, r.exit_code) == ("failed", exit_code)
    assert len(r.history()) == 2000
