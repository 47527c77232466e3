"""Hyperband early termination, as W&B's sweeps do it (``early_terminate``).

Brackets. A run's *iteration* is the number of values of the sweep's metric it has
logged so far. The brackets are the iterations at which runs are compared:

- ``min_iter`` (and ``eta``, default 3): min_iter, min_iter*eta, min_iter*eta², ...
  e.g. min_iter 3 → 3, 9, 27, 81, ...
- ``max_iter`` and ``s``: max_iter/eta, max_iter/eta², ... (s of them, stopping
  below 1), e.g. max_iter 27, s 2 → 3, 9.

Each is truncated to a whole number. When both forms are given, max_iter and s win
(as W&B).

The rule (W&B's ``hyperband_stop_runs``). A run that has reached at least one bracket
is judged at the last bracket b it reached:

1. Take the value at iteration b (``values[b - 1]``) of every run of the sweep that
   has logged at least b values (running, finished or stopped; the judged run too),
   turned so that lower is better (negated when the goal is maximize).
2. Sort them; the cutoff is the one at index ``int(n / eta)`` (0-based), so about
   the best 1/eta of the n runs, and at least the best one, are kept.
3. The run is compared by its value at b when ``strict`` (the default since W&B's
   sweeps of 2024), or by its best value so far when ``strict: false``; it is
   stopped when that is worse than the cutoff (ties continue).

One departure: W&B drops NaN and infinite values from a history, so a run whose
loss turned NaN stops counting iterations and is never stopped. Here a NaN counts
as an iteration and as the worst value there is, so a diverged run is stopped at its
next bracket (an infinite value keeps its sign: +inf is the worst of a minimised
metric).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

__all__ = ["HyperbandSpec", "parse_hyperband", "should_stop"]

_WHERE = "Sweep key 'early_terminate'"
_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")
_BAD_SHAPE = _WHERE + " must be {{type: hyperband, min_iter: ...}} (got {got!r})."
_BAD_KEY = (
    _WHERE
    + ": {key!r} is unknown; hyperband takes min_iter, or max_iter and s, with eta and strict."
)
_NEEDS_ITER = _WHERE + " needs min_iter, or max_iter together with s."
_BAD_COUNT = _WHERE + ": {key} must be a whole number of at least 1 (got {got!r})."
_BAD_ETA = _WHERE + ": eta must be a number above 1 (got {got!r})."
_BAD_STRICT = _WHERE + ": strict must be true or false (got {got!r})."
_NO_BRACKET = (
    _WHERE + ": max_iter / eta must be at least 1, or no run is ever compared."
)


@dataclass(frozen=True)
class HyperbandSpec:
    """``early_terminate: {type: hyperband, ...}``, W&B's defaults filled in."""

    min_iter: int | None = None
    max_iter: int | None = None
    s: int | None = None
    eta: float = 3.0
    strict: bool = True

    def brackets(self, up_to: int) -> list[int]:
        """The bracket iterations, ascending, up to ``up_to`` included."""
        found: set[int] = set()
        if self.max_iter is not None and self.s is not None:
            band = float(self.max_iter)
            for _ in range(self.s):
                band /= self.eta
                if band < 1:
                    break
                found.add(int(band))
        else:
            band = float(self.min_iter or 1)
            while band <= up_to:
                found.add(int(band))
                band *= self.eta
        return sorted(b for b in found if b <= up_to)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "hyperband"}
        for key in ("min_iter", "max_iter", "s"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return {**out, "eta": self.eta, "strict": self.strict}


def parse_hyperband(spec: Any) -> HyperbandSpec:
    """Check an ``early_terminate`` mapping; UsageError names what is wrong."""
    if not isinstance(spec, Mapping) or spec.get("type") != "hyperband":
        raise UsageError(_BAD_SHAPE.format(got=spec))
    for key in spec:
        if key not in _KEYS:
            raise UsageError(_BAD_KEY.format(key=key))
    counts = {k: _count(k, spec[k]) for k in ("min_iter", "max_iter", "s") if k in spec}
    if "min_iter" not in counts and not ("max_iter" in counts and "s" in counts):
        raise UsageError(_NEEDS_ITER)
    eta = spec.get("eta", 3.0)
    if isinstance(eta, bool) or not isinstance(eta, int | float) or not eta > 1:
        raise UsageError(_BAD_ETA.format(got=eta))
    strict = spec.get("strict", True)
    if not isinstance(strict, bool):
        raise UsageError(_BAD_STRICT.format(got=strict))
    found = HyperbandSpec(**counts, eta=eta, strict=strict)
    if "min_iter" not in counts and not found.brackets(found.max_iter or 0):
        raise UsageError(_NO_BRACKET)
    return found


def _count(key: str, value: Any) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value) and value == int(value) and value >= 1:
            return int(value)
    raise UsageError(_BAD_COUNT.format(key=key, got=value))


def should_stop(
    spec: HyperbandSpec,
    run_values: Sequence[float],
    others: Sequence[Sequence[float]],
    goal: str = "minimize",
) -> tuple[bool, str]:
    """Whether the run that logged ``run_values`` (its metric, one value per
    iteration) should stop now, judged against the ``others`` runs of the sweep
    (their own values so far); and why, in a sentence for the sweep page."""
    reached = spec.brackets(len(run_values))
    if not reached:
        first = spec.brackets(max(spec.max_iter or 0, spec.min_iter or 0, 1))[0]
        return False, f"no bracket reached yet (the first is at iteration {first})"
    bracket = reached[-1]
    sign = -1.0 if goal == "maximize" else 1.0
    at_bracket = sorted(
        _lower_is_better(values[bracket - 1], sign)
        for values in (run_values, *others)
        if len(values) >= bracket
    )
    cutoff = at_bracket[int((1.0 / spec.eta) * len(at_bracket))]
    if spec.strict:
        mine, how = _lower_is_better(run_values[bracket - 1], sign), "its value"
    else:
        mine = min(_lower_is_better(v, sign) for v in run_values)
        how = "its best value so far"
    stop = mine > cutoff
    verdict = "is worse than" if stop else "is within"
    return stop, (
        f"bracket {bracket}: {how} {_shown(mine, sign)} {verdict} the cutoff "
        f"{_shown(cutoff, sign)} (best 1/{spec.eta:g} of {len(at_bracket)} runs "
        f"at iteration {bracket})"
    )


def _lower_is_better(value: float, sign: float) -> float:
    value = float(value)
    return math.inf if math.isnan(value) else sign * value


def _shown(value: float, sign: float) -> str:
    return f"{sign * value:.6g}"
