"""Grid, random and bayes search (sweeps/search.py): every sample inside the
declared space, each distribution's samples matching its definition, every grid
point exactly once, and Optuna's TPE learning from the trials it is given."""

from __future__ import annotations

import json
import logging
import math
import random
import sys
from collections import Counter
from collections.abc import Callable
from statistics import NormalDist, fmean, median, pstdev
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runfold.errors import UsageError
from runfold.sweeps import (
    Trial,
    contains,
    grid_point,
    grid_points,
    grid_size,
    parse_definition,
    propose,
    propose_bayes,
    sample_random,
    sample_value,
)
from runfold.sweeps.definition import Parameter, SweepDefinition
from tests.sweeps.test_definition import definitions

N = 20_000  # draws per distribution: a KS distance above 0.015 has p < 1e-3


def _param(**spec: Any) -> Parameter:
    return parse_definition({"method": "random", "parameters": {"x": spec}}).parameters[
        "x"
    ]


def _draws(param: Parameter, n: int = N, seed: int = 1) -> list[Any]:
    rng = random.Random(seed)
    return [sample_value(param, rng) for _ in range(n)]


def _ks(samples: list[float], cdf: Callable[[float], float]) -> float:
    """The Kolmogorov-Smirnov distance between the samples and a CDF."""
    ordered = sorted(samples)
    n = len(ordered)
    return max(
        max(abs(cdf(x) - i / n), abs(cdf(x) - (i + 1) / n))
        for i, x in enumerate(ordered)
    )


def _uniform_cdf(low: float, high: float) -> Callable[[float], float]:
    return lambda x: min(max((x - low) / (high - low), 0.0), 1.0)


def _multiples_of(q: float, values: list[float]) -> bool:
    return all(math.isclose(round(v / q) * q, v, abs_tol=1e-9) for v in values)


# ---- each distribution against its definition ----------------------------------


def test_uniform_is_uniform_within_bounds() -> None:
    draws = _draws(_param(min=-2.0, max=3.0))
    assert all(-2.0 <= x <= 3.0 for x in draws)
    assert _ks(draws, _uniform_cdf(-2.0, 3.0)) < 0.015
    assert fmean(draws) == pytest.approx(0.5, abs=0.05)


def test_int_uniform_gives_every_integer_from_min_to_max_evenly() -> None:
    draws = _draws(_param(min=3, max=9))
    assert all(type(x) is int for x in draws)
    counts = Counter(draws)
    assert sorted(counts) == list(range(3, 10))
    assert all(c == pytest.approx(N / 7, rel=0.08) for c in counts.values())


@pytest.mark.parametrize(
    ("spec", "log_low", "log_high"),
    [
        (
            {"distribution": "log_uniform_values", "min": 1e-5, "max": 0.1},
            math.log(1e-5),
            math.log(0.1),
        ),
        ({"distribution": "log_uniform", "min": -4.0, "max": 2.0}, -4.0, 2.0),
        (
            {"distribution": "inv_log_uniform_values", "min": 0.01, "max": 10.0},
            math.log(0.01),
            math.log(10.0),
        ),
        ({"distribution": "inv_log_uniform", "min": 1.0, "max": 5.0}, -5.0, -1.0),
    ],
)
def test_log_family_is_uniform_in_log_space(
    spec: dict[str, Any], log_low: float, log_high: float
) -> None:
    draws = _draws(_param(**spec))
    low, high = math.exp(log_low), math.exp(log_high)
    assert all(low * (1 - 1e-12) <= x <= high * (1 + 1e-12) for x in draws)
    logs = [math.log(x) for x in draws]
    assert _ks(logs, _uniform_cdf(log_low, log_high)) < 0.015
    assert median(logs) == pytest.approx((log_low + log_high) / 2, abs=0.1)


def test_normal_and_log_normal_follow_mu_and_sigma() -> None:
    normal = _draws(_param(distribution="normal", mu=2.0, sigma=0.5))
    assert _ks(normal, NormalDist(2.0, 0.5).cdf) < 0.015
    assert (fmean(normal), pstdev(normal)) == pytest.approx((2.0, 0.5), abs=0.02)
    log_normal = _draws(_param(distribution="log_normal", mu=-1.0, sigma=0.7))
    assert all(x > 0 for x in log_normal)
    assert _ks([math.log(x) for x in log_normal], NormalDist(-1.0, 0.7).cdf) < 0.015


