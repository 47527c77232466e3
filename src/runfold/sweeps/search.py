"""Where a sweep's next run goes: a grid point, a random sample or a Bayesian
proposal, computed from the definition (and, for bayes, the trials so far) alone.

``propose(defn, trials, index, seed)`` is the entry point: run number ``index``
(0-based, handed out by the store one at a time so that no two agents share one)
gets the grid's point ``index``, a random sample, or Optuna's proposal; None when
the sweep is done (grid exhausted, or ``index`` reached ``run_cap``). The answer is
a pure function of its arguments: the same call gives the same point in any process.

Random search draws every parameter by its inverse CDF from one uniform number (so
``sample_random`` takes ``random.Random`` or a NumPy ``Generator`` alike); every
sample lies in the declared space (``contains``).

Bayes uses Optuna's TPE sampler, not its GP sampler: TPE needs no PyTorch, handles
categorical, integer and log-scaled parameters natively, stays robust to noisy
metrics and takes milliseconds per proposal. Settings: ``multivariate=True`` (models
the parameters jointly), ``n_startup_trials=10`` (random points first, Optuna's
default) and ``constant_liar=True``: a running trial counts as pending with the worst
value, so agents asking at the same time spread out instead of proposing the same
point. The space maps to Optuna's distributions as follows: int_uniform → int;
uniform → float; the log_uniform family → float with ``log=True``; bounded
q-distributions → an int k over the multiples k * q in [min, max] (log-scaled for
the log ones), so a proposal is always on the grid of q and inside the bounds; the
normal family → its quantile in (0, 1), mapped back through the inverse CDF, so TPE's
prior is the declared distribution (W&B's bayes works in the same CDF space);
categorical → the index of the value (values may be lists or mappings). Category
probabilities shape random search only. A finished trial whose value is missing or
not finite, or whose parameters lie outside the space (the definition changed), is
left out.
"""

from __future__ import annotations

import copy
import hashlib
import math
import random
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate
from statistics import NormalDist
from typing import Any, Protocol

from ..errors import UsageError
from .definition import GRID_DISTRIBUTIONS, Parameter, SweepDefinition

__all__ = [
    "N_STARTUP_TRIALS", "PENDING_STATES", "Trial", "contains", "grid_point",
    "grid_points", "grid_size", "propose", "propose_bayes", "sample_random",
    "sample_value",
]  # fmt: skip

N_STARTUP_TRIALS = 10
PENDING_STATES = ("running", "pending")
_EPS = 1e-9  # quantiles stay in [_EPS, 1 - _EPS]: the inverse normal CDF stays finite
_Q_BOUNDED = ("q_uniform", "q_log_uniform", "q_log_uniform_values")
_NORMALS = ("normal", "q_normal", "log_normal", "q_log_normal")
_NO_OPTUNA = "Sweep method 'bayes' needs Optuna: pip install optuna"
_NOT_GRID = "Sweep parameter {name!r}: distribution {dist!r} has no grid; use value, values, int_uniform or q_uniform."


class Rng(Protocol):
    """``random.Random`` or ``numpy.random.Generator``: both have ``random()``."""

    def random(self) -> float: ...


@dataclass(frozen=True)
class Trial:
    """A run of the sweep as bayes sees it: its parameters (the nested config
    ``propose`` gave), its metric value (None while unknown) and its state
    (``running`` or ``pending`` count as pending; any other state is ended)."""

    params: dict[str, Any]
    value: float | None = None
    state: str = "finished"


def propose(
    defn: SweepDefinition, trials: Sequence[Trial] = (), index: int = 0, seed: int = 0
) -> dict[str, Any] | None:
    """The parameters of run ``index``; None when the sweep has no more runs."""
    if index < 0 or (defn.run_cap is not None and index >= defn.run_cap):
        return None
    if defn.method == "grid":
        return grid_point(defn, index)
    if defn.method == "random":
        return sample_random(defn, random.Random(f"runfold-sweep:{seed}:{index}"))
    return propose_bayes(defn, trials, _derived_seed(seed, index))


