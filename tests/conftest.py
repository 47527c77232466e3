"""Shared fixtures: every test gets its own RUNFOLD_DIR, and no run outlives a test."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold.sdk import context

# Runs made by tests capture only what they log; tests of capture (system metrics,
# console, git, code) turn each one on themselves.
NO_CAPTURE = {
    "RUNFOLD_SYSTEM_SECONDS": "0",
    "RUNFOLD_CONSOLE": "off",
    "RUNFOLD_DISABLE_GIT": "1",
    "RUNFOLD_DISABLE_CODE": "1",
}


def sdk_environment(
    mp: pytest.MonkeyPatch, directory: Path, capture: bool = False
) -> None:
    """The SDK writes silently into ``directory``: Runfold, W&B and launcher
    variables cleared, and (unless ``capture``) git, code and console capture off."""
    for name in list(os.environ):
        if name.startswith(("RUNFOLD_", "WANDB_", "TORCHELASTIC_", "SLURM_")):
            mp.delenv(name)
    mp.setenv("RUNFOLD_DIR", str(directory))
    mp.setenv("RUNFOLD_SILENT", "1")
    if not capture:
        for name, value in NO_CAPTURE.items():
            mp.setenv(name, value)


@pytest.fixture(autouse=True)
def runfold_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh store directory, set as RUNFOLD_DIR; W&B and launcher variables cleared."""
    directory = tmp_path / "runfold-home"
    sdk_environment(monkeypatch, directory)
    yield directory
    context._finish_all("finished", 0)


@pytest.fixture
def api(runfold_dir: Path) -> Iterator[runfold.Api]:
    client = runfold.Api()
    yield client
    client.close()


def run_script(
    source: str,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run Python source in a fresh interpreter with the test's environment.

    A failure or timeout fails the test with the child's stdout and stderr."""
    full_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(source)],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"script timed out after {timeout}s\nstdout:\n{exc.stdout}\nstderr:\n{exc.stderr}"
        )
    if check and proc.returncode != 0:
        pytest.fail(
            f"script exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


class LiveServer:
    """uvicorn serving ``create_app(store)`` on 127.0.0.1, a free port, in a thread."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._store: Any = None

    def start(self, port: int = 0) -> LiveServer:
        import uvicorn

        from runfold.server import create_app
        from runfold.store import open_store

        self._store = open_store(self.store_dir / "runfold.db")
        config = uvicorn.Config(
            create_app(self._store), host="127.0.0.1", port=port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                pytest.fail("the test server did not start within 10 s")
            time.sleep(0.01)
        bound = self._server.servers[0].sockets[0].getsockname()[1]
        self.port = bound
        self.url = f"http://127.0.0.1:{bound}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(10)
            self._store.close()
            self._server = None


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server on a loopback port over its own store (per test: tests of
    outages stop and restart it)."""
    server = LiveServer(tmp_path / "server-store").start()
    yield server
    server.stop()
