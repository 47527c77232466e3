"""Every example in docs/integrations.md runs as it is and records a run.

The examples run in this process (their frameworks are imported once per test
worker anyway), in a temporary working directory."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import runfold

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
# section -> (modules the example needs, the project its run lands in)
EXAMPLES = {
    "XGBoost": (["xgboost"], "xgboost-demo"),
    "LightGBM": (["lightgbm"], "lightgbm-demo"),
    "Keras 3": (["keras", "torch"], "keras-demo"),
    "PyTorch Lightning": (["lightning", "torch"], "lightning-demo"),
    "Hugging Face transformers": (
        ["transformers", "accelerate", "torch"],
        "huggingface",
    ),
}

# The frameworks' own warnings on this machine (see the framework test modules).
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*does not have many workers"),
    pytest.mark.filterwarnings("ignore:.*number of training batches"),
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
]


def _examples() -> dict[str, str]:
    """Section title -> its Python example."""
    found = {}
    for section in DOC.read_text("utf-8").split("\n## ")[1:]:
        title, _, body = section.partition("\n")
        code = re.search(r"```python\n(.*?)```", body, re.S)
        if code:
            found[title.strip()] = code.group(1)
    return found


def test_every_example_is_run_here() -> None:
    assert set(_examples()) == set(EXAMPLES)


@pytest.mark.parametrize("section", sorted(EXAMPLES))
def test_example_runs_and_records_a_run(
    section: str, tmp_path: Path, api: runfold.Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    modules, project = EXAMPLES[section]
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if absent:
        pytest.skip(f"{section}: not installed: pip install {' '.join(absent)}")
    monkeypatch.setenv("KERAS_BACKEND", "torch")  # as in test_keras.py
    monkeypatch.chdir(tmp_path)  # checkpoints and outputs land here
    exec(compile(_examples()[section], f"docs/integrations.md ({section})", "exec"), {})
    [run] = api.runs(project)
    assert run.state == "finished"
    assert run.history() and run.summary
