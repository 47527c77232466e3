"""Hyperparameter sweeps, the pure core: W&B's sweep definitions, where each run
goes (grid, random, bayes) and hyperband early termination. No store, no process,
no network here: the store, the agent, the CLI and the UI build on these modules.

    (here)      parse_definition / load_definition / parse_yaml → SweepDefinition
    definition  SweepDefinition (from_dict, as_dict), Parameter, Metric
    search      propose(defn, trials, index, seed) → the next run's config, or None
    hyperband   should_stop(spec, run_values, others, goal) → (stop?, why)
    command     build_command(defn, params, ...) → the argv that runs one point

Optional dependencies, imported only when used: PyYAML (YAML definitions) and
Optuna (method bayes). Nothing here is imported by ``import runfold``.

Where Runfold departs from W&B, each on purpose:

- ``log_uniform``, ``q_log_uniform`` and ``inv_log_uniform`` (min and max are
  natural-log exponents) are accepted; W&B's newest validator refuses them.
- ``sigma`` must be above 0 (W&B allows 0, a constant in disguise).
- A bounded q-distribution gives only multiples of q inside [min, max], so rounding
  never crosses a bound; at least one multiple must lie inside.
- ``grid`` takes value, values (without probabilities), int_uniform and q_uniform,
  as W&B; a q_uniform grid holds every multiple of q in [min, max], max included
  (W&B's stops before max, though its random search can draw max).
- ``controller``, ``apiVersion`` and ``kind`` are accepted and ignored; the W&B keys
  Runfold cannot honour (``scheduler``, ``metrics``, ``job``, ``image_uri``,
  ``metric.impute``) are refused rather than silently dropped.
- Hyperband counts a NaN as an iteration and as the worst value (W&B drops it, so a
  diverged run is never stopped); see ``hyperband``.
- ``${envvar:NAME}`` with NAME unset is an error (W&B passes the name itself), and
  ``${interpreter}`` is ``sys.executable`` (W&B: ``python``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .command import DEFAULT_COMMAND, build_command, command_args
from .definition import DISTRIBUTIONS, METHODS, Metric, Parameter, SweepDefinition
from .hyperband import HyperbandSpec, should_stop
from .search import (
    Trial,
    contains,
    grid_point,
    grid_points,
    grid_size,
    propose,
    propose_bayes,
    sample_random,
    sample_value,
)

__all__ = [
    "DEFAULT_COMMAND", "DISTRIBUTIONS", "METHODS", "HyperbandSpec", "Metric",
    "Parameter", "SweepDefinition", "Trial", "build_command", "command_args",
    "contains", "grid_point", "grid_points", "grid_size", "load_definition",
    "parse_definition", "parse_yaml", "propose", "propose_bayes", "sample_random",
    "sample_value", "should_stop",
]  # fmt: skip

_UNREADABLE = "Cannot read sweep file {path!r}: {why}."
_NOT_JSON = "Sweep file {path!r} is not valid JSON: {why}."
_NOT_YAML = "The sweep definition is not valid YAML: {why}"
_NO_YAML = "Reading a YAML sweep definition needs PyYAML: pip install pyyaml"


def parse_definition(
    source: Mapping[str, Any] | str | os.PathLike[str],
) -> SweepDefinition:
    """A definition from a dict, a file (a ``Path``, or a one-line str ending in
    .yaml, .yml or .json) or a YAML text."""
    if isinstance(source, os.PathLike):
        return load_definition(source)
    if not isinstance(source, str):
        return SweepDefinition.from_dict(source)  # a mapping, or refused as not one
    if "\n" not in source and source.strip().endswith((".yaml", ".yml", ".json")):
        return load_definition(source.strip())
    return parse_yaml(source)


def load_definition(path: str | os.PathLike[str]) -> SweepDefinition:
    """A definition from a YAML file, or a .json one (read as JSON: PyYAML would
    read JSON's 1e-05 as text)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(_UNREADABLE.format(path=str(path), why=exc.strerror)) from None
    if not str(path).endswith(".json"):
        return parse_yaml(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(_NOT_JSON.format(path=str(path), why=exc)) from None
    return SweepDefinition.from_dict(data)


def parse_yaml(text: str) -> SweepDefinition:
    """A definition from a YAML text (PyYAML is imported here, only)."""
    try:
        import yaml
    except ImportError:
        raise UsageError(_NO_YAML) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(_NOT_YAML.format(why=exc)) from None
    return SweepDefinition.from_dict(data)
