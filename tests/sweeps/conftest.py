"""Helpers for the sweep tests that run real agents: the ``runfold`` command and
Python scripts in subprocesses (the test's environment passed through, so they use
the test's store), and a sweep read back from that store.

The ``store`` fixture (SQLite and PostgreSQL) is the store tests' own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import runfold

from ..store.conftest import store  # noqa: F401 - the fixture, for test_store_sweeps

# `python -m runfold.cli` is the `runfold` console script without its wrapper, and
# works from the installed package (CI) and from src/ (PYTHONPATH) alike.
RUNFOLD = [sys.executable, "-m", "runfold.cli"]
TIMEOUT_S = 60.0


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment for a child, ``extra`` added. PYTHONPATH is made
    absolute, so a child started in another directory imports the same Runfold."""
    env = {**os.environ, **(extra or {})}
    if env.get("PYTHONPATH"):
        parts = env["PYTHONPATH"].split(os.pathsep)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in parts if p)
    return env


def runfold_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
    timeout: float = TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``runfold ARGS`` to its end; a timeout fails the test with its output."""
    try:
        return subprocess.run(
            [*RUNFOLD, *args], env=environment(env), cwd=cwd,
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"runfold {' '.join(args)} ran past {timeout} s\n{_output(exc)}")


def start(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
    new_session: bool = False,
) -> subprocess.Popen[str]:  # fmt: skip
    """A process in the background (``stop_all`` or ``finish`` ends it)."""
    return subprocess.Popen(
        argv, env=environment(env), cwd=cwd, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=new_session,
    )  # fmt: skip


def start_script(source: str, *args: str, env: dict[str, str] | None = None,
                 new_session: bool = False) -> subprocess.Popen[str]:  # fmt: skip
    argv = [sys.executable, "-c", textwrap.dedent(source), *args]
    return start(argv, env, new_session=new_session)


def finish(proc: subprocess.Popen[str], timeout: float = TIMEOUT_S) -> str:
    """Wait for ``proc``; fail the test with its output unless it exits 0."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"{proc.args!r} ran past {timeout} s\n{out}\n{err}")
    if proc.returncode != 0:
        pytest.fail(f"{proc.args!r} exited {proc.returncode}\n{out}\n{err}")
    return out + err


def _output(exc: subprocess.TimeoutExpired) -> str:
    parts = (exc.stdout, exc.stderr)
    return "\n".join(p.decode() if isinstance(p, bytes) else (p or "") for p in parts)


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(0.05)


_readers: list[Any] = []


@pytest.fixture(autouse=True)
def _close_readers() -> Any:
    yield
    while _readers:
        _readers.pop().close()


def reader() -> runfold.Api:
    """A fresh ``Api()`` (the store as it is now), closed after the test."""
    api = runfold.Api()
    _readers.append(api)
    return api


def read_sweep(path: str) -> Any:
    """``Api().sweep(path)`` from a fresh reader."""
    return reader().sweep(path)


def live(sweep: Any) -> list[Any]:
    """The proposals that count: every one but those handed out again."""
    return [p for p in sweep.proposals if p.state != "replaced"]
