"""Sources made once per session by the real packages (``sources.py``), and a
helper that runs ``runfold import`` as a user does."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from runfold.cli import cli

from . import sources


def run_import(*args: str, ok: bool = True) -> Result:
    """``runfold import ARGS``; fails the test (with the output) unless it
    exits 0, when ``ok``."""
    result = CliRunner().invoke(cli, ["import", *args])
    if ok and result.exit_code != 0:
        pytest.fail(f"runfold import {' '.join(args)} exited {result.exit_code}:\n"
                    f"{result.output}\n{result.exception!r}")  # fmt: skip
    return result


@pytest.fixture(scope="session")
def wandb_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """Three W&B offline runs (two in group exp1, one failed in exp2)."""
    root = tmp_path_factory.mktemp("wandb-source")
    return root / "wandb", sources.make_wandb(root)


@pytest.fixture(scope="session")
def mlflow_sqlite(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    root = tmp_path_factory.mktemp("mlflow-sqlite")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    return uri, sources.make_mlflow(root, uri)


@pytest.fixture(scope="session")
def mlflow_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = tmp_path_factory.mktemp("mlflow-files")
    return root / "mlruns", sources.make_mlflow(root, str(root / "mlruns"))


def need_tensorboard_writer() -> None:
    sources.need("tensorboard")
    if not any(importlib.util.find_spec(m) for m in ("torch", "tensorboardX")):
        pytest.skip(
            "neither torch nor tensorboardX is installed: pip install '.[test]'"
        )


@pytest.fixture(scope="session")
def tensorboard_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    need_tensorboard_writer()
    root = tmp_path_factory.mktemp("tensorboard-source")
    return root / "runs", sources.make_tensorboard(root)
