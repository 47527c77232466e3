"""History columns, per-metric reductions and the downsampled form (lod)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import runfold
from runfold.model import LOD_SIZE, RowColumns
from runfold.store.history import Columns, Lod, Reductions, pivot_rows


def cols(steps: list[int], values: list[float]) -> Columns:
    return Columns(
        np.array(steps, dtype=np.int64),
        np.arange(len(steps), dtype=np.float64) + 1000.0,
        np.array(values, dtype=np.float64),
    )


def raw_buckets(
    steps: np.ndarray, values: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of the non-NaN values per bucket of ``width`` steps."""
    ok = ~np.isnan(values)
    idx = steps[ok] // width
    size = max(LOD_SIZE, int(idx.max()) + 1 if len(idx) else 0)
    sums = np.bincount(idx, weights=values[ok], minlength=size)
    counts = np.bincount(idx, minlength=size).astype(np.float64)
    return sums, counts


# ---- columns ----------------------------------------------------------------


def test_pivot_rows_makes_one_column_set_per_key() -> None:
    rows = [
        [0, 10.0, {"loss": 1.0, "acc": 0.5}],
        [1, 11.0, {"loss": 0.5}],
        [3, 12.0, {"acc": 0.75}],
    ]

    out = pivot_rows(rows)

    assert out["loss"].steps.tolist() == [0, 1]
    assert out["loss"].timestamps.tolist() == [10.0, 11.0]
    assert out["loss"].values.tolist() == [1.0, 0.5]
    assert out["acc"].steps.tolist() == [0, 3]
    assert out["acc"].values.tolist() == [0.5, 0.75]
    assert out["acc"].steps.dtype == np.int64


_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
)


