"""Warnings from ``runfold.log`` (module level or the run's) name the line of the
script that called it, not a Runfold file (issue 18 item 21)."""

from __future__ import annotations

import warnings

import pytest

import runfold


def _caught(call: object) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()  # type: ignore[operator]
    return caught


@pytest.mark.parametrize(
    "data",
    [
        {"bad": object()},  # not a number
        {"nested": {"deeper": {"bad": "text"}}},  # deep in a dict
        {"": 1.0},  # a key that cannot be stored
    ],
    ids=["value", "nested", "key"],
)
def test_module_level_log_warns_at_the_callers_line(data: dict) -> None:
    runfold.init(project="p")
    caught = _caught(lambda: runfold.log(data))
    assert [w.category for w in caught] == [runfold.RunfoldWarning]
    assert caught[0].filename == __file__, caught[0].filename


def test_run_log_and_step_backwards_warn_at_the_callers_line() -> None:
    run = runfold.init(project="p")
    run.log({"loss": 1.0}, step=5)
    caught = _caught(lambda: run.log({"loss": 0.5}, step=2))
    caught += _caught(lambda: run.log({"bad": [object()]}))
    assert len(caught) == 2
    assert {w.filename for w in caught} == {__file__}