def test_q_uniform_gives_multiples_of_q_inside_the_bounds() -> None:
    draws = _draws(_param(distribution="q_uniform", min=0.0, max=1.0, q=0.25))
    assert _multiples_of(0.25, draws) and all(0 <= x <= 1 for x in draws)
    counts = Counter(draws)
    assert sorted(counts) == [0.0, 0.25, 0.5, 0.75, 1.0]
    # W&B rounds a uniform draw: the inner values get a full q of mass each,
    # the bounds half of one.
    assert counts[0.5] == pytest.approx(N / 4, rel=0.08)
    assert counts[0.0] == pytest.approx(N / 8, rel=0.1)


def test_q_uniform_never_rounds_across_a_bound_that_is_no_multiple() -> None:
    draws = _draws(_param(distribution="q_uniform", min=0.05, max=0.95, q=0.1))
    assert set(draws) == {round(0.1 * k, 1) for k in range(1, 10)}


def test_q_uniform_with_an_int_q_gives_ints_as_wandb() -> None:
    draws = _draws(_param(distribution="q_uniform", min=0, max=64, q=8), n=500)
    assert all(type(x) is int and x % 8 == 0 for x in draws)


@pytest.mark.parametrize(
    "spec",
    [
        {"distribution": "q_log_uniform_values", "min": 1.0, "max": 1000.0, "q": 1},
        {"distribution": "q_log_uniform", "min": 0.0, "max": 6.9, "q": 1},
    ],
)
def test_q_log_uniform_gives_multiples_spread_in_log_space(
    spec: dict[str, Any],
) -> None:
    param = _param(**spec)
    draws = _draws(param)
    low, high = param.bounds()
    assert _multiples_of(1, draws) and all(low <= x <= high for x in draws)
    # half the mass lies below the geometric middle (about 31.6 or 31.5)
    below = sum(x < math.sqrt(low * high) for x in draws) / N
    assert below == pytest.approx(0.5, abs=0.02)


def test_q_normal_and_q_log_normal_give_multiples_of_q() -> None:
    q_normal = _draws(_param(distribution="q_normal", mu=10.0, sigma=3.0, q=0.5))
    assert _multiples_of(0.5, q_normal)
    assert fmean(q_normal) == pytest.approx(10.0, abs=0.1)
    # rounding to q adds a uniform error of variance q² / 12
    assert pstdev(q_normal) == pytest.approx(math.sqrt(9 + 0.25 / 12), abs=0.1)
    q_log = _draws(_param(distribution="q_log_normal", mu=2.0, sigma=0.5, q=1))
    assert _multiples_of(1, q_log) and all(x >= 0 for x in q_log)
    assert median(q_log) == pytest.approx(math.exp(2.0), abs=1)


def test_categorical_is_even_or_follows_its_probabilities() -> None:
    even = Counter(_draws(_param(values=["a", "b", "c", "d"])))
    assert all(c == pytest.approx(N / 4, rel=0.06) for c in even.values())
    weighted = Counter(
        _draws(_param(values=["a", "b", "c"], probabilities=[0.7, 0.0, 0.3]))
    )
    assert weighted["b"] == 0
    assert weighted["a"] / N == pytest.approx(0.7, abs=0.015)


def test_constant_is_constant_and_a_copy() -> None:
    param = _param(value={"layers": [1, 2]})
    draws = _draws(param, n=3)
    draws[0]["layers"].append(3)
    assert draws[1:] == [{"layers": [1, 2]}] * 2 and param.value == {"layers": [1, 2]}


