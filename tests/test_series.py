"""Grouped series (DESIGN §2.6–2.8): the numbers a user reads off a grouped chart.

Each test computes what the chart must show with NumPy or plain Python and compares
it with ``Api.group_series``. The property tests compare random groups of random
runs against a brute-force reference, in exact and bucketed modes, and the
store's downsampled ("lod") read against the raw read.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runfold
from runfold.query import series, stepgrid

STATS = ("mean", "median", "min", "max", "std", "stderr")


# ---- helpers ----------------------------------------------------------------


def ingest_run(
    store: Any,
    project: str,
    run_id: str,
    points: Sequence[tuple[int, float, dict[str, float]]],
    *,
    group: str | None = "g",
    created_at: float = 1000.0,
) -> None:
    """A finished run with history rows ``(step, timestamp, {key: value})``."""
    bodies: list[tuple[str, Any]] = [
        ("run", {"name": run_id, "group": group, "created_at": created_at}),
    ]
    if points:
        bodies.append(("history", [[s, t, row] for s, t, row in points]))
    bodies.append(("finish", {"state": "finished", "exit_code": 0, "at": 2e9}))
    # Sequence numbers run on without gaps, as the SDK's writer numbers them.
    records = [(seq, kind, body) for seq, (kind, body) in enumerate(bodies, start=1)]
    store.ingest(project, run_id, records)


def log_runs(project: str, group: str, runs: Sequence[Sequence[float]]) -> None:
    """Log each list of values as one run through the SDK, one step per value."""
    for values in runs:
        run = runfold.init(project=project, group=group, reinit=True)
        for value in values:
            run.log({"loss": value})
        run.finish()


def numpy_column(column: Sequence[float]) -> dict[str, Any]:
    """What one grouped point must show for the runs' values at that x."""
    a = np.array(column, dtype=np.float64)
    a = a[~np.isnan(a)]
    n = len(a)
    with np.errstate(invalid="ignore"):
        std = float(np.std(a, ddof=1)) if n > 1 else None
    if std is not None and math.isnan(std):
        std = None
    return {
        "mean": float(np.mean(a)),
        "median": float(np.median(a)),
        "min": float(np.min(a)),
        "max": float(np.max(a)),
        "std": std,
        "stderr": None if std is None else std / math.sqrt(n),
        "count": n,
    }


def assert_point(entry: dict[str, Any], i: int, want: dict[str, Any]) -> None:
    assert entry["count"][i] == want["count"]
    for name in STATS:
        got, expected = entry[name][i], want[name]
        if expected is None:
            assert got is None, (name, i)
        elif math.isinf(expected):
            assert got == expected, (name, i)
        else:
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (name, i)


def by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in entries}


# ---- exact alignment --------------------------------------------------------


def test_group_series_equals_numpy_at_shared_steps_when_runs_have_unequal_length(
    api: runfold.Api,
) -> None:
    rng = np.random.default_rng(1)
    runs_a = [rng.normal(size=n).tolist() for n in (6, 3, 5)]
    runs_b = [rng.normal(size=4).tolist()]
    log_runs("mnist", "a", runs_a)
    log_runs("mnist", "b", runs_b)

    entries = by_name(api.group_series("mnist", "loss"))

    assert list(entries) == ["a", "b"]
    for name, runs in (("a", runs_a), ("b", runs_b)):
        entry = entries[name]
        longest = max(len(r) for r in runs)
        assert entry["mode"] == "exact"
        assert entry["runs"] == len(runs)
        assert entry["x"] == entry["x_lo"] == entry["x_hi"] == list(range(longest))
        assert all(type(x) is int for x in entry["x"])  # never fractional
        assert all(
            len(entry[k]) == longest for k in ("median", "std", "stderr", "count")
        )
        for step in range(longest):
            assert_point(
                entry, step, numpy_column([r[step] for r in runs if step < len(r)])
            )
    # n drops as the short runs end: lengths 6, 3, 5.
    assert entries["a"]["count"] == [3, 3, 3, 2, 2, 1]


def test_group_series_has_no_band_when_one_run_has_the_point(api: runfold.Api) -> None:
    log_runs("p", "g", [[1.0, 2.0, 3.0], [5.0]])

    (entry,) = api.group_series("p", "loss")

    assert entry["count"] == [2, 1, 1]
    assert entry["std"][0] == pytest.approx(math.sqrt(8))
    assert entry["stderr"][0] == pytest.approx(2.0)
    assert entry["std"][1:] == [None, None]
    assert entry["stderr"][1:] == [None, None]
    assert entry["mean"][1:] == [2.0, 3.0]


