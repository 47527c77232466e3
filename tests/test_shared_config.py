"""A group row's shared config for nested sections (dicts and lists): the same
value however its keys are ordered, NaN equal to NaN, True apart from 1."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest

from runfold.query.groups import groups_of


def _shared(*configs: dict[str, Any]) -> dict[str, Any]:
    runs = [
        SimpleNamespace(group="g", state="finished", config=c, summary={})
        for c in configs
    ]
    (group,) = groups_of(runs, ["group"])
    return group.config


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        ({"depth": 3, "act": "relu"}, {"depth": 3, "act": "relu"}, True),
        ({"depth": 3, "act": "relu"}, {"act": "relu", "depth": 3}, True),
        ({"flag": True}, {"flag": 1}, False),
        ({"width": 1}, {"width": 1.0}, False),
        ({"w": 0.0}, {"w": -0.0}, False),
        ([1, [2, "x"]], [1, [2, "x"]], True),
        ([1, 2], [2, 1], False),
    ],
)
def test_nested_sections_are_shared_when_equal_as_grouping_sees_them(
    a: Any, b: Any, shared: bool
) -> None:
    got = _shared({"model": a}, {"model": b}, {"model": a})["model"]
    assert got == (a if shared else "mixed")


def test_a_nested_nan_is_shared() -> None:
    got = _shared({"m": {"x": math.nan}}, {"m": {"x": math.nan}})["m"]
    assert math.isnan(got["x"])
