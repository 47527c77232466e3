"""Zero-change mode's machinery: ``import wandb`` is Runfold (in this process,
through ``runfold.as_wandb()``, ``python -m runfold.compat`` and the installed
``.pth`` file with RUNFOLD_AS_WANDB=1), libraries' "is wandb installed?" checks
pass, and what Runfold lacks fails with a message that says what to use."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import runfold
from runfold import compat
from runfold.compat.modules import MODULES, WANDB_VERSION
from runfold.errors import ConfigError, MissingAttribute, MissingModule, NotSupported

from .conftest import SRC, python_env, run_as_wandb


def test_import_wandb_records_into_runfold(zero_change: None, api: runfold.Api) -> None:
    import wandb

    run = wandb.init(project="zc", config={"lr": 0.1})
    assert wandb.run is run and wandb.config.lr == 0.1
    for step in range(3):
        wandb.log({"loss": 1.0 / (step + 1)}, commit=False)
        wandb.log({"acc": step / 10})
    wandb.summary["best"] = 0.9
    wandb.finish()
    assert wandb.run is None
    [stored] = api.runs("zc")
    assert stored.config == {"lr": 0.1}
    assert [(r["_step"], r["loss"], r["acc"]) for r in stored.history()] == [
        (0, 1.0, 0.0), (1, 0.5, 0.1), (2, 1 / 3, 0.2),
    ]  # fmt: skip
    assert stored.summary["best"] == 0.9 and stored.summary["acc"] == 0.2


def test_the_wandb_modules_libraries_import(zero_change: None) -> None:
    import wandb
    from wandb.sdk.lib import RunDisabled
    from wandb.sdk.lib.config_util import ConfigError as WandbConfigError
    from wandb.wandb_run import Run

    assert wandb.__version__ == WANDB_VERSION
    assert Run is runfold.Run and WandbConfigError is ConfigError
    run = wandb.init(project="zc", mode="disabled")
    assert isinstance(run, (Run, RunDisabled)) and not isinstance(run, RunDisabled)
    assert run.disabled and wandb.Image is runfold.Image
    assert wandb.plot.line is runfold.plot.line  # a submodule, by attribute
    assert wandb.util.generate_id() and wandb.sdk.lib.RunDisabled is RunDisabled
    for name in MODULES:  # every module the table names imports
        if name.split(".")[-1] in ("keras", "xgboost", "lightgbm", "callbacks"):
            continue  # they import their framework: tests/compat/test_frameworks.py
        assert importlib.import_module(name).__runfold__


def test_installed_wandb_checks_pass(zero_change: None) -> None:
    assert importlib.util.find_spec("wandb") is not None
    assert importlib.metadata.version("wandb") == WANDB_VERSION
    dist = importlib.metadata.distribution("wandb")
    assert "Runfold" in dist.metadata["Summary"]
    requirement = pytest.importorskip("lightning_utilities.core.imports")
    assert bool(requirement.RequirementCache("wandb>=0.12.10"))


def test_libraries_see_wandb(zero_change: None) -> None:
    accelerate = pytest.importorskip("accelerate.utils.imports")
    assert accelerate.is_wandb_available()
    transformers = pytest.importorskip("transformers.integrations.integration_utils")
    assert transformers.is_wandb_available()


def test_an_installer_listing_a_folder_sees_no_wandb(
    zero_change: None, tmp_path: Path
) -> None:
    found = importlib.metadata.distributions(path=[str(tmp_path)])
    assert "wandb" not in {d.metadata["Name"] for d in found}


def test_what_runfold_lacks_says_what_to_use(zero_change: None) -> None:
    import wandb

    with pytest.raises(MissingModule, match="TensorBoard") as missing:
        importlib.import_module("wandb.tensorboard")
    assert isinstance(missing.value, ImportError)
    with pytest.raises(ImportError, match="zero-change mode"):
        importlib.import_module("wandb.no_such_module")
    assert not hasattr(wandb, "_attach")  # Lightning probes this
    with pytest.raises(MissingAttribute, match="wandb.frobnicate"):
        wandb.frobnicate  # noqa: B018
    from wandb import Artifact
    from wandb.sdk.artifacts.artifact import Artifact as Deep

    assert Artifact is Deep is runfold.Artifact
    with pytest.raises(NotSupported, match="runfold.sweep"):
        wandb.controller()


def test_off_again_imports_no_runfold_wandb() -> None:
    compat.as_wandb()
    compat.uninstall()
    assert not compat.installed()
    assert "wandb" not in sys.modules
    try:
        import wandb
    except ImportError:
        return
    assert not hasattr(wandb, "__runfold__")  # the real one, where installed


def test_as_wandb_refuses_after_the_real_wandb(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    monkeypatch.setitem(sys.modules, "wandb", types.ModuleType("wandb"))
    with pytest.raises(runfold.UsageError, match="before anything imports wandb"):
        runfold.as_wandb()
    assert not compat.installed()


def _fake_real_wandb(folder: Path) -> None:
    """A stand-in for an installed wandb package: a module and its metadata."""
    (folder / "wandb").mkdir(parents=True)
    (folder / "wandb" / "__init__.py").write_text("REAL = True\n")
    (folder / "wandb" / "proto").mkdir()
    (folder / "wandb" / "proto" / "__init__.py").write_text("")
    (folder / "wandb" / "proto" / "wandb_internal_pb2.py").write_text("REAL = 1\n")
    info = folder / "wandb-0.19.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: wandb\nVersion: 0.19.1\n"
    )


def test_with_the_real_wandb_installed_zero_change_wins_when_asked(
    tmp_path: Path,
) -> None:
    _fake_real_wandb(tmp_path / "site")
    code = textwrap.dedent(
        """
        import sys
        import runfold
        if sys.argv[1] == "on":
            runfold.as_wandb()
        import wandb
        from wandb.proto import wandb_internal_pb2  # the real one's, in both
        assert wandb_internal_pb2.REAL
        print("runfold" if hasattr(wandb, "__runfold__") else "real")
        """
    )
    env = python_env(PYTHONPATH=f"{SRC}:{tmp_path / 'site'}")
    for mode, expected in (("on", "runfold"), ("off", "real")):
        proc = subprocess.run(
            [sys.executable, "-c", code, mode], env=env, capture_output=True,
            text=True, timeout=60, check=True,
        )  # fmt: skip
        assert proc.stdout.strip() == expected
        said = "the installed wandb 0.19.1 is not used"
        assert proc.stderr.count(said) == (1 if mode == "on" else 0), proc.stderr


PTH = SRC / "runfold-as-wandb.pth"


@pytest.mark.parametrize(
    ("value", "expected"), [("1", "runfold"), ("true", "runfold"), ("0", "none")]
)
def test_the_pth_file_turns_the_mode_on_from_the_variable(
    tmp_path: Path, value: str, expected: str
) -> None:
    """The file the wheel installs into site-packages, read as Python reads it
    at start-up (``site.addsitedir``)."""
    site = tmp_path / "site-packages"
    site.mkdir()
    shutil.copy(PTH, site / PTH.name)
    code = textwrap.dedent(
        f"""
        import site, sys
        site.addsitedir({str(site)!r})
        loaded = "runfold" in sys.modules  # only when the variable asks
        try:
            import wandb
        except ImportError:
            print("none", loaded)
        else:
            print("runfold" if hasattr(wandb, "__runfold__") else "real", loaded)
        """
    )
    env = python_env(RUNFOLD_AS_WANDB=value)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    seen, loaded = proc.stdout.split()
    assert loaded == str(expected == "runfold")
    if expected == "runfold":
        assert seen == "runfold"
    else:
        assert seen in ("none", "real")  # the real wandb, where installed


def test_python_m_runfold_compat_runs_a_script_with_its_arguments(
    tmp_path: Path, api: runfold.Api
) -> None:
    run_as_wandb(
        """
        import argparse
        import wandb

        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float)
        args = parser.parse_args()
        wandb.init(project="cli")
        wandb.config.update(args)
        wandb.log({"loss": 0.5})
        """,
        tmp_path, "--lr", "0.3",
    )  # fmt: skip
    [run] = api.runs("cli")
    assert run.config == {"lr": 0.3} and run.state == "finished"
    assert run.summary["loss"] == 0.5


def test_unsupported_is_a_runfold_error_on_runfold_too() -> None:
    with pytest.raises(MissingAttribute, match="runfold.frobnicate") as caught:
        runfold.frobnicate  # noqa: B018
    assert isinstance(caught.value, runfold.RunfoldError)
    assert not hasattr(runfold, "frobnicate")