def test_group_series_skips_nan_and_keeps_inf(api: runfold.Api) -> None:
    nan, inf = math.nan, math.inf
    log_runs("p", "g", [[1.0, nan, 1.0], [3.0, 4.0, inf], [nan, 8.0, 5.0]])

    (entry,) = api.group_series("p", "loss")

    assert entry["x"] == [0, 1, 2]
    assert entry["count"] == [2, 2, 3]
    assert entry["mean"][:2] == [2.0, 6.0]
    assert entry["mean"][2] == inf
    assert entry["max"][2] == inf
    assert entry["min"][2] == 1.0
    assert entry["median"][2] == 5.0
    assert entry["std"][2] is None  # inf - inf: no defined spread (as NumPy's nan)
    assert entry["std"][0] == pytest.approx(math.sqrt(2))


@pytest.mark.parametrize("lod_size", [series.LOD_SIZE, 0])
def test_group_series_drops_bucket_where_inf_meets_minus_inf(
    api: runfold.Api, monkeypatch: pytest.MonkeyPatch, lod_size: int
) -> None:
    # Buckets of 2 steps; run A's first bucket holds inf and -inf: its mean is
    # undefined (NaN), so A has no value there. Same on the lod and raw reads.
    inf = math.inf
    log_runs("p", "g", [[inf, -inf, 1.0, 2.0], [1.0, 1.0, 1.0, 1.0]])
    monkeypatch.setattr(series, "LOD_SIZE", lod_size)

    (entry,) = api.group_series("p", "loss", buckets=2)

    assert entry["x"] == [1, 3]
    assert entry["count"] == [1, 2]
    assert entry["mean"] == [1.0, 1.25]


def test_group_series_drops_step_when_every_run_logged_nan_there(
    api: runfold.Api,
) -> None:
    log_runs("p", "g", [[1.0, math.nan, 3.0], [2.0, math.nan, 4.0]])

    (entry,) = api.group_series("p", "loss")

    assert entry["x"] == [0, 2]
    assert entry["mean"] == [1.5, 3.5]


def test_group_series_smooths_each_run_before_aggregating(api: runfold.Api) -> None:
    log_runs("p", "g", [[1.0, 2.0, 3.0], [3.0, 3.0]])

    (entry,) = api.group_series("p", "loss", smoothing=0.5)

    # Per run, w = 0.5: [1, 5/3, 17/7] and [3, 3]; then the mean across runs.
    assert entry["mode"] == "exact"
    assert entry["mean"] == pytest.approx([2.0, (5 / 3 + 3) / 2, 17 / 7])
    assert entry["count"] == [2, 2, 1]


def test_group_series_aligns_on_a_custom_x_metric(api: runfold.Api) -> None:
    for run_id, values in (("r1", [1.0, 2.0, 3.0]), ("r2", [3.0, 6.0])):
        rows = [
            (i * 10, 0.0, {"epoch": i + 0.5, "acc": v}) for i, v in enumerate(values)
        ]
        ingest_run(api.store, "p", run_id, rows)

    (entry,) = api.group_series("p", "acc", x="epoch")

    assert entry["mode"] == "exact"
    assert entry["x"] == [0.5, 1.5, 2.5]
    assert entry["mean"] == [2.0, 4.0, 3.0]
    assert entry["count"] == [2, 2, 1]


def test_group_series_gives_one_entry_per_run_when_by_is_empty(
    api: runfold.Api,
) -> None:
    ingest_run(api.store, "p", "r1", [(0, 0.0, {"loss": 1.0})])
    ingest_run(api.store, "p", "r2", [(0, 0.0, {"loss": 3.0})], created_at=1001.0)

    entries = api.group_series("p", "loss", by=[])

    assert [e["key"] for e in entries] == [("r1",), ("r2",)]
    assert [e["mean"] for e in entries] == [[1.0], [3.0]]


def test_group_series_is_empty_when_no_run_logged_the_metric(
    api: runfold.Api,
) -> None:
    ingest_run(api.store, "p", "r1", [(0, 0.0, {"loss": 1.0})])

    (entry,) = api.group_series("p", "accuracy")

    assert entry["runs"] == 1
    assert entry["x"] == entry["mean"] == entry["count"] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"buckets": 0}, "buckets=0"), ({"buckets": 2.5}, "buckets=2.5"),
     ({"smoothing": 1.0}, "smoothing=1.0"), ({"smoothing": -0.5}, "smoothing=-0.5")],
)  # fmt: skip
def test_group_series_rejects_bad_arguments(
    api: runfold.Api, kwargs: dict[str, Any], message: str
) -> None:
    ingest_run(api.store, "p", "r1", [(0, 0.0, {"loss": 1.0})])

    with pytest.raises(runfold.UsageError, match=message):
        api.group_series("p", "loss", **kwargs)


