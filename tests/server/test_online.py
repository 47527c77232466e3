"""Online mode end to end: real training processes streaming to a real server,
through outages, many at once, and `runfold sync --base-url` / `runfold login`."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli
from tests.conftest import LiveServer, run_script
from tests.server.test_ingest import serve

FAST = {
    "RUNFOLD_FLUSH_SECONDS": "0.05",
    "RUNFOLD_HEARTBEAT_SECONDS": "0.5",
    "RUNFOLD_SILENT": "",
}
KEYS = [f"m{k}" for k in range(8)]

# Logs `steps` steps of 8 metrics; with a flag file, keeps logging until it exists.
TRAIN = """
import os, sys, time
import runfold

steps, flag, half = int(sys.argv[1]), sys.argv[2], sys.argv[3]
run = runfold.init(project="online", group="exp", config={"lr": 0.1})
worst, step = 0.0, 0
while step < steps or (flag != "-" and not os.path.exists(flag)):
    t = time.perf_counter()
    runfold.log({f"m{k}": step * 10.0 + k for k in range(8)})
    worst = max(worst, time.perf_counter() - t)
    step += 1
    if step == steps // 2 and half != "-":
        open(half, "w").close()
    if flag != "-":
        time.sleep(0.002)
t = time.perf_counter()
run.finish()
print(run.id, step, worst, time.perf_counter() - t)
"""


def _train(
    server_url: str, steps: int, flag: str = "-", half: str = "-", **env: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(TRAIN), str(steps), flag, half],
        env={**os.environ, **FAST, "RUNFOLD_BASE_URL": server_url, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[Any, str]:
    """(run id, steps, worst log() seconds, finish seconds), and stderr."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"training timed out\nstdout:\n{out}\nstderr:\n{err}")
    if proc.returncode != 0:
        pytest.fail(f"training exited {proc.returncode}\n{out}\n{err}")
    run_id, steps, worst, finish = out.split()
    return (run_id, int(steps), float(worst), float(finish)), err


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the child never reached {path.name}: {proc.communicate()}")
        time.sleep(0.01)


def _assert_every_point_once(store_dir: Path, run_id: str, steps: int) -> Any:
    api = runfold.Api(store_dir)
    try:
        run = api.run(f"online/{run_id}")
        rows = run.history()
        assert [r["_step"] for r in rows] == list(range(steps))
        assert all(
            r[k] == r["_step"] * 10.0 + i for r in rows for i, k in enumerate(KEYS)
        )
        return run
    finally:
        api.close()


def test_online_run_stores_every_point_once(live_server: LiveServer) -> None:
    (run_id, steps, _, _), err = _result(_train(live_server.url, 300))
    run = _assert_every_point_once(live_server.store_dir, run_id, steps)
    assert (run.state, run.group, run.config) == ("finished", "exp", {"lr": 0.1})
    assert f"See it at {live_server.url}/projects/online/runs/{run_id}" in err


def test_online_run_survives_a_server_restart_mid_run(
    live_server: LiveServer, tmp_path: Path
) -> None:
    flag, half = tmp_path / "go-on", tmp_path / "half"
    proc = _train(live_server.url, 200, str(flag), str(half))
    _wait_for(half, proc)
    live_server.stop()
    time.sleep(1.0)  # the child keeps training while the server is down
    live_server.start(port=live_server.port)
    flag.touch()
    (run_id, steps, worst, _), err = _result(proc)
    assert worst < 0.5, "log() must not wait for the server"
    assert "retrying" in err
    _assert_every_point_once(live_server.store_dir, run_id, steps)


def test_finish_prints_the_sync_command_when_the_server_stays_down(
    live_server: LiveServer,
) -> None:
    url = live_server.url
    live_server.stop()
    proc = _train(url, 100, RUNFOLD_FINISH_TIMEOUT="1")
    (run_id, steps, _, finish_s), err = _result(proc)
    assert finish_s < 5
    assert f"the server at {url} is unreachable" in err
    command = re.search(r"Load it with: runfold sync (\S+) --base-url (\S+)", err)
    assert command is not None, err
    assert command.group(2) == url
    live_server.start(port=live_server.port)
    runner = CliRunner()
    args = ["sync", command.group(1), "--base-url", url]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "(0 new records)" not in first.output
    run = _assert_every_point_once(live_server.store_dir, run_id, steps)
    assert run.state == "finished"
    again = runner.invoke(cli, args)
    assert "Synced 1 run logs (0 new records)" in again.output
    _assert_every_point_once(live_server.store_dir, run_id, steps)


def test_sixteen_online_clients_at_once_store_every_point(
    live_server: LiveServer,
) -> None:
    procs = [_train(live_server.url, 100) for _ in range(16)]
    results = [_result(proc, timeout=90)[0] for proc in procs]
    for run_id, steps, _, _ in results:
        _assert_every_point_once(live_server.store_dir, run_id, steps)


def test_online_resume_on_another_machine_continues_steps(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_BASE_URL", live_server.url)
    first = runfold.init(project="online", id="resume01", config={"lr": 0.1})
    for step in range(5):
        first.log({k: step * 10.0 + i for i, k in enumerate(KEYS)})
    first.finish()
    monkeypatch.setenv("RUNFOLD_DIR", str(tmp_path / "other-machine"))
    with pytest.raises(runfold.errors.UsageError, match="already exists"):
        runfold.init(project="online", id="resume01")
    again = runfold.init(project="online", id="resume01", resume="allow")
    assert (again.step, dict(again.config)) == (5, {"lr": 0.1})
    for step in range(5, 8):
        again.log({k: step * 10.0 + i for i, k in enumerate(KEYS)})
    again.finish()
    _assert_every_point_once(live_server.store_dir, "resume01", 8)


def test_login_saves_the_key_0600_and_runs_send_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runfold.server import create_app
    from runfold.store import open_store

    seen: list[str] = []
    store = open_store(tmp_path / "srv" / "runfold.db")
    app = create_app(store)

    @app.middleware("http")
    async def record(request: Any, call_next: Any) -> Any:
        seen.append(request.headers.get("authorization", ""))
        return await call_next(request)

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with serve(app) as url:
        result = CliRunner().invoke(cli, ["login", "--base-url", url, "--key", "s3"])
        assert result.exit_code == 0, result.output
        path = tmp_path / "config" / "runfold" / "config.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        monkeypatch.setenv("RUNFOLD_BASE_URL", url)
        run = runfold.init(project="online")
        run.log({"a": 1.0})
        run.finish()
    store.close()
    assert seen and set(seen) == {"Bearer s3"}


def test_login_without_a_server_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["login", "--key", "k"])
    assert result.exit_code == 2
    assert "No server given: pass --base-url URL or set RUNFOLD_BASE_URL." in (
        result.output
    )


def test_import_runfold_in_online_mode_loads_httpx_only_at_init(
    live_server: LiveServer,
) -> None:
    proc = run_script(
        """
        import sys, runfold
        assert "httpx" not in sys.modules
        runfold.init(project="online").finish()
        assert "httpx" in sys.modules
        """,
        env={"RUNFOLD_BASE_URL": live_server.url},
    )
    assert proc.returncode == 0
