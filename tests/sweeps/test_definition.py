"""Parsing, checking and normalising sweep definitions (sweeps/definition.py)."""

from __future__ import annotations

import datetime
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runfold.errors import UsageError
from runfold.sweeps import SweepDefinition, load_definition, parse_definition
from runfold.sweeps.definition import DISTRIBUTIONS, NESTED, Parameter

YAML = """
program: train.py
method: bayes
metric:
  name: val_loss
  goal: minimize
parameters:
  lr: {distribution: log_uniform_values, min: 1.0e-5, max: 0.1}
  batch_size: {values: [16, 32, 64]}
  optimizer:
    parameters:
      momentum: {min: 0.0, max: 0.99}
      nesterov: {value: true}
early_terminate: {type: hyperband, min_iter: 3}
run_cap: 20
"""

# ---- strategies: valid definitions, used here and by test_search.py ------------

_Q = st.sampled_from([1, 2, 5, 0.1, 0.25, 0.5, 0.01])
_MU = st.floats(-5, 5).map(lambda x: round(x, 3))
_SIGMA = st.floats(0.05, 2).map(lambda x: round(x, 3))
_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-9, 9), st.text("abc", max_size=3)
)


@st.composite
def _bounded(draw: st.DrawFn, dist: str) -> dict[str, Any]:
    q = draw(_Q) if dist.startswith("q_") else None
    if dist in ("int_uniform",):
        low = draw(st.integers(-50, 50))
        return {"min": low, "max": low + draw(st.integers(1, 30))}
    if dist.endswith("_values"):
        low = draw(st.sampled_from([1e-5, 0.001, 0.3, 2.0, 10.0]))
        high = low * draw(st.sampled_from([1.5, 10.0, 1000.0]))
        return {"min": low, "max": max(high, low + (q or 0))} | ({"q": q} if q else {})
    if "log" in dist:  # min and max are exponents
        low = draw(st.floats(-8, 2).map(lambda x: round(x, 2)))
        high = low + draw(st.floats(0.1, 4).map(lambda x: round(x, 2)))
        if q:
            high = max(high, round(math.log(math.exp(low) + q) + 0.01, 2))
        return {"min": low, "max": high} | ({"q": q} if q else {})
    low = draw(st.floats(-100, 100).map(lambda x: round(x, 2)))
    high = low + max(draw(st.floats(0.01, 50).map(lambda x: round(x, 2))), q or 0)
    return {"min": low, "max": high} | ({"q": q} if q else {})


@st.composite
def leaves(draw: st.DrawFn, grid: bool = False) -> dict[str, Any]:
    """One leaf parameter of any distribution (only grid ones when ``grid``)."""
    choices = ("constant", "categorical", "int_uniform", "q_uniform")
    dist = draw(st.sampled_from(choices if grid else tuple(DISTRIBUTIONS)))
    if dist == "constant":
        return {"value": draw(_SCALAR)}
    if dist == "categorical":
        values = draw(st.lists(_SCALAR, min_size=1, max_size=4))
        if grid or draw(st.booleans()):
            return {"values": values}
        weights = draw(
            st.lists(st.integers(1, 5), min_size=len(values), max_size=len(values))
        )
        return {"values": values, "probabilities": [w / sum(weights) for w in weights]}
    if "mu" in DISTRIBUTIONS[dist]:
        spec = {"distribution": dist, "mu": draw(_MU), "sigma": draw(_SIGMA)}
        if dist == "log_normal" or dist == "q_log_normal":
            spec["mu"] = round(spec["mu"] / 3, 3)
        return spec | ({"q": draw(_Q)} if dist.startswith("q_") else {})
    return {"distribution": dist} | draw(_bounded(dist))


_NAMES = st.text("abcxyz_", min_size=1, max_size=4).filter(lambda n: n[0] != "_")


@st.composite
def parameter_trees(draw: st.DrawFn, grid: bool = False) -> dict[str, Any]:
    tree = draw(st.dictionaries(_NAMES, leaves(grid), min_size=1, max_size=3))
    if draw(st.booleans()):
        nested = draw(st.dictionaries(_NAMES, leaves(grid), min_size=1, max_size=2))
        tree["opt"] = {"parameters": nested}
    return tree


