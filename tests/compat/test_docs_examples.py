"""Every example in docs/migrating-from-wandb.md runs unchanged in zero-change
mode (``python -m runfold.compat``, in a fresh interpreter) and records what it
says: a finished run with config, history and summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import runfold

from .conftest import needs, run_as_wandb

DOC = Path(__file__).resolve().parents[2] / "docs" / "migrating-from-wandb.md"
# example -> (modules it needs, the project its runs land in, environment)
EXAMPLES: dict[str, tuple[tuple[str, ...], str, dict[str, str]]] = {
    "A training script": ((), "script-demo", {}),
    "Hugging Face transformers": (
        ("torch", "transformers", "accelerate"),
        "hf-demo",
        {},
    ),
    "PyTorch Lightning": (("torch", "lightning"), "lightning-demo", {}),
    "Keras": (("keras", "torch"), "keras-demo", {"KERAS_BACKEND": "torch"}),
    "XGBoost": (("xgboost",), "xgboost-demo", {}),
    "LightGBM": (("lightgbm",), "lightgbm-demo", {}),
    "scikit-learn": (("sklearn",), "sklearn-demo", {}),
    "Reading runs back": (("pandas",), "api-demo", {}),
}


def _examples() -> dict[str, str]:
    """Example title -> its Python code (the "## Examples" section's)."""
    section = DOC.read_text("utf-8").split("\n## Examples\n", 1)[1]
    found = {}
    for part in section.split("\n### ")[1:]:
        title, _, body = part.partition("\n")
        code = re.search(r"```python\n(.*?)```", body, re.S)
        if code:
            found[title.strip()] = code.group(1)
    return found


def test_every_example_is_run_here() -> None:
    assert set(_examples()) == set(EXAMPLES)


@pytest.mark.parametrize("title", list(EXAMPLES))
def test_example_runs_unchanged(title: str, tmp_path: Path, api: runfold.Api) -> None:
    modules, project, env = EXAMPLES[title]
    needs(*modules)
    proc = run_as_wandb(_examples()[title], tmp_path, env=env)
    runs = api.runs(project)
    assert runs and all(r.state == "finished" for r in runs)
    assert all(r.history() for r in runs)
    if title == "A training script":
        [run] = runs
        assert run.config == {"lr": 0.01, "epochs": 5, "batch_size": 32}
        assert (run.group, run.job_type) == ("exp-1", "train")
        assert [r["_step"] for r in run.history(keys=["val/acc"])] == [0, 2, 4]
        assert run.summary["val/acc"] == 0.4 and run.summary["best_epoch"] == 4
        assert run.summary["_alerts"][0]["title"] == "good run"
    if title == "Reading runs back":
        assert len(runs) == 3
        assert [r.tags for r in api.runs(project, {"tags": "best"})] == [["best"]]
        assert "api-demo" in proc.stdout