def test_numpy_generator_and_random_random_both_drive_sampling() -> None:
    defn = parse_definition(
        {"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}
    )
    first = sample_random(defn, np.random.default_rng(3))
    assert first == sample_random(defn, np.random.default_rng(3))
    assert type(first["x"]) is float
    assert sample_random(defn, random.Random(3)) == sample_random(
        defn, random.Random(3)
    )


@settings(max_examples=200, deadline=None)
@given(definitions(method="random"), st.integers(0, 2**32))
def test_random_samples_always_lie_in_the_declared_space(
    data: dict[str, Any], seed: int
) -> None:
    defn = parse_definition(data)
    rng = random.Random(seed)
    for _ in range(20):
        _assert_in_space(defn, sample_random(defn, rng))


def _assert_in_space(defn: SweepDefinition, point: dict[str, Any]) -> None:
    for path, param in defn.leaves():
        value: Any = point
        for key in path:
            value = value[key]
        assert contains(param, value), (path, param, value)
    json.dumps(point, allow_nan=False)  # a run config the store can keep


# ---- grid --------------------------------------------------------------------------

GRID = {
    "method": "grid",
    "parameters": {
        "b": {"values": ["x", "y", "z"]},
        "a": {"parameters": {"n": {"min": 1, "max": 4}, "k": {"value": 7}}},
        "c": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25},
    },
}


def test_grid_gives_every_combination_exactly_once_with_nested_params() -> None:
    defn = parse_definition(GRID)
    points = grid_points(defn)
    assert grid_size(defn) == len(points) == 3 * 4 * 5
    combos = {(p["b"], p["a"]["n"], p["a"]["k"], p["c"]) for p in points}
    assert combos == {
        (b, n, 7, c)
        for b in "xyz"
        for n in range(1, 5)
        for c in (0.0, 0.25, 0.5, 0.75, 1.0)
    }
    assert points[:2] == [
        {"a": {"k": 7, "n": 1}, "b": "x", "c": 0.0},
        {"a": {"k": 7, "n": 1}, "b": "x", "c": 0.25},
    ]  # sorted paths, the last varying fastest
    assert grid_point(defn, 60) is None and grid_point(defn, -1) is None


def test_grid_order_does_not_depend_on_key_order() -> None:
    shuffled = {
        "method": "grid",
        "parameters": dict(reversed(GRID["parameters"].items())),
    }
    assert grid_points(parse_definition(shuffled)) == grid_points(
        parse_definition(GRID)
    )


def test_grid_points_are_copies() -> None:
    defn = parse_definition({"method": "grid", "parameters": {"x": {"values": [[1]]}}})
    grid_point(defn, 0)["x"].append(2)  # type: ignore[index]
    assert grid_point(defn, 0) == {"x": [1]}


def test_grid_size_of_a_continuous_space_is_refused() -> None:
    defn = parse_definition(
        {"method": "random", "parameters": {"lr": {"min": 0.0, "max": 1.0}}}
    )
    with pytest.raises(UsageError, match="'lr': distribution 'uniform' has no grid"):
        grid_size(defn)


@settings(max_examples=100, deadline=None)
@given(definitions(method="grid"))
def test_any_grid_is_complete_and_unique(data: dict[str, Any]) -> None:
    defn = parse_definition(data)
    size = grid_size(defn)
    if size > 2000:
        return
    points = grid_points(defn)
    assert len(points) == size
    assert len(
        {json.dumps(p, sort_keys=True) for p in points}
    ) == size or _has_duplicate_values(defn)
    for point in points:
        _assert_in_space(defn, point)


def _has_duplicate_values(defn: SweepDefinition) -> bool:
    """``values: [1, 1]`` is allowed (W&B too): its grid repeats the point."""
    return any(
        len({json.dumps(v) for v in p.values}) < len(p.values) for _, p in defn.leaves()
    )


# ---- propose -----------------------------------------------------------------------


def test_propose_walks_the_grid_then_says_done() -> None:
    defn = parse_definition(GRID)
    assert [propose(defn, [], i) for i in range(60)] == grid_points(defn)
    assert propose(defn, [], 60) is None


def test_propose_stops_at_run_cap() -> None:
    defn = parse_definition({**GRID, "run_cap": 5})
    assert propose(defn, [], 4) is not None and propose(defn, [], 5) is None


