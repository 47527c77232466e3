"""log(): steps, commit, value types and the warnings a user sees."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import runfold
from runfold import RunfoldWarning, UsageError


def _history(
    api: runfold.Api, run: runfold.Run, keys: list[str] | None = None
) -> list[dict[str, Any]]:
    return api.run(f"{run.project}/{run.id}").history(keys=keys)


def _steps(rows: list[dict[str, Any]], key: str) -> list[tuple[int, Any]]:
    return [(r["_step"], r[key]) for r in rows if key in r]


def test_step_starts_at_zero_and_advances_per_committed_call(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    for i in range(3):
        runfold.log({"loss": 1.0 / (i + 1)})
    assert run.step == 3
    run.finish()
    assert _steps(_history(api, run), "loss") == [(0, 1.0), (1, 0.5), (2, 1 / 3)]


def test_commit_false_accumulates_into_one_row(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"a": 1}, commit=False)
    run.log({"b": 2}, commit=False)
    assert run.step == 0
    run.log({"c": 3})
    assert run.step == 1
    run.finish()
    rows = _history(api, run)
    assert len(rows) == 1
    assert {k: rows[0][k] for k in "abc"} == {"a": 1.0, "b": 2.0, "c": 3.0}


def test_explicit_higher_step_closes_pending_row_and_moves(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"train": 1.0}, step=5)
    run.log({"eval": 2.0}, step=5)  # same step: same row
    assert run.step == 5
    run.log({"train": 3.0}, step=10)
    run.log({"x": 4.0})
    run.finish()
    rows = _history(api, run)
    assert [
        (r["_step"], sorted(k for k in r if not k.startswith("_"))) for r in rows
    ] == [
        (5, ["eval", "train"]),
        (10, ["train", "x"]),
    ]


def test_step_going_backwards_is_refused_with_one_warning_per_key(
    api: runfold.Api,
) -> None:
    run = runfold.init(project="p")
    for _ in range(5):
        run.log({"loss": 1.0})
    with pytest.warns(RunfoldWarning) as record:
        run.log({"loss": 9.0}, step=2)
        run.log({"loss": 9.0}, step=1)  # same key again: no second warning
    assert len(record) == 1
    assert str(record[0].message) == (
        "runfold.log: step 2 is lower than the run's current step 5; 'loss' at step 2 "
        "was dropped. Steps must not decrease: call log() without step=, or with "
        "step >= run.step."
    )
    run.log({"loss": 0.5})
    run.finish()
    assert _steps(_history(api, run), "loss") == [(i, 1.0) for i in range(5)] + [
        (5, 0.5)
    ]


def test_numbers_bools_numpy_scalars_become_floats(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"i": 3, "b": True, "f32": np.float32(0.5), "i64": np.int64(7),
             "arr0d": np.array(2.5), "one": np.array([4.0])})  # fmt: skip
    run.finish()
    row = _history(api, run)[0]
    assert {k: row[k] for k in ("i", "b", "f32", "i64", "arr0d", "one")} == {
        "i": 3.0, "b": 1.0, "f32": 0.5, "i64": 7.0, "arr0d": 2.5, "one": 4.0,
    }  # fmt: skip


def test_torch_zero_dim_tensor_becomes_float(api: runfold.Api) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed here")
    run = runfold.init(project="p")
    run.log({"loss": torch.tensor(0.25)})
    run.finish()
    assert _history(api, run)[0]["loss"] == 0.25


def test_nan_and_inf_are_kept(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"x": float("nan"), "y": float("inf"), "z": -math.inf})
    run.finish()
    row = _history(api, run)[0]
    assert math.isnan(row["x"]) and row["y"] == math.inf and row["z"] == -math.inf


def test_nested_dicts_flatten_to_slash_keys(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"train": {"loss": 0.5, "opt": {"lr": 0.1}}})
    run.finish()
    row = _history(api, run)[0]
    assert row["train/loss"] == 0.5 and row["train/opt/lr"] == 0.1


def test_strings_are_dropped_with_a_warning_that_says_what_to_do(
    api: runfold.Api,
) -> None:
    run = runfold.init(project="p")
    with pytest.warns(RunfoldWarning, match=r"'note' is a str, not a number") as record:
        run.log({"note": "hello", "loss": 1.0})
        run.log({"note": "again", "loss": 2.0})
    assert len(record) == 1
    assert "put text in run.config or run.summary" in str(record[0].message)
    run.finish()
    assert _steps(_history(api, run), "loss") == [(0, 1.0), (1, 2.0)]


@pytest.mark.parametrize(
    ("key", "why"),
    [("", "it is empty"), ("x" * 300, "longer than 256"), ("_step", "reserved"),
     ("a\nb", "control characters"), (3, "keys must be strings")],
)  # fmt: skip
def test_odd_keys_are_dropped_with_a_warning(
    key: Any, why: str, api: runfold.Api
) -> None:
    run = runfold.init(project="p")
    with pytest.warns(RunfoldWarning, match=why):
        run.log({key: 1.0, "ok": 2.0})
    run.finish()
    row = _history(api, run)[0]
    assert row["ok"] == 2.0 and len([k for k in row if not k.startswith("_")]) == 1


def test_unicode_keys_round_trip(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"損失/λ": 0.5, "acc 🎯": 1.0})
    run.finish()
    row = _history(api, run)[0]
    assert row["損失/λ"] == 0.5 and row["acc 🎯"] == 1.0


def test_log_of_a_non_dict_raises_usage_error() -> None:
    run = runfold.init(project="p")
    with pytest.raises(UsageError, match=r"takes a dict of metrics, not list"):
        run.log([1, 2])  # type: ignore[arg-type]


def test_log_before_init_raises_a_clear_error() -> None:
    with pytest.raises(
        UsageError, match=r"^Call runfold.init\(\) before runfold.log\(\).$"
    ):
        runfold.log({"a": 1})


def test_log_after_finish_warns_and_keeps_nothing(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"a": 1})
    run.finish()
    with pytest.warns(RunfoldWarning, match="is finished; nothing was logged"):
        run.log({"a": 2})
    assert len(_history(api, run)) == 1


def test_huge_int_is_logged_as_float(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"big": 10**30})
    run.finish()
    assert _history(api, run)[0]["big"] == 1e30


def test_history_keys_returns_only_rows_with_every_key(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    for i in range(4):
        row = {"loss": float(i)}
        if i % 2:
            row["eval"] = float(i)
        run.log(row)
    run.finish()
    r = api.run(f"p/{run.id}")
    assert [row["_step"] for row in r.history(keys=["loss", "eval"])] == [1, 3]
    frame = r.history(keys=["loss"], pandas=True)
    assert list(frame["loss"]) == [0.0, 1.0, 2.0, 3.0]
