"""A sweep definition: W&B's sweep configuration, checked and normalised.

``SweepDefinition.from_dict`` checks a definition dict (as W&B's YAML holds it) and
returns a frozen ``SweepDefinition``; a mistake raises ``UsageError`` naming the key
and what is allowed. ``as_dict()`` is the normalised form to store (every
distribution explicit, W&B's defaults filled in, JSON-serialisable), and
``from_dict`` rebuilds the same object from it. ``early_terminate`` is checked by
``hyperband.py``, ``command`` by ``command.py``; YAML texts and files are read by
the package's loaders (``runfold.sweeps.load_definition`` and friends).

The distribution is inferred as W&B infers it (``values`` → categorical, ``value``
→ constant, integer min and max → int_uniform, other min and max → uniform). Where
Runfold departs from W&B is listed in the package docstring.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import UsageError
from .command import check_command
from .hyperband import HyperbandSpec, parse_hyperband

__all__ = [
    "DISTRIBUTIONS", "GRID_DISTRIBUTIONS", "METHODS", "NESTED", "Metric",
    "Parameter", "SweepDefinition",
]  # fmt: skip

METHODS = ("grid", "random", "bayes")
# distribution -> the fields it takes besides ``distribution`` (W&B's schema)
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "categorical": ("values", "probabilities"),
    "int_uniform": ("min", "max"),
    "uniform": ("min", "max"),
    "q_uniform": ("min", "max", "q"),
    "log_uniform": ("min", "max"),
    "log_uniform_values": ("min", "max"),
    "q_log_uniform": ("min", "max", "q"),
    "q_log_uniform_values": ("min", "max", "q"),
    "inv_log_uniform": ("min", "max"),
    "inv_log_uniform_values": ("min", "max"),
    "normal": ("mu", "sigma"),
    "q_normal": ("mu", "sigma", "q"),
    "log_normal": ("mu", "sigma"),
    "q_log_normal": ("mu", "sigma", "q"),
}
NESTED = "nested"  # a Parameter holding ``parameters`` rather than a distribution
GRID_DISTRIBUTIONS = ("constant", "categorical", "int_uniform", "q_uniform")
_ALIASES = {"categorical_w_probabilities": "categorical"}
_EXPONENTS = ("log_uniform", "q_log_uniform", "inv_log_uniform")
_POSITIVE = ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values")
_TOP_KEYS = (
    "method", "parameters", "metric", "program", "command", "run_cap",
    "early_terminate", "name", "description", "project", "entity",
)  # fmt: skip
_TEXT_KEYS = ("program", "name", "description", "project", "entity")
_IGNORED_KEYS = ("controller", "apiVersion", "kind")
_UNSUPPORTED_KEYS = ("scheduler", "metrics", "job", "image_uri")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

# Messages: "Sweep key ..." for the top level, "Sweep parameter 'x': ..." below it.
_NOT_MAPPING = "A sweep definition must be a mapping of keys (got {got})."
_UNKNOWN_KEY = (
    "Sweep key {key!r} is unknown{hint}. Allowed: " + ", ".join(_TOP_KEYS) + "."
)
_UNSUPPORTED = "Sweep key {key!r} is a W&B feature Runfold does not support; remove it."
_BAD_METHOD = "Sweep key 'method' must be grid, random or bayes (got {got!r})."
_NO_PARAMETERS = "Sweep key 'parameters' is missing: say what to search over."
_NEEDS_METRIC = (
    "Sweep {what} needs a metric: add metric: {{name: val_loss, goal: minimize}}."
)
_BAD_METRIC = "Sweep key 'metric' must be a mapping with a name, e.g. {{name: val_loss, goal: minimize}} (got {got!r})."
_METRIC_KEY = (
    "Sweep key 'metric.{key}' is not supported; metric takes name, goal and target."
)
_BAD_GOAL = "Sweep key 'metric.goal' must be minimize or maximize (got {got!r})."
_BAD_RUN_CAP = "Sweep key 'run_cap' must be a whole number of at least 1 (got {got!r})."
_NOT_TEXT = "Sweep key {key!r} must be text (got {got!r})."
_BAD_PARAMETERS = "{where} must map names to parameters, e.g. {{lr: {{values: [0.1, 0.01]}}}} (got {got!r})."
_BAD_NAME = "a name starts with a letter or _ and holds only letters, digits and _ . -"
_PARAM_NOT_MAPPING = "must be a mapping such as {{values: [1, 2]}} (got {got!r})"
_NESTED_ONLY = "a nested parameter holds only 'parameters' (got also {key!r})"
_UNKNOWN_DIST = "unknown distribution {got!r}{hint}; known: " + ", ".join(DISTRIBUTIONS)
_NO_DIST = "needs value, values, min and max, or a distribution"
_FIELD = "field {key!r} does not apply to distribution {dist!r} (it takes {allowed})"
_BAD_VALUES = "values must be a non-empty list (got {got!r})"
_BAD_PROBS = "probabilities must be a list of numbers of at least 0, one per value, summing to 1 (got {got!r})"
_NEEDS_MIN_MAX = "distribution {dist!r} needs min and max"
_NOT_WHOLE = (
    "distribution 'int_uniform' needs whole numbers (got min={low!r}, max={high!r})"
)
_MIN_MAX = "min must be below max (got min={low!r}, max={high!r})"
_NEEDS_POSITIVE = "distribution {dist!r} needs min > 0 (got min={low!r})"
_NO_MULTIPLE = "no multiple of q={q!r} lies between min and max"
_NOT_POSITIVE = "{key} must be above 0 (got {key}={got!r})"
_NOT_NUMBER = "{key} must be a number (got {got!r}{hint})"
_YAML_NUMBER = "; YAML reads a number like 1e-5 as text: write 1.0e-5"
_NOT_JSON = "value {got!r} is not a JSON value (text, number, true/false, null, list or mapping)"
_GRID_DIST = "method 'grid' cannot enumerate distribution {dist!r}; use value, values, int_uniform or q_uniform, or method random or bayes"
_GRID_PROBS = "method 'grid' runs every value once, so probabilities do not apply; remove them or use method random"


@dataclass(frozen=True)
class Parameter:
    """A node of the parameter tree: a leaf with a ``distribution`` (one of
    DISTRIBUTIONS, its fields filled in, the others None), or a ``NESTED`` node
    whose ``parameters`` make a nested dict in the run's config."""

    distribution: str
    value: Any = None
    values: tuple[Any, ...] = ()
    probabilities: tuple[float, ...] | None = None
    min: float | None = None
    max: float | None = None
    mu: float | None = None
    sigma: float | None = None
    q: float | None = None
    parameters: dict[str, Parameter] = field(default_factory=dict)

    def bounds(self) -> tuple[float, float]:
        """The [low, high] values of a min/max distribution (exponents turned
        into values for the log_uniform family)."""
        assert self.min is not None and self.max is not None
        if self.distribution == "inv_log_uniform":
            return math.exp(-self.max), math.exp(-self.min)
        if self.distribution in _EXPONENTS:
            return math.exp(self.min), math.exp(self.max)
        return self.min, self.max

    def steps(self) -> tuple[int, int]:
        """The first and last k with k * q inside ``bounds()``."""
        assert self.q is not None
        low, high = self.bounds()
        return math.ceil(low / self.q - 1e-9), math.floor(high / self.q + 1e-9)

    def step_value(self, k: int) -> float:
        """k * q: an int when q is one (as W&B), else rounded to q's decimals."""
        assert self.q is not None
        if isinstance(self.q, int):
            return k * self.q
        exponent = int(Decimal(repr(self.q)).as_tuple().exponent)
        return round(k * self.q, max(0, -exponent))

    def as_dict(self) -> dict[str, Any]:
        if self.distribution == NESTED:
            return {"parameters": {k: p.as_dict() for k, p in self.parameters.items()}}
        out: dict[str, Any] = {"distribution": self.distribution}
        for key in DISTRIBUTIONS[self.distribution]:
            value = getattr(self, key)
            value = list(value) if isinstance(value, tuple) else value
            if key == "value" or value is not None:
                out[key] = copy.deepcopy(value)
        return out


