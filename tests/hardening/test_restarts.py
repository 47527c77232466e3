"""Issue 18, server items 6 and 7, with real processes: ``runfold ui`` and
``runfold server`` start again at once on the port they just left (its last
connections still in TIME_WAIT), and the workers of ``runfold server --workers
2`` end when their parent is killed with SIGKILL, so the port is free again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serving(
    args: list[str], port: int, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``runfold ARGS --port PORT`` in a process of its own, once it answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "runfold.cli", *args, "--port", str(port)],
        env={**os.environ, "DISPLAY": "", **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out, err = proc.communicate()
                pytest.fail(f"runfold {args[0]} did not serve\n{out}\n{err}")
            time.sleep(0.1)


def _time_wait(port: int) -> bool:
    return any(
        c.laddr and c.laddr.port == port and c.status == psutil.CONN_TIME_WAIT
        for c in psutil.net_connections(kind="tcp")
    )


@pytest.mark.parametrize("command", ["ui", "server"])
def test_restart_on_the_same_port_right_after_a_stop(
    command: str, runfold_dir: Path
) -> None:
    port = free_port()
    proc = start_serving([command], port)
    with httpx.Client() as client:  # a kept-alive connection the server closes
        assert client.get(f"http://127.0.0.1:{port}/api/v1/projects").is_success
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert _time_wait(port)  # what made the old port check refuse
    again = start_serving([command], port)
    try:
        listing = httpx.get(f"http://127.0.0.1:{port}/api/v1/projects")
        assert listing.json() == {"projects": []}
    finally:
        again.send_signal(signal.SIGINT)
        out, err = again.communicate(timeout=20)
    assert "in use" not in out + err


def test_server_workers_end_when_the_parent_is_killed(runfold_dir: Path) -> None:
    port = free_port()
    proc = start_serving(["server", "--workers", "2"], port)
    workers = psutil.Process(proc.pid).children(recursive=True)
    serving = [w for w in workers if "multiprocessing" in " ".join(w.cmdline())]
    assert len(serving) >= 2, [w.cmdline() for w in workers]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    gone, alive = psutil.wait_procs(workers, timeout=15)
    for orphan in alive:  # what the test leaves behind when it fails
        orphan.kill()
    assert not alive, f"workers still running: {[w.pid for w in alive]}"
    proc.communicate(timeout=10)  # their ends of its pipes are closed
    again = start_serving(["server"], port)  # and the port is free for a new server
    again.send_signal(signal.SIGINT)
    again.communicate(timeout=20)