def _derived_seed(seed: int, index: int) -> int:
    digest = hashlib.sha256(f"runfold-sweep:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _nest(pairs: Iterable[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    """{("a", "b"): 1} → {"a": {"b": 1}}: the run's config."""
    out: dict[str, Any] = {}
    for path, value in pairs:
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return out


# ---- grid ------------------------------------------------------------------------


def _grid_axis(path: tuple[str, ...], param: Parameter) -> Sequence[Any]:
    if param.distribution not in GRID_DISTRIBUTIONS:
        name, dist = ".".join(path), param.distribution
        raise UsageError(_NOT_GRID.format(name=name, dist=dist))
    if param.distribution == "constant":
        return [param.value]
    if param.distribution == "categorical":
        return param.values
    if param.distribution == "int_uniform":
        return range(int(param.min or 0), int(param.max or 0) + 1)
    first, last = param.steps()
    return [param.step_value(k) for k in range(first, last + 1)]


def grid_size(defn: SweepDefinition) -> int:
    """How many points the grid has: the product of each parameter's count."""
    return math.prod(len(_grid_axis(path, p)) for path, p in defn.leaves())


def grid_point(defn: SweepDefinition, index: int) -> dict[str, Any] | None:
    """Point ``index`` of the grid, None past its end. The last parameter (in
    path order) varies fastest, as ``itertools.product`` and W&B order them."""
    leaves = defn.leaves()
    axes = [_grid_axis(path, p) for path, p in leaves]
    if not 0 <= index < math.prod(map(len, axes)):
        return None
    picked = []
    for axis in reversed(axes):
        index, i = divmod(index, len(axis))
        picked.append(copy.deepcopy(axis[i]))
    return _nest(zip((path for path, _ in leaves), reversed(picked), strict=True))


def grid_points(defn: SweepDefinition) -> list[dict[str, Any]]:
    """Every point of the grid, once each, in index order."""
    points = (grid_point(defn, i) for i in range(grid_size(defn)))
    return [point for point in points if point is not None]


# ---- random ------------------------------------------------------------------------


def sample_random(defn: SweepDefinition, rng: Rng) -> dict[str, Any]:
    """One random point: every parameter drawn from its distribution."""
    return _nest((path, sample_value(p, rng)) for path, p in defn.leaves())


def sample_value(param: Parameter, rng: Rng) -> Any:
    """One value of a leaf parameter, drawn from its distribution."""
    return _at_quantile(param, float(rng.random()))


def _at_quantile(param: Parameter, u: float) -> Any:
    """The inverse CDF: the value below which a fraction ``u`` of draws fall."""
    dist = param.distribution
    if dist == "constant":
        return copy.deepcopy(param.value)
    if dist == "categorical":
        return copy.deepcopy(param.values[_category(param, u)])
    if dist == "int_uniform":
        first, last = int(param.min or 0), int(param.max or 0)
        return min(first + int(u * (last - first + 1)), last)
    if dist in _NORMALS:
        assert param.mu is not None and param.sigma is not None
        x = NormalDist(param.mu, param.sigma).inv_cdf(min(max(u, _EPS), 1 - _EPS))
        x = math.exp(x) if "log" in dist else x
    else:
        low, high = param.bounds()
        if "log" in dist:
            x = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
        else:
            x = low + u * (high - low)
        x = min(max(x, low), high)  # rounding may step over a bound
    return _on_q(param, x) if param.q is not None else x


def _category(param: Parameter, u: float) -> int:
    if param.probabilities is None:
        return min(int(u * len(param.values)), len(param.values) - 1)
    for i, edge in enumerate(accumulate(param.probabilities)):
        if u < edge:
            return i
    return max(i for i, p in enumerate(param.probabilities) if p > 0)


def _on_q(param: Parameter, x: float) -> float:
    assert param.q is not None
    k = round(x / param.q)
    if param.distribution in _Q_BOUNDED:
        first, last = param.steps()
        k = min(max(k, first), last)
    return param.step_value(k)


def contains(param: Parameter, value: Any) -> bool:
    """Whether ``value`` lies in the declared space of a leaf parameter."""
    dist = param.distribution
    if dist in ("constant", "categorical"):
        allowed = param.values if dist == "categorical" else (param.value,)
        return any(_same(value, v) for v in allowed)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    if not math.isfinite(value):
        return False
    if param.q is not None:
        k = round(value / param.q)
        if not math.isclose(param.step_value(k), value, rel_tol=1e-9, abs_tol=1e-12):
            return False
    if dist in _NORMALS:
        return "log" not in dist or value > 0 or (param.q is not None and value == 0)
    if dist == "int_uniform" and value != int(value):
        return False
    low, high = param.bounds()
    return low <= value <= high or any(math.isclose(value, b) for b in (low, high))


def _same(a: Any, b: Any) -> bool:
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


# ---- bayes ------------------------------------------------------------------------


def propose_bayes(
    defn: SweepDefinition, trials: Sequence[Trial], rng_seed: int
) -> dict[str, Any]:
    """Optuna's TPE proposal given the trials so far (see the module doc)."""
    try:
        import optuna
    except ImportError:
        raise UsageError(_NO_OPTUNA) from None
    assert defn.metric is not None, "a bayes definition always has a metric"
    leaves = defn.leaves()
    space = {_key(path): _distribution(optuna, p) for path, p in leaves}
    with _quiet(optuna):
        sampler = optuna.samplers.TPESampler(
            n_startup_trials=N_STARTUP_TRIALS,
            multivariate=True,
            constant_liar=True,
            seed=rng_seed,
        )
        study = optuna.create_study(direction=defn.metric.goal, sampler=sampler)
        for trial in trials:
            frozen = _frozen_trial(optuna, trial, leaves, space)
            if frozen is not None:
                study.add_trial(frozen)
        asked = study.ask(space)
    return _nest(
        (path, _from_optuna(p, asked.params[_key(path)])) for path, p in leaves
    )


@contextmanager
def _quiet(optuna: Any) -> Iterator[None]:
    """No "study created" log line per proposal, and no ExperimentalWarning
    from Optuna versions where multivariate TPE or constant_liar are experimental."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(level)


def _key(path: tuple[str, ...]) -> str:
    return "/".join(path)  # "/" cannot occur in a parameter name


def _distribution(optuna: Any, param: Parameter) -> Any:
    dists, dist = optuna.distributions, param.distribution
    if dist in ("constant", "categorical"):
        count = len(param.values) if dist == "categorical" else 1
        return dists.CategoricalDistribution(tuple(range(count)))
    if dist == "int_uniform":
        return dists.IntDistribution(int(param.min or 0), int(param.max or 0))
    if dist in _Q_BOUNDED:
        first, last = param.steps()
        return dists.IntDistribution(first, last, log="log" in dist)
    if dist in _NORMALS:
        return dists.FloatDistribution(_EPS, 1 - _EPS)
    low, high = param.bounds()
    return dists.FloatDistribution(low, high, log="log" in dist)


def _frozen_trial(
    optuna: Any,
    trial: Trial,
    leaves: list[tuple[tuple[str, ...], Parameter]],
    space: dict[str, Any],
) -> Any:
    pending = trial.state in PENDING_STATES
    value = trial.value
    if not pending and (value is None or not math.isfinite(value)):
        return None
    params = {}
    for path, param in leaves:
        found = _lookup(trial.params, path)
        if not contains(param, found):
            return None
        params[_key(path)] = _to_optuna(param, found)
    if pending:
        running = optuna.trial.TrialState.RUNNING
        return optuna.trial.create_trial(
            params=params, distributions=space, state=running
        )
    return optuna.trial.create_trial(params=params, distributions=space, value=value)


_MISSING = object()


def _lookup(params: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = params
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _to_optuna(param: Parameter, value: Any) -> Any:
    """A value in the space (``contains``) → Optuna's coordinate for it."""
    dist = param.distribution
    if dist == "constant":
        return 0
    if dist == "categorical":
        return next(i for i, v in enumerate(param.values) if _same(value, v))
    if dist == "int_uniform":
        return int(value)
    if dist in _Q_BOUNDED:
        return round(value / (param.q or 1))
    if dist in _NORMALS:
        assert param.mu is not None and param.sigma is not None
        if "log" in dist:
            if value <= 0:  # q_log_normal's 0: the bottom of its range
                return _EPS
            value = math.log(value)
        u = NormalDist(param.mu, param.sigma).cdf(value)
        return min(max(u, _EPS), 1 - _EPS)
    low, high = param.bounds()
    return min(max(float(value), low), high)


def _from_optuna(param: Parameter, x: Any) -> Any:
    """Optuna's coordinate → the parameter's value."""
    dist = param.distribution
    if dist in ("constant", "categorical"):
        return copy.deepcopy(param.value if dist == "constant" else param.values[x])
    if dist in _Q_BOUNDED:
        return param.step_value(int(x))
    if dist in _NORMALS:
        return _at_quantile(param, float(x))
    return int(x) if dist == "int_uniform" else float(x)