@dataclass(frozen=True)
class Metric:
    """What the sweep optimises: a logged key, its goal, and an optional target."""

    name: str
    goal: str = "minimize"
    target: float | None = None

    def reached_target(self, value: float) -> bool:
        """Whether ``value`` meets ``target``: the sweep then starts no new run."""
        if self.target is None or not math.isfinite(value):
            return False
        return value <= self.target if self.goal == "minimize" else value >= self.target


@dataclass(frozen=True)
class SweepDefinition:
    """A checked sweep definition. ``parameters`` maps top-level names to the
    Parameter tree; ``command`` is None for W&B's default command."""

    method: str
    parameters: dict[str, Parameter]
    metric: Metric | None = None
    program: str | None = None
    command: tuple[str, ...] | None = None
    run_cap: int | None = None
    early_terminate: HyperbandSpec | None = None
    name: str | None = None
    description: str | None = None
    project: str | None = None
    entity: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> SweepDefinition:
        """Parse and check a definition dict (W&B's keys, or ``as_dict()``'s)."""
        return _parse(data)

    def leaves(self) -> list[tuple[tuple[str, ...], Parameter]]:
        """Every leaf parameter with its key path, sorted by path: W&B's order,
        and the same whatever order a stored JSON object comes back in."""
        return sorted(_leaves(self.parameters, ()), key=lambda item: item[0])

    def as_dict(self) -> dict[str, Any]:
        """The normalised definition: JSON-serialisable; ``from_dict`` rebuilds it."""
        out: dict[str, Any] = {
            "method": self.method,
            "parameters": {k: p.as_dict() for k, p in self.parameters.items()},
        }
        if self.metric is not None:
            out["metric"] = {"name": self.metric.name, "goal": self.metric.goal}
            if self.metric.target is not None:
                out["metric"]["target"] = self.metric.target
        if self.early_terminate is not None:
            out["early_terminate"] = self.early_terminate.as_dict()
        if self.command is not None:
            out["command"] = list(self.command)
        for key in ("run_cap", *_TEXT_KEYS):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def _leaves(
    params: Mapping[str, Parameter], prefix: tuple[str, ...]
) -> list[tuple[tuple[str, ...], Parameter]]:
    out = []
    for key, param in params.items():
        if param.distribution == NESTED:
            out += _leaves(param.parameters, (*prefix, key))
        else:
            out.append(((*prefix, key), param))
    return out


