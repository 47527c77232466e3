"""runfold.Histogram: bins and counts equal NumPy's."""

from __future__ import annotations

import numpy as np
import pytest

import runfold
from runfold.sdk.histogram import Histogram


def test_histogram_of_a_sequence_equals_numpy() -> None:
    values = np.random.default_rng(0).normal(size=1000)
    hist = Histogram(values, num_bins=20)
    counts, edges = np.histogram(values, bins=20)
    assert hist.counts == counts.tolist() and hist.bins == edges.tolist()
    assert hist.dropped == 0


def test_histogram_from_np_histogram_keeps_it() -> None:
    counts, edges = np.histogram([1, 2, 2, 3, 3, 3], bins=3)
    hist = Histogram(np_histogram=(counts, edges))
    assert hist.counts == [1.0, 2.0, 3.0] and hist.bins == edges.tolist()


def test_histogram_leaves_out_non_finite_values_and_counts_them() -> None:
    hist = Histogram([1.0, float("nan"), 2.0, float("inf")], num_bins=2)
    assert sum(hist.counts) == 2 and hist.dropped == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({}, "needs a sequence or np_histogram"),
     ({"sequence": [1.0], "num_bins": 0}, "num_bins=0 must be 1 to 512"),
     ({"np_histogram": ([1, 2], [0, 1])}, "len\\(edges\\) == len\\(counts\\) \\+ 1")],
)  # fmt: skip
def test_histogram_bad_arguments_say_what_to_do(kwargs: dict, message: str) -> None:
    with pytest.raises(runfold.UsageError, match=message):
        Histogram(**kwargs)