@given(
    st.lists(
        st.dictionaries(st.sampled_from(["loss", "acc", "lr"]), _VALUES, min_size=1),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_pivot_rows_of_row_columns_equals_the_rows_one_by_one(
    dicts: list[dict[str, object]], same_keys: bool
) -> None:
    # RowColumns take a faster path when every row has the same keys (the SDK's
    # usual rows); it must give what the general path gives, values converted alike.
    if same_keys:
        keys = sorted(dicts[0])
        dicts = [{k: d.get(k, 1.5) for k in keys} for d in dicts]
    rows = [(step * 2, 100.0 + step, d) for step, d in enumerate(dicts)]
    columns = RowColumns()
    columns.extend(rows)

    fast, general = pivot_rows(columns), pivot_rows(list(rows))

    assert fast.keys() == general.keys()
    for key, col in general.items():
        for got, want in zip(
            (fast[key].steps, fast[key].timestamps, fast[key].values),
            (col.steps, col.timestamps, col.values),
            strict=True,
        ):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


def test_columns_round_trip_through_blobs_and_concat() -> None:
    a, b = cols([0, 1], [1.0, math.nan]), cols([2], [math.inf])

    back = Columns.from_blobs(*a.to_blobs())
    joined = Columns.concat([back, b])

    assert joined.steps.tolist() == [0, 1, 2]
    assert joined.values[0] == 1.0 and math.isnan(joined.values[1])
    assert joined.values[2] == math.inf
    assert len(Columns.concat([]).steps) == 0


# ---- reductions -------------------------------------------------------------


def test_reductions_track_first_last_min_max_and_their_steps() -> None:
    r = Reductions().add(cols([0, 1, 2, 3], [3.0, 1.0, 4.0, 2.0]))

    assert (r.count, r.nans, r.sum, r.mean) == (4, 0, 10.0, 2.5)
    assert (r.first, r.first_step, r.last, r.last_step) == (3.0, 0, 2.0, 3)
    assert (r.min, r.min_step, r.max, r.max_step) == (1.0, 1, 4.0, 2)


def test_reductions_add_chunks_like_one_column() -> None:
    values = np.random.default_rng(2).normal(size=100)
    steps = list(range(0, 200, 2))
    whole = Reductions().add(cols(steps, values.tolist()))

    chunked = Reductions()
    for i in range(0, 100, 7):
        chunked = chunked.add(cols(steps[i : i + 7], values[i : i + 7].tolist()))

    assert chunked.count == whole.count == 100
    assert chunked.sum == pytest.approx(float(values.sum()))
    assert chunked.mean == pytest.approx(float(values.mean()))
    assert (chunked.min, chunked.max) == (float(values.min()), float(values.max()))
    assert chunked.min_step == steps[int(values.argmin())] == whole.min_step
    assert chunked.max_step == steps[int(values.argmax())] == whole.max_step
    assert (chunked.first, chunked.last) == (values[0], values[-1])
    assert (chunked.first_step, chunked.last_step) == (0, 198)


def test_reductions_keep_the_earliest_step_of_a_tied_min_and_max() -> None:
    r = Reductions().add(cols([0, 1], [1.0, 5.0])).add(cols([2, 3], [1.0, 5.0]))

    assert (r.min_step, r.max_step) == (0, 1)


def test_reductions_leave_nan_out_of_sum_mean_min_max_but_count_it() -> None:
    r = Reductions().add(cols([0, 1, 2], [math.nan, 2.0, math.nan]))

    assert (r.count, r.nans) == (3, 2)
    assert (r.sum, r.mean, r.min, r.max) == (2.0, 2.0, 2.0, 2.0)
    assert (r.min_step, r.max_step) == (1, 1)
    # first and last are what was logged, NaN included (the summary's "last").
    assert math.isnan(r.first) and math.isnan(r.last)


def test_reductions_read_back_null_first_and_last_as_nan() -> None:
    # The row as SQLite returns it: count, nans, sum, first, last, min, max, ...
    r = Reductions(2, 1, 1.0, None, None, 1.0, 1.0, 0, 0, 0, 1)

    assert math.isnan(r.first) and math.isnan(r.last)
    assert math.isnan(r.reduce("last"))
    assert Reductions().last is None  # nothing logged: no last value


def test_summary_of_a_run_whose_last_value_is_nan_is_nan(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.log({"loss": 1.0})
    run.log({"loss": math.nan})
    run.finish()

    (stored,) = api.runs("p")

    assert math.isnan(stored.summary["loss"])


def test_reductions_of_only_nan_have_no_mean_min_or_max() -> None:
    r = Reductions().add(cols([0, 1], [math.nan, math.nan]))

    assert (r.count, r.nans) == (2, 2)
    assert r.mean is None and r.min is None and r.max is None
    assert r.min_step is None and r.max_step is None
    later = r.add(cols([2], [4.0]))
    assert (later.mean, later.min, later.min_step, later.first_step) == (4.0, 4.0, 2, 0)


def test_reductions_keep_infinity() -> None:
    r = Reductions().add(cols([0, 1, 2], [1.0, math.inf, 3.0]))

    assert (r.max, r.max_step, r.min, r.mean) == (math.inf, 1, 1.0, math.inf)
    r = r.add(cols([3], [-math.inf]))
    assert (r.min, r.min_step) == (-math.inf, 3)
    assert math.isnan(r.mean)  # inf + -inf, as NumPy's mean
    assert r.sum == 4.0  # finite values only: a NaN sum cannot be stored
    down = Reductions().add(cols([0, 1], [2.0, -math.inf]))
    assert down.mean == -math.inf


def test_reductions_of_inf_and_minus_inf_reach_the_sqlite_store(
    api: runfold.Api,
) -> None:
    # SQLite stores a NaN as NULL; a NaN sum broke the NOT NULL column and the
    # whole batch with it.
    rows = [
        [0, 1.0, {"loss": math.inf}],
        [1, 2.0, {"loss": -math.inf}],
        [2, 3.0, {"loss": 2.0}],
    ]
    api.store.ingest("p", "r1", [(1, "run", {"name": "r1"}), (2, "history", rows)])

    stats = api.run("p/r1").metrics["loss"]

    assert (stats.count, stats.min, stats.max, stats.sum) == (
        3,
        -math.inf,
        math.inf,
        2.0,
    )
    assert math.isnan(stats.mean)
    assert [r["loss"] for r in api.run("p/r1").history()] == [math.inf, -math.inf, 2.0]


def test_reductions_ignore_an_empty_chunk() -> None:
    r = Reductions().add(cols([0], [1.0]))

    assert r.add(cols([], [])) is r


@pytest.mark.parametrize(
    ("rule", "value"),
    [("min", 1.0), ("max", 4.0), ("mean", 2.5), ("last", 2.0), (None, 2.0)],
)
def test_reductions_reduce_by_summary_rule(rule: str | None, value: float) -> None:
    r = Reductions().add(cols([0, 1, 2, 3], [3.0, 1.0, 4.0, 2.0]))

    assert r.reduce(rule) == value  # type: ignore[arg-type]


def test_reductions_of_nothing_are_empty() -> None:
    r = Reductions()

    assert (r.count, r.mean, r.reduce("last"), r.reduce("min")) == (0, None, None, None)


# ---- lod --------------------------------------------------------------------


def test_lod_sums_and_counts_finite_values_per_step_when_short() -> None:
    lod = Lod.empty().add(cols([0, 1, 2, 5], [1.0, math.nan, 3.0, math.inf]))

    assert lod.width == 1
    assert len(lod.sums) == len(lod.counts) == LOD_SIZE
    assert lod.sums[:6].tolist() == [1.0, 0.0, 3.0, 0.0, 0.0, math.inf]
    assert lod.counts[:6].tolist() == [1, 0, 1, 0, 0, 1]  # the NaN is not counted


def test_lod_sums_inf_and_minus_inf_in_one_bucket_to_nan_without_warning() -> None:
    # pytest runs with warnings as errors: a NumPy RuntimeWarning would fail here.
    lod = Lod.empty().add(cols([0, 1], [math.inf, 5.0]))
    lod = lod.add(cols([2, 3], [-math.inf, 1.0]))
    lod = lod.add(cols([4000], [1.0]))  # doubles to width 4: buckets 0-1 and 2-3 meet

    assert lod.width == 4
    assert math.isnan(lod.sums[0])
    assert lod.counts[0] == 4
    sums, counts = Lod.empty().add(cols([0, 1], [math.inf, -math.inf])).at_width(2)
    assert math.isnan(sums[0]) and counts[0] == 2


def test_lod_doubles_width_and_keeps_sums_when_steps_grow() -> None:
    rng = np.random.default_rng(4)
    steps = np.arange(0, 5000)
    values = rng.normal(size=len(steps))
    values[rng.choice(len(steps), 50, replace=False)] = math.nan

    lod = Lod.empty()
    for i in range(0, len(steps), 333):  # arrives in chunks, the width doubling
        lod = lod.add(
            Columns(steps[i : i + 333], steps[i : i + 333] * 1.0, values[i : i + 333])
        )

    assert lod.width == 8  # smallest power of two with 4999 // w < 1024
    assert 4999 // lod.width < LOD_SIZE <= 4999 // (lod.width // 2)
    want_sums, want_counts = raw_buckets(steps, values, 8)
    np.testing.assert_allclose(lod.sums, want_sums[:LOD_SIZE], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(lod.counts, want_counts[:LOD_SIZE])
    assert lod.counts.sum() == 5000 - 50
    assert lod.sums.sum() == pytest.approx(float(np.nansum(values)))


def test_lod_built_in_chunks_equals_lod_built_at_once() -> None:
    steps = np.arange(0, 3000, 3)
    values = np.sin(steps / 100.0)
    once = Lod.empty().add(Columns(steps, steps * 1.0, values))

    chunked = Lod.empty()
    for i in range(0, len(steps), 50):
        chunked = chunked.add(
            Columns(steps[i : i + 50], steps[i : i + 50] * 1.0, values[i : i + 50])
        )

    assert chunked.width == once.width == 4
    np.testing.assert_allclose(chunked.sums, once.sums, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(chunked.counts, once.counts)


@pytest.mark.parametrize("width", [1, 2, 8, 64, 4096])
def test_lod_at_width_equals_bucketing_the_raw_points(width: int) -> None:
    steps = np.arange(0, 1500, 1)
    values = np.cos(steps / 7.0)
    lod = Lod.empty().add(Columns(steps, steps * 1.0, values))  # width 2

    sums, counts = lod.at_width(width)

    effective = max(width, lod.width)  # a finer width than stored gives the stored
    want_sums, want_counts = raw_buckets(steps, values, effective)
    n = len(sums)
    assert n == len(counts) == -(-LOD_SIZE // (effective // lod.width))
    np.testing.assert_allclose(sums, want_sums[:n], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(counts, want_counts[:n])
    assert counts.sum() == 1500


def test_lod_round_trips_through_blobs() -> None:
    lod = Lod.empty().add(cols([0, 3000], [1.0, 2.0]))

    back = Lod.from_blobs(*lod.to_blobs())

    assert back.width == lod.width == 4
    np.testing.assert_array_equal(back.sums, lod.sums)
    back.sums[0] = 99.0  # writable: a copy, not a view of the bytes
    np.testing.assert_array_equal(back.counts, lod.counts)


def test_lod_ignores_an_empty_chunk() -> None:
    lod = Lod.empty()

    assert lod.add(cols([], [])) is lod
