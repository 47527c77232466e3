"""Each integration imports its framework only when imported itself, and says what
to install when the framework is missing; ``import runfold`` imports none."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

FRAMEWORKS = {
    # integration module: (modules hidden to make its framework "missing", pip name)
    "xgboost": (["xgboost"], "xgboost"),
    "lightgbm": (["lightgbm"], "lightgbm"),
    "keras": (["keras"], "keras"),
    "lightning": (["lightning", "pytorch_lightning"], "lightning"),
    "huggingface": (["transformers"], "transformers"),
}
HEAVY = {"xgboost", "lightgbm", "keras", "lightning", "pytorch_lightning",
         "transformers", "torch", "sklearn", "runfold.integration"}  # fmt: skip


def _python(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_import_runfold_and_the_package_import_no_framework() -> None:
    loaded = _python(
        """
        import sys, runfold
        before = set(sys.modules)
        import runfold.integration
        print(" ".join(sorted(before)))
        print(" ".join(sorted(set(sys.modules) - before)))
        """
    ).splitlines()
    at_import, for_package = set(loaded[0].split()), set(loaded[1].split())
    assert not HEAVY & at_import
    assert not {m.split(".")[0] for m in for_package} & HEAVY


def test_each_integration_names_its_missing_framework() -> None:
    hidden = sorted({m for modules, _ in FRAMEWORKS.values() for m in modules})
    out = _python(
        f"""
        import sys
        for name in {hidden!r}:
            sys.modules[name] = None  # what an uninstalled package looks like
        from runfold import RunfoldError
        for module in {sorted(FRAMEWORKS)!r}:
            try:
                __import__("runfold.integration." + module)
            except RunfoldError as exc:
                assert isinstance(exc, ImportError)
                print(module, "|", exc)
            else:
                print(module, "| imported")
        """
    )
    said = dict(line.split(" | ", 1) for line in out.splitlines())
    for module, (_, package) in FRAMEWORKS.items():
        assert f"runfold.integration.{module} needs" in said[module]
        assert said[module].endswith(f"pip install {package}")


@pytest.mark.skipif(
    importlib.util.find_spec("pytorch_lightning") is None,
    reason="pytorch_lightning is not installed (pip install pytorch-lightning)",
)
def test_lightning_logger_works_with_pytorch_lightning_alone() -> None:
    out = _python(
        """
        import sys
        sys.modules["lightning"] = None
        import pytorch_lightning
        from runfold.integration.lightning import RunfoldLogger
        print(issubclass(RunfoldLogger, pytorch_lightning.loggers.Logger))
        """
    )
    assert out.strip() == "True"
