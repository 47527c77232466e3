"""Folding runs into groups by any column (DESIGN §2.3, §2.9)."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest

import runfold
from runfold.model import MISSING, value_at
from runfold.query.grouping import NONE_LABEL, group_runs, key_label


def make_run(
    name: str = "r",
    *,
    config: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    group: str | None = None,
    job_type: str | None = None,
    state: str = "finished",
) -> SimpleNamespace:
    """A stand-in with the attributes grouping reads from a RunRow or Api run."""
    return SimpleNamespace(
        id=name, name=name, group=group, job_type=job_type, state=state,
        host="h", notes=None, tags=tags or [], created_at=0.0, updated_at=0.0,
        finished_at=None, exit_code=0, config=config or {}, summary=summary or {},
    )  # fmt: skip


def names_by_group(runs: list[Any], by: list[str]) -> dict[str, list[str]]:
    return {
        key_label(key): [r.name for r in members]
        for key, members in group_runs(runs, by)
    }


# ---- value_at ---------------------------------------------------------------

CONFIG = {
    "lr": 0.01,
    "optimizer": {"name": "adam", "betas": [0.9, 0.999]},
    "layers": [64, {"units": 32}],
    "data.path": "/d",
    "batch size": 8,
    "none": None,
}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("config.lr", 0.01),
        ("config.optimizer.name", "adam"),
        ("config.optimizer", {"name": "adam", "betas": [0.9, 0.999]}),
        ("config.optimizer.betas.1", 0.999),
        ("config.layers.0", 64),
        ("config.layers.-1", {"units": 32}),
        ("config.layers.1.units", 32),
        ("config.data.path", "/d"),
        ("config.batch size", 8),
        ("config.none", None),
        ("summary.loss", 0.5),
        ("summary_metrics.loss", 0.5),
        ("summary.eval.acc", 0.75),
        ("group", "exp-1"),
        ("tags", ["a", "b"]),
    ],
)
def test_value_at_reads_run_fields_and_paths(key: str, value: Any) -> None:
    run = make_run(
        config=CONFIG, summary={"loss": 0.5, "eval": {"acc": 0.75}},
        tags=["a", "b"], group="exp-1",
    )  # fmt: skip

    assert value_at(run, key) == value


@pytest.mark.parametrize(
    "key",
    ["config.missing", "config.lr.deeper", "config.layers.2", "config.layers.-3",
     "config.layers.x", "config.layers.--1", "config.layers.²", "summary.loss"],
)  # fmt: skip
def test_value_at_is_missing_when_path_is_absent(key: str) -> None:
    assert value_at(make_run(config=CONFIG), key) is MISSING


def test_value_at_prefers_key_with_dots_over_nesting() -> None:
    run = make_run(config={"a.b": 1, "a": {"b": 2, "c": 3}})

    assert value_at(run, "config.a.b") == 1
    assert value_at(run, "config.a.c") == 3  # falls back to nesting


def test_value_at_rejects_unknown_field_naming_it() -> None:
    with pytest.raises(runfold.UsageError, match="'colour'.*config.<path>"):
        value_at(make_run(), "colour")


# ---- group_runs -------------------------------------------------------------


def test_group_runs_by_nested_config_path() -> None:
    runs = [
        make_run("r1", config={"optimizer": {"name": "adam"}}),
        make_run("r2", config={"optimizer": {"name": "sgd"}}),
        make_run("r3", config={"optimizer": {"name": "adam"}}),
    ]

    assert names_by_group(runs, ["config.optimizer.name"]) == {
        "adam": ["r1", "r3"],
        "sgd": ["r2"],
    }


def test_group_runs_by_list_item_and_key_with_dots() -> None:
    runs = [
        make_run("r1", config={"layers": [64, 32], "opt.name": "adam"}),
        make_run("r2", config={"layers": [128, 32], "opt.name": "adam"}),
    ]

    assert names_by_group(runs, ["config.layers.0"]) == {"64": ["r1"], "128": ["r2"]}
    assert names_by_group(runs, ["config.layers.1"]) == {"32": ["r1", "r2"]}
    assert names_by_group(runs, ["config.opt.name"]) == {"adam": ["r1", "r2"]}


def test_group_runs_puts_missing_and_null_in_one_none_group_last() -> None:
    runs = [
        make_run("missing", config={}),
        make_run("null", config={"lr": None}),
        make_run("set", config={"lr": 0.1}),
    ]

    groups = group_runs(runs, ["config.lr"])

    assert [key for key, _ in groups] == [(0.1,), (None,)]
    assert key_label(groups[-1][0]) == NONE_LABEL == "(none)"
    assert [r.name for r in groups[-1][1]] == ["missing", "null"]


def test_group_runs_by_run_group_with_ungrouped_runs_in_none() -> None:
    runs = [make_run("a1", group="a"), make_run("solo"), make_run("a2", group="a")]

    assert names_by_group(runs, ["group"]) == {"a": ["a1", "a2"], "(none)": ["solo"]}


def test_group_runs_by_several_keys_in_order() -> None:
    runs = [
        make_run("r1", config={"data": "cifar", "opt": "adam"}),
        make_run("r2", config={"data": "mnist", "opt": "adam"}),
        make_run("r3", config={"data": "cifar", "opt": "sgd"}),
        make_run("r4", config={"data": "cifar", "opt": "adam"}),
    ]

    groups = group_runs(runs, ["config.data", "config.opt"])

    assert [(key, [r.name for r in m]) for key, m in groups] == [
        (("cifar", "adam"), ["r1", "r4"]),
        (("cifar", "sgd"), ["r3"]),
        (("mnist", "adam"), ["r2"]),
    ]
    assert key_label(groups[0][0]) == "cifar / adam"


def test_group_runs_accepts_a_single_key_as_string() -> None:
    runs = [make_run("r1", group="a")]

    assert group_runs(runs, "group") == group_runs(runs, ["group"])  # type: ignore[arg-type]


def test_group_runs_puts_run_with_two_tags_in_both_groups() -> None:
    runs = [
        make_run("both", tags=["baseline", "ablation"]),
        make_run("base", tags=["baseline"]),
        make_run("untagged"),
        make_run("twice", tags=["ablation", "ablation"]),
    ]

    assert names_by_group(runs, ["tags"]) == {
        "ablation": ["both", "twice"],  # a tag listed twice counts once
        "baseline": ["both", "base"],
        "(none)": ["untagged"],
    }


def test_group_runs_by_tags_and_a_second_key_crosses_them() -> None:
    runs = [make_run("r1", tags=["x", "y"], job_type="train")]

    assert names_by_group(runs, ["tags", "job_type"]) == {
        "x / train": ["r1"],
        "y / train": ["r1"],
    }


def test_group_runs_keeps_values_exact_without_rounding() -> None:
    runs = [
        make_run("a", config={"lr": 0.1}),
        make_run("b", config={"lr": 0.1 + 0.2 - 0.2}),  # 0.10000000000000003
        make_run("c", config={"lr": 0.10000000000000002}),
        make_run("d", config={"lr": 0.1}),
    ]

    groups = names_by_group(runs, ["config.lr"])

    assert groups == {
        "0.1": ["a", "d"],
        "0.10000000000000002": ["c"],
        "0.10000000000000003": ["b"],
    }


def test_group_runs_merges_int_and_equal_float_into_one_group() -> None:
    # Decision: numbers group by value (JSON and the UI's JavaScript cannot tell
    # 1 from 1.0, and the filter {"config.epochs": 1} matches both). The group is
    # named by its first run's value.
    runs = [
        make_run("int", config={"epochs": 1}),
        make_run("float", config={"epochs": 1.0}),
    ]

    groups = group_runs(runs, ["config.epochs"])

    assert len(groups) == 1
    assert key_label(groups[0][0]) == "1"
    assert [r.name for r in groups[0][1]] == ["int", "float"]


def test_group_runs_keeps_booleans_apart_from_numbers() -> None:
    runs = [
        make_run("true", config={"x": True}),
        make_run("one", config={"x": 1}),
        make_run("false", config={"x": False}),
        make_run("zero", config={"x": 0}),
    ]

    assert names_by_group(runs, ["config.x"]) == {
        "0": ["zero"],
        "1": ["one"],
        "false": ["false"],
        "true": ["true"],
    }


def test_group_runs_puts_every_nan_in_one_group() -> None:
    # Distinct NaN objects: NaN != NaN and hashes by identity.
    runs = [
        make_run("n1", config={"x": float("nan")}),
        make_run("one", config={"x": 1.0}),
        make_run("n2", config={"x": float("nan")}),
    ]

    groups = group_runs(runs, ["config.x"])

    assert [key_label(k) for k, _ in groups] == ["1.0", "NaN"]
    assert [r.name for r in groups[1][1]] == ["n1", "n2"]
    assert math.isnan(groups[1][0][0])


def test_group_runs_sorts_numbers_numerically_then_text_then_none() -> None:
    runs = [
        make_run("ten", config={"x": 10}),
        make_run("none"),
        make_run("text", config={"x": "b"}),
        make_run("two", config={"x": 2}),
        make_run("half", config={"x": 0.5}),
    ]

    assert list(names_by_group(runs, ["config.x"])) == ["0.5", "2", "10", "b", "(none)"]


def test_group_runs_by_dict_and_list_values_names_them_as_json() -> None:
    runs = [
        make_run("r1", config={"opt": {"name": "adam", "lr": 1}}),
        make_run("r2", config={"opt": {"lr": 1, "name": "adam"}}),
        make_run("r3", config={"opt": [1, 2]}),
    ]

    assert names_by_group(runs, ["config.opt"]) == {
        "[1, 2]": ["r3"],
        '{"lr": 1, "name": "adam"}': ["r1", "r2"],
    }


def test_group_runs_by_summary_value() -> None:
    runs = [make_run("r1", summary={"best": "a"}), make_run("r2", summary={})]

    assert names_by_group(runs, ["summary.best"]) == {"a": ["r1"], "(none)": ["r2"]}


def test_group_runs_rejects_unknown_key() -> None:
    with pytest.raises(runfold.UsageError, match="'optimizer'"):
        group_runs([make_run()], ["optimizer"])


def test_group_runs_of_no_runs_is_empty() -> None:
    assert group_runs([], ["group"]) == []


# ---- through the SDK and the store -----------------------------------------


def test_api_groups_by_config_paths_of_runs_logged_with_the_sdk(
    api: runfold.Api,
) -> None:
    configs = [
        {"optimizer": {"name": "adam"}, "layers": [64, 32], "opt.beta": 0.9, "seed": 0},
        {"optimizer": {"name": "adam"}, "layers": [64, 16], "opt.beta": 0.9, "seed": 1},
        {"optimizer": {"name": "sgd"}, "layers": [128], "seed": 2},
        {"seed": 3},
    ]
    for config in configs:
        run = runfold.init(project="p", config=config, reinit=True)
        run.log({"loss": float(config["seed"])})
        run.finish()

    def counts(by: list[str]) -> dict[str, int]:
        return {g.name: g.count for g in api.groups("p", by=by)}

    assert counts(["config.optimizer.name"]) == {"adam": 2, "sgd": 1, "(none)": 1}
    assert counts(["config.layers.0"]) == {"64": 2, "128": 1, "(none)": 1}
    assert counts(["config.layers.1"]) == {"16": 1, "32": 1, "(none)": 2}
    assert counts(["config.opt.beta"]) == {"0.9": 2, "(none)": 2}
    assert counts(["config.optimizer.name", "config.layers.1"]) == {
        "adam / 16": 1,
        "adam / 32": 1,
        "sgd / (none)": 1,
        "(none) / (none)": 1,
    }


def test_api_groups_by_tags_lists_a_run_in_each_tag_group(api: runfold.Api) -> None:
    for tags in (["baseline", "v2"], ["v2"], None):
        runfold.init(project="p", tags=tags, reinit=True).finish()

    groups = {g.name: g for g in api.groups("p", by=["tags"])}

    assert {name: g.count for name, g in groups.items()} == {
        "baseline": 1,
        "v2": 2,
        "(none)": 1,
    }
    both = groups["baseline"].runs[0]
    assert both.id in [r.id for r in groups["v2"].runs]


# ---- keys over all runs: varying config, name regex ------------------------


def _sweep() -> list[Any]:
    runs = []
    for lr in (0.1, 0.01):
        for seed in (1, 2, 3):
            config = {"lr": lr, "seed": seed, "model": "mlp", "opt": {"name": "sgd"}}
            runs.append(make_run(f"lr{lr}-seed{seed}", config=config))
    runs[0].config["opt"]["name"] = "adam"
    return runs


def test_group_by_varying_config_except_seed_folds_seeds_together() -> None:
    groups = names_by_group(_sweep(), ["config.* except seed"])
    assert groups == {
        "lr=0.01, opt.name=sgd": ["lr0.01-seed1", "lr0.01-seed2", "lr0.01-seed3"],
        "lr=0.1, opt.name=adam": ["lr0.1-seed1"],
        "lr=0.1, opt.name=sgd": ["lr0.1-seed2", "lr0.1-seed3"],
    }


def test_group_by_varying_config_except_a_nested_prefix() -> None:
    groups = names_by_group(_sweep(), ["config.* except seed,opt"])
    assert list(groups) == ["lr=0.01", "lr=0.1"]
    assert [len(v) for v in groups.values()] == [3, 3]


def test_group_by_all_varying_config_keeps_every_run_apart() -> None:
    groups = names_by_group(_sweep(), ["config.*"])
    assert len(groups) == 6 and all(len(v) == 1 for v in groups.values())


def test_group_by_varying_config_when_nothing_varies() -> None:
    runs = [make_run("a", config={"lr": 1}), make_run("b", config={"lr": 1})]
    assert names_by_group(runs, ["config.*"]) == {"(same config)": ["a", "b"]}


def test_group_by_varying_config_rejects_bad_spelling() -> None:
    with pytest.raises(
        runfold.UsageError, match=r"write 'config.\*' or 'config.\* except"
    ):
        group_runs(_sweep(), ["config.* but seed"])


def test_group_by_name_regex_capture() -> None:
    groups = names_by_group(_sweep() + [make_run("other")], [r"name~^(lr[\d.]+)-"])
    assert groups == {
        "lr0.01": ["lr0.01-seed1", "lr0.01-seed2", "lr0.01-seed3"],
        "lr0.1": ["lr0.1-seed1", "lr0.1-seed2", "lr0.1-seed3"],
        NONE_LABEL: ["other"],
    }


def test_group_by_bad_regex_is_a_usage_error() -> None:
    with pytest.raises(runfold.UsageError, match=r"bad regular expression"):
        group_runs(_sweep(), ["name~(unclosed"])


def test_api_groups_by_varying_config_through_the_store(api: runfold.Api) -> None:
    for lr in (0.1, 0.2):
        for seed in range(3):
            run = runfold.init(
                project="v", config={"lr": lr, "seed": seed}, reinit=True
            )
            run.log({"loss": lr + seed})
            run.finish()
    rows = api.groups("v", by=["config.* except seed"])
    assert [(g.name, g.count) for g in rows] == [("lr=0.1", 3), ("lr=0.2", 3)]
    assert [g.summary["loss"]["mean"] for g in rows] == pytest.approx([1.1, 1.2])


def test_group_runs_by_a_text_field_matches_grouping_by_each_value() -> None:
    # A run field of text is grouped in one pass (query.grouping._by_text): the
    # same groups, members in order and key order as the general path gives.
    names = ["b", None, "a", "B", "10", "9", "a", None, "b", ""]
    runs = [SimpleNamespace(group=g, job_type=g, i=i) for i, g in enumerate(names)]
    fast = group_runs(runs, ["group"])
    general = group_runs(runs, ["job_type", "group"])  # the same values twice
    assert [(k, [r.i for r in rs]) for k, rs in fast] == [
        (k[1:], [r.i for r in rs]) for k, rs in general
    ]
    assert [k for k, _ in fast] == [
        ("",),
        ("10",),
        ("9",),
        ("B",),
        ("a",),
        ("b",),
        (None,),
    ]
    runs[3].group = 7  # not text: the general path, numbers first
    assert [k for k, _ in group_runs(runs, ["group"])][:2] == [(7,), ("",)]