# ---- the top level ----------------------------------------------------------------


def _parse(data: Any) -> SweepDefinition:
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else f"a {type(data).__name__}"
        raise UsageError(_NOT_MAPPING.format(got=got))
    _check_keys(data)
    if data.get("method") not in METHODS:
        raise UsageError(_BAD_METHOD.format(got=data.get("method")))
    if "parameters" not in data:
        raise UsageError(_NO_PARAMETERS)
    defn = SweepDefinition(
        method=data["method"],
        parameters=_parameters(data["parameters"], ()),
        metric=_metric(data["metric"]) if "metric" in data else None,
        command=check_command(data["command"]) if "command" in data else None,
        run_cap=_run_cap(data["run_cap"]) if "run_cap" in data else None,
        early_terminate=_hyperband(data.get("early_terminate")),
        **{key: _text(key, data.get(key)) for key in _TEXT_KEYS},
    )
    _check_method(defn)
    return defn


def _check_keys(data: Mapping[str, Any]) -> None:
    for key in data:
        if key in _UNSUPPORTED_KEYS:
            raise UsageError(_UNSUPPORTED.format(key=key))
        if key not in _TOP_KEYS and key not in _IGNORED_KEYS:
            raise UsageError(_UNKNOWN_KEY.format(key=key, hint=_hint(key, _TOP_KEYS)))