@st.composite
def definitions(draw: st.DrawFn, method: str | None = None) -> dict[str, Any]:
    """A valid W&B sweep definition as a dict."""
    method = method or draw(st.sampled_from(["grid", "random", "bayes"]))
    goal = draw(st.sampled_from(["minimize", "maximize"]))
    return {
        "method": method,
        "metric": {"name": "loss", "goal": goal},
        "parameters": draw(parameter_trees(grid=method == "grid")),
    }


# ---- parsing -----------------------------------------------------------------------


def test_parse_reads_dict_yaml_text_and_files_alike(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(YAML)
    from_text = parse_definition(YAML)
    assert parse_definition(path) == from_text
    assert parse_definition(str(path)) == from_text
    assert load_definition(path) == from_text
    assert parse_definition(from_text.as_dict()) == from_text
    json_path = tmp_path / "sweep.json"
    json_path.write_text(json.dumps(from_text.as_dict()))
    assert parse_definition(str(json_path)) == from_text


def test_parse_builds_typed_fields_and_a_parameter_tree() -> None:
    defn = parse_definition(YAML)
    assert (defn.method, defn.program, defn.run_cap) == ("bayes", "train.py", 20)
    assert (defn.metric and defn.metric.name, defn.metric and defn.metric.goal) == (
        "val_loss",
        "minimize",
    )
    assert defn.early_terminate and defn.early_terminate.min_iter == 3
    assert defn.early_terminate.eta == 3 and defn.early_terminate.strict is True
    optimizer = defn.parameters["optimizer"]
    assert optimizer.distribution == NESTED
    assert optimizer.parameters["nesterov"] == Parameter("constant", value=True)
    assert [path for path, _ in defn.leaves()] == [
        ("batch_size",),
        ("lr",),
        ("optimizer", "momentum"),
        ("optimizer", "nesterov"),
    ]


@pytest.mark.parametrize(
    ("spec", "distribution"),
    [
        ({"values": [1, 2]}, "categorical"),
        ({"values": [1, 2], "probabilities": [0.5, 0.5]}, "categorical"),
        ({"value": "adam"}, "constant"),
        ({"min": 1, "max": 5}, "int_uniform"),
        ({"min": 1.0, "max": 5}, "uniform"),
        ({"min": 0, "max": 0.5}, "uniform"),
        (
            {
                "distribution": "categorical_w_probabilities",
                "values": [1],
                "probabilities": [1],
            },
            "categorical",
        ),
        ({"distribution": "int_uniform", "min": 1.0, "max": 4.0}, "int_uniform"),
    ],
)
def test_distribution_is_inferred_as_wandb_does(
    spec: dict[str, Any], distribution: str
) -> None:
    defn = parse_definition({"method": "random", "parameters": {"x": spec}})
    assert defn.parameters["x"].distribution == distribution


def test_int_uniform_bounds_become_ints() -> None:
    spec = {"distribution": "int_uniform", "min": 1.0, "max": 4.0}
    param = parse_definition({"method": "grid", "parameters": {"x": spec}}).parameters
    assert (param["x"].min, param["x"].max) == (1, 4)
    assert all(type(v) is int for v in (param["x"].min, param["x"].max))


def test_wandb_defaults_are_filled_in() -> None:
    defn = parse_definition(
        {
            "method": "random",
            "metric": {"name": "acc"},
            "parameters": {
                "a": {"distribution": "normal"},
                "b": {"distribution": "q_log_normal"},
                "c": {"distribution": "q_uniform", "min": 0, "max": 10},
            },
            "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2},
        }
    )
    a, b, c = (defn.parameters[k] for k in "abc")
    assert (a.mu, a.sigma, b.q, c.q) == (0.0, 1.0, 1, 1)
    assert defn.metric is not None and defn.metric.goal == "minimize"
    assert defn.early_terminate is not None and defn.early_terminate.eta == 3.0


def test_wandb_controller_key_is_accepted_and_dropped() -> None:
    defn = parse_definition({**_base(), "controller": {"type": "local"}})
    assert "controller" not in defn.as_dict()


def test_as_dict_is_explicit_and_rebuilds_the_same_definition() -> None:
    defn = parse_definition(YAML)
    stored = json.loads(json.dumps(defn.as_dict()))
    assert stored["parameters"]["batch_size"] == {
        "distribution": "categorical",
        "values": [16, 32, 64],
    }
    assert stored["early_terminate"] == {
        "type": "hyperband",
        "min_iter": 3,
        "eta": 3.0,
        "strict": True,
    }
    assert SweepDefinition.from_dict(stored) == defn


@settings(max_examples=150, deadline=None)
@given(definitions())
def test_any_definition_round_trips_through_json(data: dict[str, Any]) -> None:
    defn = parse_definition(data)
    again = SweepDefinition.from_dict(json.loads(json.dumps(defn.as_dict())))
    assert again == defn
    assert again.as_dict() == defn.as_dict()


def test_metric_reached_target_follows_the_goal() -> None:
    low = parse_definition({**_base(), "metric": {"name": "l", "target": 0.1}}).metric
    high = parse_definition(
        {**_base(), "metric": {"name": "a", "goal": "maximize", "target": 0.9}}
    ).metric
    assert low and low.reached_target(0.05) and not low.reached_target(0.2)
    assert high and high.reached_target(0.95) and not high.reached_target(0.5)
    assert not low.reached_target(math.nan)


def test_parameter_values_are_copied_not_shared() -> None:
    values = [{"layers": [1, 2]}]
    defn = parse_definition({"method": "grid", "parameters": {"x": {"values": values}}})
    values[0]["layers"].append(3)
    assert defn.parameters["x"].values == ({"layers": [1, 2]},)


# ---- refusals --------------------------------------------------------------------


def _base(**parameters: Any) -> dict[str, Any]:
    return {"method": "random", "parameters": parameters or {"x": {"values": [1]}}}


ALLOWED = (
    "method, parameters, metric, program, command, run_cap, early_terminate, "
    "name, description, project, entity"
)
MACROS = (
    "${env}, ${interpreter}, ${program}, ${args}, ${args_no_hyphens}, "
    "${args_no_boolean_flags}, ${args_json}, ${args_json_file}, ${envvar:NAME}"
)
HB = "Sweep key 'early_terminate'"

BAD: list[tuple[Any, str]] = [
    ([1, 2], "A sweep definition must be a mapping of keys (got a list)."),
    (
        {**_base(), "methd": "grid"},
        f"Sweep key 'methd' is unknown (did you mean 'method'?). Allowed: {ALLOWED}.",
    ),
    (
        {**_base(), "scheduler": {"engine": "optuna"}},
        "Sweep key 'scheduler' is a W&B feature Runfold does not support; remove it.",
    ),
    (
        {**_base(), "method": "hyper"},
        "Sweep key 'method' must be grid, random or bayes (got 'hyper').",
    ),
    (
        {"method": "grid"},
        "Sweep key 'parameters' is missing: say what to search over.",
    ),
    (
        {**_base(), "method": "bayes"},
        "Sweep method 'bayes' needs a metric: add metric: {name: val_loss, goal: minimize}.",
    ),
    (
        {**_base(), "early_terminate": {"type": "hyperband", "min_iter": 3}},
        "Sweep key 'early_terminate' needs a metric: add metric: {name: val_loss, goal: minimize}.",
    ),
    (
        {**_base(), "metric": {"goal": "minimize"}},
        "Sweep key 'metric' must be a mapping with a name, e.g. {name: val_loss, goal: minimize} (got {'goal': 'minimize'}).",
    ),
    (
        {**_base(), "metric": {"name": "l", "goal": "min"}},
        "Sweep key 'metric.goal' must be minimize or maximize (got 'min').",
    ),
    (
        {**_base(), "metric": {"name": "l", "impute": "worst"}},
        "Sweep key 'metric.impute' is not supported; metric takes name, goal and target.",
    ),
    (
        {**_base(), "metric": {"name": "l", "target": "low"}},
        "Sweep key 'metric': target must be a number (got 'low').",
    ),
    (
        {**_base(), "run_cap": 0},
        "Sweep key 'run_cap' must be a whole number of at least 1 (got 0).",
    ),
    (
        {**_base(), "run_cap": "5"},
        "Sweep key 'run_cap' must be a whole number of at least 1 (got '5').",
    ),
    ({**_base(), "program": 3}, "Sweep key 'program' must be text (got 3)."),
    (
        {"method": "random", "parameters": {}},
        "Sweep key 'parameters' must map names to parameters, e.g. {lr: {values: [0.1, 0.01]}} (got {}).",
    ),
    (
        _base(**{"2x": {"value": 1}}),
        "Sweep parameter '2x': a name starts with a letter or _ and holds only letters, digits and _ . -.",
    ),
    (
        _base(lr=0.1),
        "Sweep parameter 'lr': must be a mapping such as {values: [1, 2]} (got 0.1).",
    ),
    (
        _base(opt={"parameters": {"lr": {"value": 1}}, "values": [1]}),
        "Sweep parameter 'opt': a nested parameter holds only 'parameters' (got also 'values').",
    ),
    (
        _base(opt={"parameters": {}}),
        "Sweep parameter 'opt' must map names to parameters, e.g. {lr: {values: [0.1, 0.01]}} (got {}).",
    ),
    (
        _base(opt={"parameters": {"lr": {"min": 1, "max": 0}}}),
        "Sweep parameter 'opt.lr': min must be below max (got min=1, max=0).",
    ),
    (
        _base(lr={"distribution": "log_uniform_value", "min": 1, "max": 2}),
        "Sweep parameter 'lr': unknown distribution 'log_uniform_value' (did you mean 'log_uniform_values'?); known: "
        + ", ".join(DISTRIBUTIONS)
        + ".",
    ),
    (
        _base(lr={"mu": 1}),
        "Sweep parameter 'lr': needs value, values, min and max, or a distribution.",
    ),
    (
        _base(lr={"min": 0.0, "max": 1.0, "q": 0.1}),
        "Sweep parameter 'lr': field 'q' does not apply to distribution 'uniform' (it takes min, max).",
    ),
    (
        _base(lr={"value": 1, "values": [1]}),
        "Sweep parameter 'lr': field 'value' does not apply to distribution 'categorical' (it takes values, probabilities).",
    ),
    (
        _base(lr={"values": []}),
        "Sweep parameter 'lr': values must be a non-empty list (got []).",
    ),
    (
        _base(lr={"values": [1, 2], "probabilities": [0.5, 0.4]}),
        "Sweep parameter 'lr': probabilities must be a list of numbers of at least 0, one per value, summing to 1 (got [0.5, 0.4]).",
    ),
    (
        _base(lr={"values": [1, 2], "probabilities": [1.0]}),
        "Sweep parameter 'lr': probabilities must be a list of numbers of at least 0, one per value, summing to 1 (got [1.0]).",
    ),
    (
        _base(lr={"distribution": "int_uniform", "min": 0.5, "max": 3}),
        "Sweep parameter 'lr': distribution 'int_uniform' needs whole numbers (got min=0.5, max=3).",
    ),
    (
        _base(lr={"distribution": "uniform", "max": 3}),
        "Sweep parameter 'lr': distribution 'uniform' needs min and max.",
    ),
    (
        _base(lr={"min": 1.0, "max": 1.0}),
        "Sweep parameter 'lr': min must be below max (got min=1.0, max=1.0).",
    ),
    (
        _base(lr={"distribution": "log_uniform_values", "min": 0, "max": 1}),
        "Sweep parameter 'lr': distribution 'log_uniform_values' needs min > 0 (got min=0).",
    ),
    (
        _base(lr={"distribution": "q_uniform", "min": 0.1, "max": 0.2, "q": 0.5}),
        "Sweep parameter 'lr': no multiple of q=0.5 lies between min and max.",
    ),
    (
        _base(lr={"distribution": "q_uniform", "min": 0, "max": 1, "q": -1}),
        "Sweep parameter 'lr': q must be above 0 (got q=-1).",
    ),
    (
        _base(lr={"distribution": "normal", "sigma": 0}),
        "Sweep parameter 'lr': sigma must be above 0 (got sigma=0).",
    ),
    (
        _base(lr={"distribution": "normal", "mu": True}),
        "Sweep parameter 'lr': mu must be a number (got True).",
    ),
    (
        _base(lr={"min": "1e-5", "max": 0.1}),
        "Sweep parameter 'lr': min must be a number (got '1e-5'; YAML reads a number like 1e-5 as text: write 1.0e-5).",
    ),
    (
        _base(day={"values": [datetime.date(2024, 1, 2)]}),
        "Sweep parameter 'day': value datetime.date(2024, 1, 2) is not a JSON value (text, number, true/false, null, list or mapping).",
    ),
    (
        _base(x={"value": math.nan}),
        "Sweep parameter 'x': value nan is not a JSON value (text, number, true/false, null, list or mapping).",
    ),
    (
        {"method": "grid", "parameters": {"lr": {"min": 0.0, "max": 1.0}}},
        "Sweep parameter 'lr': method 'grid' cannot enumerate distribution 'uniform'; use value, values, int_uniform or q_uniform, or method random or bayes.",
    ),
    (
        {
            "method": "grid",
            "parameters": {"o": {"parameters": {"lr": {"distribution": "normal"}}}},
        },
        "Sweep parameter 'o.lr': method 'grid' cannot enumerate distribution 'normal'; use value, values, int_uniform or q_uniform, or method random or bayes.",
    ),
    (
        {
            "method": "grid",
            "parameters": {"b": {"values": [1, 2], "probabilities": [0.5, 0.5]}},
        },
        "Sweep parameter 'b': method 'grid' runs every value once, so probabilities do not apply; remove them or use method random.",
    ),
    (
        {**_base(), "metric": {"name": "l"}, "early_terminate": {"type": "envelope"}},
        f"{HB} must be {{type: hyperband, min_iter: ...}} (got {{'type': 'envelope'}}).",
    ),
    (
        {**_base(), "metric": {"name": "l"}, "early_terminate": {"type": "hyperband"}},
        f"{HB} needs min_iter, or max_iter together with s.",
    ),
    (
        {
            **_base(),
            "metric": {"name": "l"},
            "early_terminate": {"type": "hyperband", "max_iter": 9},
        },
        f"{HB} needs min_iter, or max_iter together with s.",
    ),
    (
        {
            **_base(),
            "metric": {"name": "l"},
            "early_terminate": {"type": "hyperband", "min_iter": 0},
        },
        f"{HB}: min_iter must be a whole number of at least 1 (got 0).",
    ),
    (
        {
            **_base(),
            "metric": {"name": "l"},
            "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 1},
        },
        f"{HB}: eta must be a number above 1 (got 1).",
    ),
    (
        {
            **_base(),
            "metric": {"name": "l"},
            "early_terminate": {"type": "hyperband", "min_iter": 3, "strict": "yes"},
        },
        f"{HB}: strict must be true or false (got 'yes').",
    ),
    (
        {
            **_base(),
            "metric": {"name": "l"},
            "early_terminate": {"type": "hyperband", "min_iter": 3, "grace": 1},
        },
        f"{HB}: 'grace' is unknown; hyperband takes min_iter, or max_iter and s, with eta and strict.",
    ),
    (
        {
            **_base(),
            "metric": {"name": "l"},
            "early_terminate": {"type": "hyperband", "max_iter": 2, "s": 1},
        },
        f"{HB}: max_iter / eta must be at least 1, or no run is ever compared.",
    ),
    (
        {**_base(), "command": "python train.py"},
        "Sweep key 'command' must be a list of words, e.g. [${env}, ${interpreter}, ${program}, ${args}] (got 'python train.py').",
    ),
    (
        {**_base(), "command": ["${env}", "${arg}"]},
        f"Sweep key 'command': unknown macro '${{arg}}'. Macros: {MACROS}.",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD, ids=[m[:60] for _, m in BAD])
def test_bad_definition_is_refused_with_its_message(data: Any, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_definition(data)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("method: [grid\n", "The sweep definition is not valid YAML: "),
        ("", "A sweep definition must be a mapping of keys (got nothing)."),
        ("- 1\n- 2\n", "A sweep definition must be a mapping of keys (got a list)."),
    ],
)
def test_bad_yaml_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(
        UsageError, match="^" + message.replace("(", r"\(").replace(")", r"\)")
    ):
        parse_definition(text)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"Cannot read sweep file '.*nope.yaml': No such file"
    ):
        parse_definition(tmp_path / "nope.yaml")


def test_yaml_without_pyyaml_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(UsageError) as caught:
        parse_definition(YAML)
    assert str(caught.value) == (
        "Reading a YAML sweep definition needs PyYAML: pip install pyyaml"
    )
    assert parse_definition(_base()).method == "random"  # dicts need no PyYAML


def test_sweeps_stay_out_of_import_runfold_and_import_no_optional_dependency() -> None:
    code = (
        "import sys, runfold; assert 'runfold.sweeps' not in sys.modules\n"
        "import runfold.sweeps\n"
        "heavy = {'optuna', 'yaml', 'numpy', 'sklearn'} & set(sys.modules)\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
