"""How the read API encodes its bodies (``schemas.json_response``): the numbers a
chart plots come back exactly, non-finite ones as null, odd values still encode."""

from __future__ import annotations

import json
import math

import numpy as np

from runfold.server.jsonsafe import json_safe
from runfold.server.schemas import json_response


def _decoded(body: object) -> object:
    return json.loads(json_response(body).body)


def test_floats_come_back_exactly_and_non_finite_ones_as_null() -> None:
    values = [0.1, 1 / 3, 1e-300, 2.5e300, -0.0, 123456789.123456789, 5e-324]
    body = {"x": values, "bad": [math.nan, math.inf, -math.inf]}

    decoded = _decoded(body)

    assert decoded["x"] == values  # the shortest form that reads back as the float
    assert decoded["bad"] == [None, None, None]


def test_numpy_values_and_non_string_keys_encode_as_json_safe_makes_them() -> None:
    body = {
        "array": np.array([1.5, np.nan, np.inf]),
        "ints": np.arange(3),
        "scalar": np.float64(2.25),
        1: "int key",
        "tuple": (1, 2),
    }

    assert _decoded(body) == json_safe(body)


def test_values_the_fast_encoder_refuses_take_the_json_safe_walk() -> None:
    body = {"big": 2**70, "nested": {"nan": math.nan}}

    assert _decoded(body) == {"big": 2**70, "nested": {"nan": None}}
