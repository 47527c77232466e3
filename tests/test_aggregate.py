"""The pure statistics behind grouped charts (DESIGN §2.7, §2.8), against NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runfold.query import aggregate
from runfold.query.aggregate import (
    STAT_NAMES,
    bucket_means,
    cross_run_stats,
    ema,
    step_width,
)


def _numpy_stats(column: list[float]) -> dict[str, float]:
    a = np.array(column, dtype=np.float64)
    a = a[~np.isnan(a)]
    n = len(a)
    std = float(np.std(a, ddof=1)) if n > 1 else math.nan
    return {
        "mean": float(np.mean(a)),
        "median": float(np.median(a)),
        "min": float(np.min(a)),
        "max": float(np.max(a)),
        "std": std,
        "stderr": std / math.sqrt(n),
        "count": n,
    }


def test_cross_run_stats_equal_numpy_when_runs_have_unequal_length() -> None:
    rng = np.random.default_rng(7)
    lengths = [10, 4, 7, 1]
    values = [rng.normal(size=n) * 3 + 1 for n in lengths]
    positions = [np.arange(n) for n in lengths]

    pos, stats = cross_run_stats(positions, values)

    assert pos.tolist() == list(range(10))
    for i in range(10):
        column = [v[i] for v in values if i < len(v)]
        expected = _numpy_stats(column)
        for name in STAT_NAMES:
            got = stats[name][i]
            if name == "count":
                assert got == expected["count"] == len(column)
            elif math.isnan(expected[name]):
                assert math.isnan(got)
            else:
                assert got == pytest.approx(expected[name], rel=1e-12, abs=1e-12)


def test_cross_run_stats_counts_drop_as_short_runs_end() -> None:
    positions = [np.arange(3), np.arange(2), np.arange(1)]
    values = [np.ones(3), np.ones(2), np.ones(1)]

    _, stats = cross_run_stats(positions, values)

    assert stats["count"].tolist() == [3, 2, 1]


def test_cross_run_stats_has_no_band_when_one_run() -> None:
    _, stats = cross_run_stats([np.array([5])], [np.array([2.5])])

    assert stats["mean"].tolist() == [2.5]
    assert stats["median"].tolist() == [2.5]
    assert stats["count"].tolist() == [1]
    assert math.isnan(stats["std"][0])
    assert math.isnan(stats["stderr"][0])


def test_cross_run_stats_uses_sample_std_and_stderr() -> None:
    # Three seeds: population std would be sqrt(2/3); the sample one is 1.
    _, stats = cross_run_stats([np.array([0])] * 3, [np.array([v]) for v in (1, 2, 3)])

    assert stats["std"][0] == pytest.approx(1.0)
    assert stats["stderr"][0] == pytest.approx(1 / math.sqrt(3))
    assert stats["median"][0] == 2.0


def test_cross_run_stats_skips_nan_values() -> None:
    positions = [np.array([0, 1])] * 3
    values = [np.array([1.0, math.nan]), np.array([3.0, 4.0]), np.array([math.nan, 6])]

    pos, stats = cross_run_stats(positions, values)

    assert pos.tolist() == [0, 1]
    assert stats["count"].tolist() == [2, 2]
    assert stats["mean"].tolist() == [2.0, 5.0]
    assert stats["min"].tolist() == [1.0, 4.0]
    assert stats["max"].tolist() == [3.0, 6.0]


def test_cross_run_stats_drops_position_when_every_value_is_nan() -> None:
    pos, stats = cross_run_stats(
        [np.array([0, 1]), np.array([0, 1])],
        [np.array([1.0, math.nan]), np.array([2.0, math.nan])],
    )

    assert pos.tolist() == [0]
    assert stats["count"].tolist() == [2]


def test_cross_run_stats_keeps_infinity() -> None:
    positions = [np.array([0])] * 3
    values = [np.array([1.0]), np.array([math.inf]), np.array([3.0])]

    _, stats = cross_run_stats(positions, values)

    assert stats["count"][0] == 3
    assert stats["mean"][0] == math.inf
    assert stats["max"][0] == math.inf
    assert stats["min"][0] == 1.0
    assert stats["median"][0] == 3.0
    # As NumPy: inf - inf has no spread; the band is undefined.
    with np.errstate(invalid="ignore"):
        assert math.isnan(np.std([1.0, math.inf, 3.0], ddof=1))
    assert math.isnan(stats["std"][0])


def test_cross_run_stats_median_of_even_count_averages_the_middle_two() -> None:
    _, stats = cross_run_stats(
        [np.array([0])] * 4, [np.array([v]) for v in (10.0, 1.0, 4.0, 2.0)]
    )

    assert stats["median"][0] == 3.0


def test_cross_run_stats_is_empty_when_no_runs() -> None:
    pos, stats = cross_run_stats([], [])

    assert len(pos) == 0
    assert all(len(stats[name]) == 0 for name in STAT_NAMES)


_VALUE = st.one_of(
    st.floats(-1e6, 1e6), st.just(math.nan), st.just(math.inf), st.just(-math.inf)
)
_RUN = st.lists(st.tuples(st.integers(0, 12), _VALUE), max_size=14)


@settings(max_examples=200, deadline=None)
@given(st.lists(_RUN, max_size=6), st.sampled_from([1, 1.0, 0.5, 1e9]))
def test_cross_run_stats_grid_path_equals_the_sorted_points_path(
    runs: list[list[tuple[int, float]]], scale: float
) -> None:
    """Runs sharing positions take the grid path; it gives the numbers of the path
    that sorts every point (which the tests above check against NumPy)."""
    positions, values = [], []
    for points in runs:
        by_pos = dict(points)  # one value per position and run, in position order
        positions.append(np.array(sorted(by_pos)) * scale)  # ints, floats, wide
        values.append(np.array([by_pos[p] for p in sorted(by_pos)]))

    grid = aggregate._dense_stats(positions, values)
    pos, stats = cross_run_stats(positions, values)
    old_limit, aggregate._GRID_CELLS = aggregate._GRID_CELLS, 0
    try:
        sorted_pos, sorted_stats = cross_run_stats(positions, values)
    finally:
        aggregate._GRID_CELLS = old_limit

    assert pos.tolist() == sorted_pos.tolist()
    for name in STAT_NAMES:
        assert np.allclose(
            stats[name], sorted_stats[name], rtol=1e-9, atol=1e-9, equal_nan=True
        ), name
    if grid is not None:  # the grid path is the one cross_run_stats took
        assert grid[0].tolist() == pos.tolist()


def test_cross_run_stats_takes_the_grid_path_when_runs_share_steps() -> None:
    positions = [np.arange(100)] * 5
    values = [np.full(100, float(v)) for v in range(5)]

    grid = aggregate._dense_stats(positions, values)

    assert grid is not None
    assert grid[1]["median"].tolist() == [2.0] * 100
    assert grid[1]["std"][0] == pytest.approx(np.std(range(5), ddof=1))


@pytest.mark.parametrize(
    ("max_x", "buckets", "width"),
    [(0, 1, 1), (9, 10, 1), (10, 10, 2), (999, 1000, 1), (1000, 1000, 2),
     (99_999, 1000, 128), (5, 1, 8)],
)  # fmt: skip
def test_step_width_is_smallest_power_of_two_that_fits(
    max_x: int, buckets: int, width: int
) -> None:
    assert step_width(max_x, buckets) == width
    assert max_x // width < buckets
    assert width == 1 or max_x // (width // 2) >= buckets


def test_step_width_rejects_zero_buckets() -> None:
    with pytest.raises(ValueError, match="buckets"):
        step_width(10, 0)


def test_bucket_means_skip_nan_and_count_the_rest() -> None:
    idx = np.array([0, 0, 0, 2, 2, 5])
    values = np.array([1.0, 2.0, math.nan, 4.0, 8.0, math.nan])

    ids, means, counts = bucket_means(idx, values)

    assert ids.tolist() == [0, 2]
    assert means.tolist() == [1.5, 6.0]
    assert counts.tolist() == [2.0, 2.0]


def test_bucket_means_keep_infinity() -> None:
    ids, means, _ = bucket_means(np.array([0, 0]), np.array([1.0, math.inf]))

    assert ids.tolist() == [0]
    assert means.tolist() == [math.inf]


def test_ema_matches_hand_computed_debiased_values() -> None:
    # s_t = w*s_{t-1} + (1-w)*v_t, shown as s_t / (1 - w**t), w = 0.5:
    # t=1: 0.5/0.5 = 1; t=2: (0.25 + 1)/0.75 = 5/3; t=3: (0.625 + 1.5)/0.875 = 17/7.
    out = ema(np.array([1.0, 2.0, 3.0]), 0.5)

    assert out.tolist() == pytest.approx([1.0, 5 / 3, 17 / 7], rel=1e-12)


def test_ema_matches_tensorboard_formula_on_random_values() -> None:
    values = np.random.default_rng(3).normal(size=50)
    weight = 0.8
    last, expected = 0.0, []
    for t, value in enumerate(values, start=1):
        last = last * weight + (1 - weight) * value
        expected.append(last / (1 - weight**t))

    assert ema(values, weight).tolist() == pytest.approx(expected, rel=1e-10)


def test_ema_passes_nan_through_without_moving_the_average() -> None:
    out = ema(np.array([1.0, math.nan, 3.0]), 0.5)

    # The NaN point stays NaN; 3.0 is the second point: (0.25 + 1.5) / 0.75.
    assert out[0] == 1.0
    assert math.isnan(out[1])
    assert out[2] == pytest.approx(7 / 3)


def test_ema_keeps_infinity_without_poisoning_later_points() -> None:
    out = ema(np.array([1.0, math.inf, -math.inf, 3.0]), 0.5)

    assert out[1] == math.inf
    assert out[2] == -math.inf
    assert out[3] == pytest.approx(7 / 3)


def test_ema_with_counts_equals_repeating_each_bucket_mean() -> None:
    # A bucket mean of 2 points weighs as 2 points: [1, 3] with counts [1, 2]
    # ends where [1, 3, 3] ends: (0.125 + 2.25) / 0.875 = 19/7 for w = 0.5.
    weighted = ema(np.array([1.0, 3.0]), 0.5, np.array([1.0, 2.0]))
    repeated = ema(np.array([1.0, 3.0, 3.0]), 0.5)

    assert weighted[-1] == pytest.approx(repeated[-1]) == pytest.approx(19 / 7)


def test_ema_with_zero_weight_returns_values_unchanged() -> None:
    values = np.array([3.0, math.nan, 1.0])

    out = ema(values, 0.0)

    assert out is not values
    np.testing.assert_array_equal(out, values)


@pytest.mark.parametrize("weight", [-0.1, 1.0, 1.5])
def test_ema_rejects_weight_outside_zero_to_one(weight: float) -> None:
    with pytest.raises(ValueError, match="smoothing"):
        ema(np.array([1.0]), weight)


@pytest.mark.parametrize(
    "positions",
    [
        [np.arange(5), np.arange(2, 9)],  # small integer grid (radix by offset)
        [np.array([0, 70_000, 140_000]), np.array([70_000, 140_000])],  # wide ints
        [np.array([0.5, 1.25, 9.0]), np.array([1.25, 9.0, 10.5])],  # float x
    ],
)
def test_cross_run_stats_per_position_when_positions_are_wide_or_float(
    positions: list[np.ndarray],
) -> None:
    rng = np.random.default_rng(7)
    values = [rng.normal(size=len(p)).round(1) for p in positions]
    pos, stats = cross_run_stats(positions, values)
    all_pos, all_val = np.concatenate(positions), np.concatenate(values)
    want_pos = np.unique(all_pos)
    assert pos.tolist() == want_pos.tolist()
    for i, p in enumerate(want_pos):
        column = sorted(all_val[all_pos == p].tolist())
        want = _numpy_stats(column)
        assert stats["count"][i] == want["count"]
        assert stats["min"][i] == column[0] and stats["max"][i] == column[-1]
        assert stats["median"][i] == pytest.approx(want["median"])
        assert stats["mean"][i] == pytest.approx(want["mean"])
