"""Zero-change mode in tests: in this process (``zero_change``: on for one test,
then off with every ``wandb`` module it made forgotten), or in a fresh
interpreter (``run_as_wandb``: ``python -m runfold.compat SCRIPT``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from runfold import compat

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def zero_change() -> Iterator[None]:
    # A real wandb another test imported (the importers use it) steps aside.
    real = {
        name: module for name, module in sys.modules.items()
        if (name == "wandb" or name.startswith("wandb."))
        and not hasattr(module, "__runfold__")
    }  # fmt: skip
    for name in real:
        del sys.modules[name]
    compat.as_wandb()
    try:
        yield
    finally:
        compat.uninstall()
        sys.modules.update(real)


def python_env(**extra: str) -> dict[str, str]:
    """The test's environment for a child interpreter, importing this checkout."""
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_as_wandb(
    source: str,
    tmp_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` (a W&B script, unchanged) as ``python -m runfold.compat``
    in ``tmp_path``; a failure fails the test with the child's output."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source), "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "runfold.compat", str(script), *args],
        cwd=tmp_path, env=python_env(**(env or {})), capture_output=True,
        text=True, timeout=timeout,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.fail(
            f"script exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
            f"stderr:\n{proc.stderr}"
        )
    return proc


def needs(*modules: str) -> None:
    """Skip, saying what to install, when a framework is missing."""
    import importlib.util

    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if absent:
        pytest.skip(f"not installed: pip install {' '.join(absent)}")