# ---- buckets ----------------------------------------------------------------


def test_group_series_buckets_wall_time_with_each_run_contributing_its_mean(
    api: runfold.Api,
) -> None:
    # Run A at t = 100, 101, 102, 103; run B at t = 100.5 ... 107.5. With 3 buckets
    # the range 100 .. 107.5 is cut at 102.5 and 105.
    a = [(i, 100.0 + i, {"loss": v}) for i, v in enumerate([1.0, 2.0, 3.0, 10.0])]
    b_values = [4.0, 4.0, 7.0, 7.0, 7.0, 0.0, 0.0, 3.0]
    b = [(i, 100.5 + i, {"loss": v}) for i, v in enumerate(b_values)]
    ingest_run(api.store, "p", "a", a)
    ingest_run(api.store, "p", "b", b, created_at=1001.0)

    (entry,) = api.group_series("p", "loss", x="_timestamp", buckets=3)

    assert entry["mode"] == "buckets"
    assert entry["x_lo"] == [100.0, 102.5, 105.0]
    assert entry["x_hi"] == [102.5, 105.0, 107.5]
    assert entry["x"] == [101.25, 103.75, 106.25]
    # Bucket 0: A's mean 2 and B's mean 4 -> 3 (the mean of the 5 points is 2.8).
    assert entry["mean"] == [3.0, 8.5, 1.0]
    assert entry["count"] == [2, 2, 1]
    assert entry["std"][:2] == pytest.approx([math.sqrt(2), math.sqrt(4.5)])
    assert entry["std"][2] is None
    assert entry["stderr"][:2] == pytest.approx([1.0, 1.5])


def test_group_series_buckets_wall_time_of_parallel_runs_when_points_fit(
    api: runfold.Api,
) -> None:
    # Three seeds logging at the same moments, a few ms apart: 15 distinct wall
    # times fit in 15 buckets, but exact points would each hold one run.
    for r, jitter in enumerate((0.0, 0.05, 0.1)):
        rows = [(k, 50.0 + 10 * k + jitter, {"loss": float(k + r)}) for k in range(5)]
        ingest_run(api.store, "p", f"seed{r}", rows, created_at=1000.0 + r)

    (entry,) = api.group_series("p", "loss", x="_timestamp", buckets=15)

    assert entry["mode"] == "buckets"
    assert entry["count"] == [3] * 5
    assert entry["mean"] == pytest.approx([k + 1.0 for k in range(5)])
    for lo, x, hi in zip(entry["x_lo"], entry["x"], entry["x_hi"], strict=True):
        assert lo <= x <= hi
        assert hi - lo == pytest.approx((90.1 - 50.0) / 15)


def test_group_series_uses_exact_wall_time_of_a_single_run(api: runfold.Api) -> None:
    ingest_run(api.store, "p", "r1", [(k, 5.0 + k / 4, {"loss": k}) for k in range(4)])

    (entry,) = api.group_series("p", "loss", x="_timestamp")

    assert entry["mode"] == "exact"
    assert entry["x"] == [5.0, 5.25, 5.5, 5.75]


def test_group_series_measures_runtime_from_each_run_start(api: runfold.Api) -> None:
    for r, start in enumerate((1000.0, 5000.0)):
        rows = [(k, start + 2.0 * k, {"loss": float(r)}) for k in range(3)]
        ingest_run(api.store, "p", f"r{r}", rows, created_at=start)

    (entry,) = api.group_series("p", "loss", x="_runtime")

    assert entry["mode"] == "exact"
    assert entry["x"] == [0.0, 2.0, 4.0]
    assert entry["mean"] == [0.5, 0.5, 0.5]
    assert entry["count"] == [2, 2, 2]


def test_group_series_buckets_interleaved_steps_at_integer_bucket_ends(
    api: runfold.Api,
) -> None:
    # A logs the even steps 0..14, B the odd steps 1..15: 16 distinct steps do
    # not fit 8 buckets, so buckets of 2 steps hold one point of each run.
    ingest_run(
        api.store, "p", "a", [(s, 0.0, {"loss": float(s)}) for s in range(0, 16, 2)]
    )
    ingest_run(
        api.store, "p", "b", [(s, 0.0, {"loss": 10.0 * s}) for s in range(1, 16, 2)],
        created_at=1001.0,
    )  # fmt: skip

    (entry,) = api.group_series("p", "loss", buckets=8)

    assert entry["mode"] == "buckets"
    assert entry["x_lo"] == list(range(0, 16, 2))
    assert entry["x_hi"] == entry["x"] == list(range(1, 16, 2))
    assert all(type(x) is int for x in entry["x"] + entry["x_lo"])
    for i, lo in enumerate(entry["x_lo"]):
        assert_point(entry, i, numpy_column([lo, 10.0 * (lo + 1)]))


