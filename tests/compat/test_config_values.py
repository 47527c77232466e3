"""Config values with no JSON form are stored in a stable form (issue 18): two
runs given equal values store equal config, so they fold into one group, and no
stored text holds a memory address. What has no stable form is warned about once."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import pathlib
import warnings

import pytest

import runfold
from runfold.sdk import configvalues


class Optimizer(enum.Enum):
    ADAM = "adam"
    SGD = 2


@dataclasses.dataclass
class Data:
    root: pathlib.Path
    splits: frozenset[str]


class Opaque:
    """No __repr__, no attributes: no stable text at all."""

    __slots__ = ()


def _config() -> dict[str, object]:
    np = pytest.importorskip("numpy")
    return {
        "optimizer": Optimizer.ADAM,
        "schedule": Optimizer.SGD,
        "data": Data(pathlib.Path("/data/cifar"), frozenset({"val", "train"})),
        "tags": {"b", "a", "c"},
        "lr": np.float32(0.5),
        "steps": np.int64(10),
        "mean": np.array([0.25, 0.5]),
        "activation": len,
        "start": datetime.date(2024, 5, 1),
    }


EXPECTED = {
    "optimizer": "adam",
    "schedule": 2,
    "data": {"root": "/data/cifar", "splits": ["train", "val"]},
    "tags": ["a", "b", "c"],
    "lr": 0.5,
    "steps": 10,
    "mean": [0.25, 0.5],
    "activation": "builtins.len",
    "start": "2024-05-01",
}


def test_values_are_stored_in_a_stable_form(api: runfold.Api) -> None:
    for seed in (1, 2):
        runfold.init(project="p", config={**_config(), "seed": seed}).finish()
    configs = [r.config for r in api.runs("p")]
    assert [{k: v for k, v in c.items() if k != "seed"} for c in configs] == [
        EXPECTED, EXPECTED,
    ]  # fmt: skip
    groups = api.groups("p", by=["config.data", "config.tags", "config.optimizer"])
    assert [g.count for g in groups] == [2]  # they fold into one experiment


def test_torch_values(api: runfold.Api) -> None:
    torch = pytest.importorskip("torch")
    config = {
        "lr": torch.tensor(0.5), "weights": torch.tensor([1.0, 2.0]),
        "dtype": torch.float32, "device": torch.device("cpu"),
        "layer": torch.nn.ReLU, "module": torch.nn.Linear(2, 1),
    }  # fmt: skip
    runfold.init(project="p", config=config).finish()
    assert api.runs("p")[0].config == {
        "lr": 0.5, "weights": [1.0, 2.0], "dtype": "torch.float32", "device": "cpu",
        "layer": "torch.nn.modules.activation.ReLU",
        "module": "Linear(in_features=2, out_features=1, bias=True)",
    }  # fmt: skip


def test_no_memory_address_is_stored_and_one_warning_says_so(
    api: runfold.Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(configvalues, "_warned", set())
    run = runfold.init(project="p")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.config.update({"a": Opaque(), "b": [Opaque()]})
        run.config["c"] = Opaque()
    run.finish()
    assert len(caught) == 1 and caught[0].category is runfold.RunfoldWarning
    message = str(caught[0].message)
    assert "'a'" in message and "Opaque" in message and "0x" not in message
    assert caught[0].filename == __file__  # the user's line (issue 18 item 21)
    stored = api.runs("p")[0].config
    name = f"<{__name__}.Opaque>"
    assert stored == {"a": name, "b": [name], "c": name}


def test_summary_values_take_the_same_forms(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.summary["best"] = {"optimizer": Optimizer.ADAM, "path": pathlib.Path("/m")}
    run.finish()
    assert api.runs("p")[0].summary["best"] == {"optimizer": "adam", "path": "/m"}
