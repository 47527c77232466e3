"""Shared fixtures: every test gets its own RUNFOLD_DIR, and no run outlives a test."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import runfold
from runfold.sdk import context


@pytest.fixture(autouse=True)
def runfold_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh store directory, set as RUNFOLD_DIR; W&B and launcher variables cleared."""
    for name in list(os.environ):
        if name.startswith(("RUNFOLD_", "WANDB_", "TORCHELASTIC_", "SLURM_")):
            monkeypatch.delenv(name)
    directory = tmp_path / "runfold-home"
    monkeypatch.setenv("RUNFOLD_DIR", str(directory))
    monkeypatch.setenv("RUNFOLD_SILENT", "1")
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