def test_group_series_reads_downsampled_form_when_runs_are_longer_than_buckets(
    api: runfold.Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(5)
    runs = [rng.normal(size=n).tolist() for n in (3000, 1800, 2500)]
    runs[1][100] = math.nan
    log_runs("p", "g", runs)
    reads: list[str] = []
    lods = api.store.lods
    monkeypatch.setattr(api.store, "lods", lambda *a: reads.append("lod") or lods(*a))

    (entry,) = api.group_series("p", "loss", buckets=100)

    assert reads == ["lod"]
    # The smallest power of two that fits steps 0..2999 in 100 buckets is 32.
    width = 32
    assert entry["mode"] == "buckets"
    assert len(entry["x"]) == -(-3000 // width) <= 100
    assert entry["x_lo"] == list(range(0, 3000, width))
    assert entry["x_hi"] == entry["x"]
    assert entry["x"] == [min(lo + width - 1, 2999) for lo in entry["x_lo"]]
    for i, lo in enumerate(entry["x_lo"]):
        column = []
        for run in runs:
            chunk = np.array(run[lo : lo + width])
            if len(chunk) and not np.isnan(chunk).all():
                column.append(float(np.nanmean(chunk)))
        assert_point(entry, i, numpy_column(column))
    assert entry["count"][-1] == 1  # only the 3000-step run reaches the end


@pytest.mark.parametrize("smoothing", [None, 0.7])
def test_group_series_downsampled_read_equals_raw_read(
    api: runfold.Api, monkeypatch: pytest.MonkeyPatch, smoothing: float | None
) -> None:
    rng = np.random.default_rng(11)
    for r, (n, stride) in enumerate(((1500, 3), (700, 5), (2100, 1))):
        rows = [
            (k * stride, 0.0, {"loss": float(v)})
            for k, v in enumerate(rng.normal(size=n))
        ]
        ingest_run(
            api.store, "p", f"r{r}", rows, group="ab"[r % 2], created_at=1000.0 + r
        )

    lod = api.group_series("p", "loss", buckets=200, smoothing=smoothing)
    monkeypatch.setattr(series, "LOD_SIZE", 0)  # no request qualifies for the lod
    raw = api.group_series("p", "loss", buckets=200, smoothing=smoothing)

    assert_same_series(lod, raw)


def assert_same_series(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert [e["key"] for e in got] == [e["key"] for e in want]
    for g, w in zip(got, want, strict=True):
        assert g["mode"] == w["mode"]
        assert g["runs"] == w["runs"]
        assert g["count"] == w["count"]
        for axis in ("x", "x_lo", "x_hi"):
            np.testing.assert_allclose(g[axis], w[axis], rtol=1e-12)
        for name in STATS:
            assert [v is None for v in g[name]] == [v is None for v in w[name]], name
            gv = [v for v in g[name] if v is not None]
            wv = [v for v in w[name] if v is not None]
            assert np.allclose(gv, wv, rtol=1e-9, atol=1e-9), name


# ---- property tests against a brute-force reference -------------------------


def ref_ema(values: list[float], counts: list[float], weight: float) -> list[float]:
    """TensorBoard's debiased EMA; non-finite points pass through."""
    if not weight:
        return list(values)
    out, acc, norm = [], 0.0, 0.0
    for value, count in zip(values, counts, strict=True):
        if math.isfinite(value):
            decay = weight**count
            acc = decay * acc + (1 - decay) * value
            norm = decay * norm + (1 - decay)
            value = acc / norm
        out.append(value)
    return out


def ref_point(column: list[float]) -> dict[str, Any]:
    ordered = sorted(column)
    n = len(ordered)
    mean = math.fsum(ordered) / n
    std = None
    if n > 1:
        std = math.sqrt(math.fsum((v - mean) ** 2 for v in ordered) / (n - 1))
    return {
        "mean": mean,
        "median": (ordered[(n - 1) // 2] + ordered[n // 2]) / 2,
        "min": ordered[0],
        "max": ordered[-1],
        "std": std,
        "stderr": None if std is None else std / math.sqrt(n),
        "count": n,
    }


def reference_series(
    groups: dict[str, list[list[tuple[float, float]]]],
    *,
    is_step: bool,
    buckets: int,
    smoothing: float | None,
) -> dict[str, dict[str, Any]]:
    """Per group name: mode, x, x_lo, x_hi and the statistics, by plain loops.

    Each run is a list of (x, y) sorted by x. Exact mode when the distinct x values
    fit in ``buckets`` (and, off steps, are all the longest run's); otherwise
    buckets: per run the mean of its non-NaN values in each bucket, smoothed, and
    then the statistics over the runs' bucket means.
    """
    weight = smoothing or 0.0
    every_run = [run for runs in groups.values() for run in runs]
    all_x = sorted({x for run in every_run for x, _ in run})
    longest = max((len({x for x, _ in run}) for run in every_run), default=0)
    exact = len(all_x) <= buckets and (is_step or len(all_x) <= longest)
    if not exact:
        width, origin, top = _ref_grid(all_x, is_step=is_step, buckets=buckets)
    out: dict[str, dict[str, Any]] = {}
    for name, runs in groups.items():
        # per run: {position: value}, positions being x values or bucket ids
        per_run: list[dict[float, float]] = []
        for run in runs:
            if exact:
                ys = ref_ema([y for _, y in run], [1.0] * len(run), weight)
                per_run.append({x: y for (x, _), y in zip(run, ys, strict=True)})
                continue
            cells: dict[int, list[float]] = {}
            for x, y in run:
                if is_step:
                    b = int(x // width)
                else:
                    b = min(int((x - origin) // width), buckets - 1)
                if not math.isnan(y):
                    cells.setdefault(b, []).append(y)
            ids = sorted(cells)
            means = [math.fsum(cells[b]) / len(cells[b]) for b in ids]
            smoothed = ref_ema(means, [float(len(cells[b])) for b in ids], weight)
            per_run.append(dict(zip(ids, smoothed, strict=True)))
        positions = sorted(
            {p for values in per_run for p, y in values.items() if not math.isnan(y)}
        )
        entry: dict[str, Any] = {
            "mode": "exact" if exact else "buckets",
            "runs": len(runs),
        }
        entry.update({k: [] for k in ("x", "x_lo", "x_hi", *STATS, "count")})
        for p in positions:
            column = [v[p] for v in per_run if p in v and not math.isnan(v[p])]
            for key, value in ref_point(column).items():
                entry[key].append(value)
            if exact:
                lo = hi = x = p
            elif is_step:
                lo = int(p * width)
                hi = x = min(lo + int(width) - 1, int(top))
            else:
                lo = origin + p * width
                hi = min(lo + width, top)
                x = (lo + hi) / 2
            entry["x"].append(x)
            entry["x_lo"].append(lo)
            entry["x_hi"].append(hi)
        out[name] = entry
    return out


def _ref_grid(
    all_x: list[float], *, is_step: bool, buckets: int
) -> tuple[float, float, float]:
    """(width, origin, last x) of the bucket grid."""
    top = all_x[-1]
    if is_step:
        width = 1
        while int(top) // width >= buckets:
            width *= 2
        return float(width), 0.0, top
    return (top - all_x[0]) / buckets or 1.0, all_x[0], top


def assert_matches_reference(
    entries: list[dict[str, Any]], want: dict[str, dict[str, Any]]
) -> None:
    assert [e["name"] for e in entries] == sorted(want)
    for entry in entries:
        ref = want[entry["name"]]
        assert entry["runs"] == ref["runs"]
        assert entry["count"] == ref["count"]
        if ref["count"]:
            assert entry["mode"] == ref["mode"]
        for axis in ("x", "x_lo", "x_hi"):
            assert entry[axis] == pytest.approx(ref[axis], rel=1e-12), axis
        for i in range(len(ref["count"])):
            assert_point(entry, i, {k: ref[k][i] for k in (*STATS, "count")})


_projects: Iterator[int] = itertools.count()

_values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
_run = st.fixed_dictionaries(
    {
        "group": st.sampled_from(["a", "b"]),
        # mostly shared steps (so points aggregate several runs), some offset
        "start": st.sampled_from([0, 0, 0, 3]),
        "stride": st.sampled_from([1, 1, 2, 5, 40]),
        "values": st.lists(_values, min_size=1, max_size=70),
        "nan_at": st.sets(st.integers(0, 69), max_size=3),
        # wall times: a few shared starts and ticks, so runs sometimes coincide
        "t0": st.sampled_from([0.0, 0.25, 7.5]),
        "tick": st.integers(1, 8),
    }
)
_property_settings = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _ingest_random_runs(
    api: runfold.Api, runs: list[dict[str, Any]], x: str
) -> tuple[str, dict[str, list[list[tuple[float, float]]]]]:
    """Ingest the drawn runs into a fresh project; return it and the (x, y) truth."""
    project = f"prop{next(_projects)}"
    truth: dict[str, list[list[tuple[float, float]]]] = {}
    for i, run in enumerate(runs):
        rows = []
        for k, value in enumerate(run["values"]):
            step = run["start"] + k * run["stride"]
            ts = 1000.0 + run["t0"] + k * run["tick"] / 4
            rows.append((step, ts, {"loss": math.nan if k in run["nan_at"] else value}))
        ingest_run(
            api.store, project, f"run{i}", rows,
            group=run["group"], created_at=1000.0 + i,
        )  # fmt: skip
        pairs = [
            (float(step) if x == "_step" else ts, row["loss"]) for step, ts, row in rows
        ]
        truth.setdefault(run["group"], []).append(pairs)
    return project, truth


@_property_settings
@given(
    runs=st.lists(_run, min_size=2, max_size=8),
    x=st.sampled_from(["_step", "_timestamp"]),
    buckets=st.integers(1, 64),
    smoothing=st.sampled_from([None, 0.6]),
)
def test_group_series_equals_brute_force_reference(
    api: runfold.Api,
    runs: list[dict[str, Any]],
    x: str,
    buckets: int,
    smoothing: float | None,
) -> None:
    project, truth = _ingest_random_runs(api, runs, x)

    entries = api.group_series(
        project, "loss", by=["group"], x=x, buckets=buckets, smoothing=smoothing
    )

    want = reference_series(
        truth, is_step=x == "_step", buckets=buckets, smoothing=smoothing
    )
    assert_matches_reference(entries, want)
    assert all(len(e["x"]) <= buckets for e in entries if e["mode"] == "buckets")
    if x == "_step":
        assert all(type(v) is int for e in entries for v in e["x"])


@_property_settings
@given(
    runs=st.lists(_run, min_size=2, max_size=8),
    buckets=st.integers(1, 40),
    smoothing=st.sampled_from([None, 0.6]),
)
def test_group_series_downsampled_read_equals_raw_read_on_random_runs(
    api: runfold.Api,
    runs: list[dict[str, Any]],
    buckets: int,
    smoothing: float | None,
) -> None:
    # Up to 70 points against 1..40 buckets: most draws take the lod path, and
    # steps up to ~2,800 make the stored lods double their width.
    project, _ = _ingest_random_runs(api, runs, "_step")

    lod = api.group_series(project, "loss", buckets=buckets, smoothing=smoothing)
    with mock.patch.object(series, "LOD_SIZE", 0):
        raw = api.group_series(project, "loss", buckets=buckets, smoothing=smoothing)

    assert_same_series(lod, raw)


# ---- zoom (x_min / x_max) ---------------------------------------------------


def test_group_series_zoom_gives_exact_points_in_the_range(api: runfold.Api) -> None:
    rng = np.random.default_rng(21)
    runs = [rng.normal(size=n).tolist() for n in (300, 250, 280)]
    log_runs("p", "g", runs)

    whole = api.group_series("p", "loss", buckets=50)[0]
    (entry,) = api.group_series("p", "loss", buckets=50, x_min=100, x_max=140.5)

    assert whole["mode"] == "buckets"  # 300 steps do not fit 50 buckets
    assert entry["mode"] == "exact"  # the 41 steps 100..140 do
    assert entry["x"] == entry["x_lo"] == entry["x_hi"] == list(range(100, 141))
    assert all(type(x) is int for x in entry["x"])
    for i, step in enumerate(entry["x"]):
        assert_point(entry, i, numpy_column([r[step] for r in runs if step < len(r)]))


def test_group_series_zoom_buckets_cover_only_the_range(api: runfold.Api) -> None:
    rng = np.random.default_rng(22)
    runs = [rng.normal(size=n).tolist() for n in (3000, 2600)]
    log_runs("p", "g", runs)

    (entry,) = api.group_series("p", "loss", buckets=100, x_min=1000, x_max=1999)

    # Steps 1000..1999 in at most 100 buckets of a power-of-two grid: width 16
    # (1999 // 16 - 1000 // 16 = 62; width 8 would need 125). Unzoomed it is 32.
    width = 16
    assert entry["mode"] == "buckets"
    assert len(entry["x"]) <= 100
    starts = list(range(1000 // width * width, 2000, width))
    assert entry["x_lo"] == [max(s, 1000) for s in starts]
    assert entry["x"] == entry["x_hi"] == [min(s + width - 1, 1999) for s in starts]
    for i, (lo, hi) in enumerate(zip(entry["x_lo"], entry["x_hi"], strict=True)):
        column = [float(np.mean(r[lo : hi + 1])) for r in runs]
        assert_point(entry, i, numpy_column(column))


def test_group_series_zoom_on_wall_time_buckets_the_points_in_the_range(
    api: runfold.Api,
) -> None:
    for r, jitter in enumerate((0.0, 0.3)):
        rows = [(k, 100.0 + k + jitter, {"loss": float(k)}) for k in range(200)]
        ingest_run(api.store, "p", f"r{r}", rows, created_at=1000.0 + r)

    (entry,) = api.group_series(
        "p", "loss", x="_timestamp", buckets=10, x_min=150.0, x_max=170.0
    )

    # points at 150, 150.3, ..., 169.3, 170: buckets over 150 .. 170 only
    assert entry["mode"] == "buckets"
    assert entry["x_lo"][0] == 150.0 and entry["x_hi"][-1] == 170.0
    assert len(entry["x"]) == 10
    assert all(
        hi - lo == pytest.approx(2.0)
        for lo, hi in zip(entry["x_lo"], entry["x_hi"], strict=True)
    )
    assert entry["mean"][0] == pytest.approx(50.5)  # 50, 51 of each run
    assert sum(entry["count"]) == 20


@pytest.mark.parametrize("smoothing", [None, 0.8])
def test_group_series_zoom_on_the_unzoomed_grid_gives_the_unzoomed_points(
    api: runfold.Api, smoothing: float | None
) -> None:
    # Zooming to 640..end keeps width 32 (as unzoomed), on the same grid: the
    # points there, smoothed too (smoothing runs from each run's start), are the
    # unzoomed ones.
    rng = np.random.default_rng(23)
    log_runs("p", "g", [rng.normal(size=n).tolist() for n in (3000, 1800, 2500)])

    (whole,) = api.group_series("p", "loss", buckets=100, smoothing=smoothing)
    (zoom,) = api.group_series("p", "loss", buckets=100, smoothing=smoothing, x_min=640)

    start = whole["x_lo"].index(640)
    for name in ("x", "x_lo", "x_hi", "count"):
        assert zoom[name] == whole[name][start:]
    for name in STATS:
        got = [
            None if v is None else pytest.approx(v, rel=1e-9)
            for v in whole[name][start:]
        ]
        assert zoom[name] == got


def test_group_series_zoom_keeps_exact_smoothing_of_the_whole_run(
    api: runfold.Api,
) -> None:
    log_runs("p", "g", [[float(v) for v in range(40)], [float(-v) for v in range(30)]])

    (whole,) = api.group_series("p", "loss", smoothing=0.9)
    (zoom,) = api.group_series("p", "loss", smoothing=0.9, x_min=10, x_max=20)

    assert zoom["x"] == list(range(10, 21))
    assert zoom["mean"] == pytest.approx(whole["mean"][10:21], rel=1e-12)


def test_group_series_zoom_with_no_points_in_the_range_is_empty(
    api: runfold.Api,
) -> None:
    log_runs("p", "g", [[1.0, 2.0, 3.0]])

    (entry,) = api.group_series("p", "loss", x_min=50, x_max=60)

    assert entry["x"] == [] and entry["count"] == [] and entry["runs"] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"x_min": 5, "x_max": 1}, "x_min=5 is above x_max=1"),
     ({"x_min": math.nan}, "x_min=nan must be a finite number"),
     ({"x_max": math.inf}, "x_max=inf must be a finite number")],
)  # fmt: skip
def test_group_series_rejects_a_bad_zoom(
    api: runfold.Api, kwargs: dict[str, Any], message: str
) -> None:
    ingest_run(api.store, "p", "r1", [(0, 0.0, {"loss": 1.0})])

    with pytest.raises(runfold.UsageError, match=message):
        api.group_series("p", "loss", **kwargs)


def test_series_route_takes_the_zoom_and_names_a_bad_one(live_server: Any) -> None:
    import httpx

    from runfold.server.jsonsafe import json_safe

    for values in ([float(v) for v in range(30)], [2.0 * v for v in range(20)]):
        run = runfold.init(
            project="p",
            group="g",
            reinit=True,
            settings={"runfold_dir": str(live_server.store_dir)},
        )
        for value in values:
            run.log({"loss": value})
        run.finish()
    url = f"{live_server.url}/api/v1/projects/p/series"
    params: dict[str, Any] = {"metric": "loss", "x_min": 5, "x_max": 9.5}
    body = httpx.get(url, params=params, timeout=10).json()

    (entry,) = body["series"]["loss"]
    api = runfold.Api(live_server.store_dir)
    assert entry == json_safe(api.group_series("p", "loss", x_min=5, x_max=9.5)[0])
    assert entry["x"] == [5, 6, 7, 8, 9] and entry["mean"][0] == 7.5
    assert entry["running"] == 0 and len(entry["run_ids"]) == 2

    bad = httpx.get(url, params={"metric": "loss", "x_min": 9, "x_max": 5}, timeout=10)
    assert bad.status_code == 400
    assert "x_min=9.0 is above x_max=5.0" in bad.json()["error"]


def test_a_line_of_one_run_is_named_after_the_run(tmp_path: Path) -> None:
    run = runfold.init(project="names", name="bright-owl-7")  # into RUNFOLD_DIR
    run.log({"loss": 1.0})
    run.finish()
    api = runfold.Api()
    (entry,) = api.group_series("names", "loss", by=[])
    assert entry["name"] == "bright-owl-7" and list(entry["key"]) == [run.id]
    api.close()


# ---- runs at the same steps, read as one grid per group (query/stepgrid.py) ----


@pytest.mark.parametrize("on_cores", [False, True])
def test_groups_of_runs_at_the_same_steps_equal_numpy_column_by_column(
    api: runfold.Api, monkeypatch: pytest.MonkeyPatch, on_cores: bool
) -> None:
    if on_cores:  # what groups of millions of values take: a pool of threads
        monkeypatch.setattr(stepgrid, "_PARALLEL_CELLS", 0)
    rng = np.random.default_rng(7)
    values = {g: rng.normal(size=(4, 30)) for g in ("a", "b")}
    values["a"][1, 5] = math.nan  # a run with no value at step 5
    values["b"][:, 9] = math.nan  # no run of b has step 9
    values["b"][2, 3] = math.inf
    for group, grid in values.items():
        for i, row in enumerate(grid):
            ingest_run(
                api.store, "grid", f"{group}{i}",
                [(10 + s, 1000.0 + s, {"loss": float(v)}) for s, v in enumerate(row)],
                group=group,
            )  # fmt: skip
    ingest_run(api.store, "grid", "other", [(10, 1.0, {"acc": 1.0})], group="c")

    entries = by_name(api.group_series("grid", "loss", by=["group"]))
    assert entries["c"]["x"] == [] and entries["c"]["count"] == []
    for group, grid in values.items():
        entry = entries[group]
        steps = [10 + s for s in range(30) if not np.isnan(grid[:, s]).all()]
        assert entry["x"] == steps and entry["mode"] == "exact"
        for i, step in enumerate(steps):
            assert_point(entry, i, numpy_column(grid[:, step - 10]))


def test_the_pool_of_large_grids_works_in_a_forked_child() -> None:
    # A pool made before a fork has no threads in the child: work given to it
    # would wait for ever. The child makes its own.
    grids = [(np.arange(3), [np.arange(3.0).tobytes()] * 2)] * 2
    before = stepgrid._PARALLEL_CELLS
    stepgrid._PARALLEL_CELLS = 0
    try:
        assert stepgrid._stats(grids)[0] is not None  # the parent's pool exists

        def child() -> None:
            found = stepgrid._stats(grids)
            sys.exit(0 if found[1] is not None else 3)

        process = multiprocessing.get_context("fork").Process(target=child)
        process.start()
        process.join(60)
        if process.exitcode is None:
            process.kill()
        assert process.exitcode == 0
    finally:
        stepgrid._PARALLEL_CELLS = before


def test_a_run_at_other_steps_sends_the_group_down_the_general_path(
    api: runfold.Api,
) -> None:
    """A resumed run (two chunks) and a run that starts later: the same numbers as
    numpy at each step, whichever path read them."""
    store = api.store
    ingest_run(store, "mixed", "r1", [(s, 1.0, {"loss": float(s)}) for s in range(6)])
    ingest_run(
        store, "mixed", "r2", [(s, 1.0, {"loss": 10.0 + s}) for s in range(2, 6)]
    )
    ingest_run(store, "mixed", "r3", [(s, 1.0, {"loss": 20.0 + s}) for s in range(3)])
    store.ingest(
        "mixed",
        "r3",
        [(4, "history", [[s, 2.0, {"loss": 20.0 + s}] for s in (3, 4, 5)])],
    )
    entry = api.group_series("mixed", "loss", by=["group"])[0]
    assert entry["x"] == [0, 1, 2, 3, 4, 5]
    for step in range(6):
        column = [float(step), 20.0 + step] + ([10.0 + step] if step >= 2 else [])
        assert_point(entry, step, numpy_column(column))