def _hint(word: Any, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_method(defn: SweepDefinition) -> None:
    if defn.metric is None and defn.method == "bayes":
        raise UsageError(_NEEDS_METRIC.format(what="method 'bayes'"))
    if defn.metric is None and defn.early_terminate is not None:
        raise UsageError(_NEEDS_METRIC.format(what="key 'early_terminate'"))
    for path, param in defn.leaves() if defn.method == "grid" else ():
        if param.distribution not in GRID_DISTRIBUTIONS:
            raise _param_error(path, _GRID_DIST.format(dist=param.distribution))
        if param.probabilities is not None:
            raise _param_error(path, _GRID_PROBS)


def _metric(spec: Any) -> Metric:
    if (
        not isinstance(spec, Mapping)
        or not spec.get("name")
        or not isinstance(spec["name"], str)
    ):
        raise UsageError(_BAD_METRIC.format(got=spec))
    for key in spec:
        if key not in ("name", "goal", "target"):
            raise UsageError(_METRIC_KEY.format(key=key))
    if spec.get("goal", "minimize") not in ("minimize", "maximize"):
        raise UsageError(_BAD_GOAL.format(got=spec["goal"]))
    target = spec.get("target")
    if target is not None:
        target = _number("target", target, "Sweep key 'metric'")
    return Metric(spec["name"], spec.get("goal", "minimize"), target)


def _hyperband(spec: Any) -> HyperbandSpec | None:
    return None if spec is None else parse_hyperband(spec)


def _run_cap(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise UsageError(_BAD_RUN_CAP.format(got=value))


def _text(key: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise UsageError(_NOT_TEXT.format(key=key, got=value))
    return value


# ---- parameters ----------------------------------------------------------------


def _param_error(path: tuple[str, ...], message: str) -> UsageError:
    return UsageError(f"Sweep parameter {'.'.join(path)!r}: {message}.")


def _parameters(spec: Any, path: tuple[str, ...]) -> dict[str, Parameter]:
    if not isinstance(spec, Mapping) or not spec:
        where = (
            f"Sweep parameter {'.'.join(path)!r}" if path else "Sweep key 'parameters'"
        )
        raise UsageError(_BAD_PARAMETERS.format(where=where, got=spec))
    out = {}
    for key, sub in spec.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise _param_error((*path, str(key)), _BAD_NAME)
        out[key] = _parameter((*path, key), sub)
    return out


def _parameter(path: tuple[str, ...], spec: Any) -> Parameter:
    if not isinstance(spec, Mapping):
        raise _param_error(path, _PARAM_NOT_MAPPING.format(got=spec))
    if "parameters" in spec:
        for key in spec:
            if key != "parameters":
                raise _param_error(path, _NESTED_ONLY.format(key=key))
        return Parameter(NESTED, parameters=_parameters(spec["parameters"], path))
    dist = _distribution(path, spec)
    allowed = DISTRIBUTIONS[dist]
    for key in spec:
        if key != "distribution" and key not in allowed:
            raise _param_error(
                path, _FIELD.format(key=key, dist=dist, allowed=", ".join(allowed))
            )
    if dist == "constant":
        return Parameter(dist, value=_json_value(path, spec["value"]))
    if dist == "categorical":
        return _categorical(path, spec)
    where = f"Sweep parameter {'.'.join(path)!r}"
    if "mu" in allowed:
        mu = _number("mu", spec.get("mu", 0.0), where)
        return Parameter(
            dist,
            mu=mu,
            sigma=_positive(path, spec, "sigma", 1.0),
            q=_q(path, dist, spec),
        )
    return _bounded(path, dist, spec, where)


def _distribution(path: tuple[str, ...], spec: Mapping[str, Any]) -> str:
    if "distribution" in spec:
        dist = _ALIASES.get(spec["distribution"], spec["distribution"])
        if dist not in DISTRIBUTIONS:
            hint = _hint(dist, tuple(DISTRIBUTIONS))
            raise _param_error(path, _UNKNOWN_DIST.format(got=dist, hint=hint))
        return str(dist)
    for key, dist in (("values", "categorical"), ("value", "constant")):
        if key in spec:
            return dist
    if "min" in spec and "max" in spec:
        ints = all(type(spec[k]) is int for k in ("min", "max"))
        return "int_uniform" if ints else "uniform"
    raise _param_error(path, _NO_DIST)


def _categorical(path: tuple[str, ...], spec: Mapping[str, Any]) -> Parameter:
    values = spec.get("values")
    if not isinstance(values, list) or not values:
        raise _param_error(path, _BAD_VALUES.format(got=values))
    values = [_json_value(path, v) for v in values]
    probs = spec.get("probabilities")
    if probs is None:
        return Parameter("categorical", values=tuple(values))
    ok = isinstance(probs, list) and len(probs) == len(values)
    ok = ok and all(_is_number(p) and p >= 0 for p in probs)
    if not ok or not math.isclose(sum(probs), 1.0, abs_tol=1e-6):
        raise _param_error(path, _BAD_PROBS.format(got=probs))
    return Parameter("categorical", values=tuple(values), probabilities=tuple(probs))


def _bounded(
    path: tuple[str, ...], dist: str, spec: Mapping[str, Any], where: str
) -> Parameter:
    if "min" not in spec or "max" not in spec:
        raise _param_error(path, _NEEDS_MIN_MAX.format(dist=dist))
    low, high = _number("min", spec["min"], where), _number("max", spec["max"], where)
    if dist == "int_uniform":
        if low != int(low) or high != int(high):
            raise _param_error(path, _NOT_WHOLE.format(low=low, high=high))
        low, high = int(low), int(high)
    if low >= high:
        raise _param_error(path, _MIN_MAX.format(low=low, high=high))
    if dist in _POSITIVE and low <= 0:
        raise _param_error(path, _NEEDS_POSITIVE.format(dist=dist, low=low))
    param = Parameter(dist, min=low, max=high, q=_q(path, dist, spec))
    if param.q is not None and param.steps()[0] > param.steps()[1]:
        raise _param_error(path, _NO_MULTIPLE.format(q=param.q))
    return param


def _q(path: tuple[str, ...], dist: str, spec: Mapping[str, Any]) -> float | None:
    return _positive(path, spec, "q", 1) if dist.startswith("q_") else None


def _positive(
    path: tuple[str, ...], spec: Mapping[str, Any], key: str, default: float
) -> float:
    value = _number(key, spec.get(key, default), f"Sweep parameter {'.'.join(path)!r}")
    if value <= 0:
        raise _param_error(path, _NOT_POSITIVE.format(key=key, got=value))
    return value


def _number(key: str, value: Any, where: str) -> float:
    """A finite int or float, kept as given (an int q gives int values)."""
    if _is_number(value) and math.isfinite(value):
        return value  # type: ignore[no-any-return]
    hint = _YAML_NUMBER if isinstance(value, str) and _is_float(value) else ""
    raise UsageError(f"{where}: {_NOT_NUMBER.format(key=key, got=value, hint=hint)}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _json_value(path: tuple[str, ...], value: Any) -> Any:
    """Values go into run configs and the store as JSON: refuse anything else."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise _param_error(path, _NOT_JSON.format(got=value)) from None
    return copy.deepcopy(value)
