"""Hyperband early termination (sweeps/hyperband.py) on scripted metrics."""

from __future__ import annotations

import math

import pytest

from runfold.sweeps.hyperband import HyperbandSpec, parse_hyperband, should_stop


@pytest.mark.parametrize(
    ("spec", "brackets"),
    [
        ({"min_iter": 3}, [3, 9, 27, 81]),  # W&B's docs: [3, 3*eta, 3*eta*eta, ...]
        ({"max_iter": 27, "s": 2}, [3, 9]),  # W&B's docs: [27/eta, 27/eta/eta]
        ({"max_iter": 81, "s": 3}, [3, 9, 27]),
        ({"max_iter": 81, "s": 9}, [1, 3, 9, 27]),  # stops below 1
        ({"min_iter": 1, "eta": 2}, [1, 2, 4, 8, 16, 32, 64]),
        ({"min_iter": 2, "eta": 2.5}, [2, 5, 12, 31, 78]),  # truncated, as W&B
        ({"min_iter": 5, "max_iter": 27, "s": 2}, [3, 9]),  # max_iter wins, as W&B
    ],
)
def test_brackets_follow_wandb(spec: dict[str, float], brackets: list[int]) -> None:
    assert parse_hyperband({"type": "hyperband", **spec}).brackets(100) == brackets


def test_defaults_are_eta_3_and_strict() -> None:
    spec = parse_hyperband({"type": "hyperband", "min_iter": 3})
    assert spec == HyperbandSpec(min_iter=3, eta=3, strict=True)


def test_stops_the_run_wandb_stops_in_its_own_example() -> None:
    """wandb/sweeps' hyperband_stop_runs doctest: max_iter 5, eta 2, s 2 gives
    brackets 1 and 2; at 2 the values are 9, 10, 8, 7, 6, so the cutoff is 8."""
    spec = HyperbandSpec(max_iter=5, s=2, eta=2)
    runs = {
        "a": [10, 9],  # finished
        "b": [10, 10],
        "c": [10, 8, 8],
        "d": [10, 7, 7],
        "e": [10, 6, 6],  # finished
    }
    for strict in (True, False):
        judge = HyperbandSpec(max_iter=5, s=2, eta=2, strict=strict)
        stopped = {
            name
            for name in "bcd"
            if should_stop(
                judge, runs[name], [v for k, v in runs.items() if k != name]
            )[0]
        }
        assert stopped == {"b"}
    stop, why = should_stop(spec, runs["b"], [runs[k] for k in "acde"])
    assert why == (
        "bracket 2: its value 10 is worse than the cutoff 8 "
        "(best 1/2 of 5 runs at iteration 2)"
    )


def _curves(count: int, length: int) -> list[list[float]]:
    """Run i's loss is (i + 1) / t at iteration t: run 0 is the best throughout."""
    return [[(i + 1) / t for t in range(1, length + 1)] for i in range(count)]


@pytest.mark.parametrize("goal", ["minimize", "maximize"])
def test_stops_all_but_the_best_third_at_each_bracket(goal: str) -> None:
    spec = HyperbandSpec(min_iter=3, eta=3)
    sign = 1 if goal == "minimize" else -1
    runs = [[sign * v for v in curve] for curve in _curves(9, 3)]
    stopped = [
        should_stop(spec, run, runs[:i] + runs[i + 1 :], goal)[0]
        for i, run in enumerate(runs)
    ]
    # cutoff = the value at index int(9 / 3) = 3 of the sorted nine: runs 0-3 go on
    assert stopped == [False] * 4 + [True] * 5
    # at bracket 9 only the four survivors are compared: index int(4 / 3) = 1
    survivors = [[sign * v for v in curve] for curve in _curves(4, 9)]
    later = [
        should_stop(spec, run, survivors[:i] + survivors[i + 1 :] + runs[4:], goal)[0]
        for i, run in enumerate(survivors)
    ]
    assert later == [False, False, True, True]


def test_strict_judges_the_value_at_the_bracket_and_lenient_the_best_so_far() -> None:
    others = [[5.0, 5.0, 5.0]] * 3 + [[1.0, 1.0, 1.0]] * 2
    faded = [0.5, 0.6, 9.0]  # the best early, the worst at the bracket
    assert should_stop(HyperbandSpec(min_iter=3), faded, others)[0] is True
    _, why = should_stop(HyperbandSpec(min_iter=3, strict=False), faded, others)
    assert why.startswith("bracket 3: its best value so far 0.5 is within the cutoff 5")


def test_runs_before_the_first_bracket_go_on() -> None:
    assert should_stop(HyperbandSpec(min_iter=3), [9.0, 9.0], [[0.1, 0.1, 0.1]]) == (
        False,
        "no bracket reached yet (the first is at iteration 3)",
    )
    assert should_stop(HyperbandSpec(max_iter=27, s=2), [], [])[1].endswith(
        "(the first is at iteration 3)"
    )


def test_a_run_alone_or_tied_goes_on() -> None:
    assert should_stop(HyperbandSpec(min_iter=1), [4.0], [])[0] is False
    assert should_stop(HyperbandSpec(min_iter=1), [4.0], [[4.0], [4.0]])[0] is False


def test_shorter_runs_do_not_count_at_a_bracket_they_never_reached() -> None:
    spec = HyperbandSpec(min_iter=1, eta=2)
    stopped_early = [[0.1]] * 5  # better, but stopped before iteration 2
    assert should_stop(spec, [1.0, 1.0], stopped_early + [[2.0, 2.0]])[0] is False


def test_a_nan_counts_as_an_iteration_and_as_the_worst_value() -> None:
    spec = HyperbandSpec(min_iter=2, eta=2)
    others = [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    for goal in ("minimize", "maximize"):
        stop, why = should_stop(spec, [1.0, math.nan], others, goal)
        assert stop, why
    assert should_stop(spec, [3.0, 3.0], others + [[0.0, math.nan]])[0] is False