def test_propose_random_is_a_pure_function_of_seed_and_index() -> None:
    defn = parse_definition(
        {"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}
    )
    assert propose(defn, [], 3, seed=7) == propose(defn, [], 3, seed=7)
    assert len({propose(defn, [], i, seed=7)["x"] for i in range(20)}) == 20  # type: ignore[index]
    assert propose(defn, [], 3, seed=7) != propose(defn, [], 3, seed=8)


# ---- bayes -------------------------------------------------------------------------

QUADRATIC = {
    "method": "bayes",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"x": {"min": -10.0, "max": 10.0}, "y": {"min": -10.0, "max": 10.0}},
}


def _run_bayes(data: dict[str, Any], runs: int, sign: float = 1.0) -> list[Trial]:
    defn = parse_definition(data)
    trials: list[Trial] = []
    for i in range(runs):
        point = propose(defn, trials, i, seed=5)
        assert point is not None
        loss = (point["x"] - 3) ** 2 + (point["y"] + 2) ** 2
        trials.append(Trial(point, sign * loss, "finished"))
    return trials


@pytest.mark.parametrize(("goal", "sign"), [("minimize", 1.0), ("maximize", -1.0)])
def test_bayes_learns_from_trials_in_either_direction(goal: str, sign: float) -> None:
    trials = _run_bayes({**QUADRATIC, "metric": {"name": "m", "goal": goal}}, 30, sign)
    late = [sign * t.value for t in trials[-10:]]  # type: ignore[operator]
    # random points in the 20x20 square average a loss of about 80
    assert median(late) < 10


def test_bayes_is_a_pure_function_of_its_arguments() -> None:
    defn = parse_definition(QUADRATIC)
    trials = _run_bayes(QUADRATIC, 12)
    assert propose(defn, trials, 12, seed=1) == propose(defn, trials, 12, seed=1)
    assert propose_bayes(defn, trials, 99) == propose_bayes(defn, trials, 99)


def test_bayes_takes_running_trials_as_pending_and_skips_unusable_ones() -> None:
    defn = parse_definition(QUADRATIC)
    trials = _run_bayes(QUADRATIC, 12) + [
        Trial({"x": 1.0, "y": 1.0}, None, "running"),
        Trial({"x": 1.0, "y": 1.0}, 0.5, "running"),  # a partial value: still pending
        Trial({"x": 50.0, "y": 1.0}, 0.1, "finished"),  # outside the space
        Trial({"x": 1.0}, 0.1, "finished"),  # a parameter missing
        Trial({"x": 1.0, "y": 1.0}, None, "crashed"),  # no value
        Trial({"x": 1.0, "y": 1.0}, math.nan, "finished"),
    ]
    _assert_in_space(defn, propose_bayes(defn, trials, 3))


def test_bayes_is_quiet() -> None:
    """No "A new study created in memory" log line per proposal."""
    import optuna

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("optuna").addHandler(handler)
    level = optuna.logging.get_verbosity()
    try:
        propose_bayes(parse_definition(QUADRATIC), [], 1)
    finally:
        logging.getLogger("optuna").removeHandler(handler)
    assert records == []
    assert optuna.logging.get_verbosity() == level


def test_bayes_without_optuna_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(UsageError) as caught:
        propose(parse_definition(QUADRATIC), [], 0)
    assert str(caught.value) == "Sweep method 'bayes' needs Optuna: pip install optuna"


@st.composite
def _bayes_cases(draw: st.DrawFn) -> tuple[SweepDefinition, list[Trial]]:
    defn = parse_definition(draw(definitions(method="bayes")))
    rng = random.Random(draw(st.integers(0, 1000)))
    states = st.sampled_from(["finished", "finished", "running", "failed"])
    trials = [
        Trial(sample_random(defn, rng), draw(st.floats(-5, 5)), draw(states))
        for _ in range(draw(st.integers(0, 14)))
    ]
    return defn, trials


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bayes_cases(), st.integers(0, 2**32 - 1))
def test_bayes_proposals_always_lie_in_the_declared_space(
    case: tuple[SweepDefinition, list[Trial]], seed: int
) -> None:
    defn, trials = case
    _assert_in_space(defn, propose_bayes(defn, trials, seed))
