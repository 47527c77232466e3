"""Run filters in W&B's MongoDB-like shape (``Api.runs(filters=...)``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import runfold
from runfold.query.filters import OPERATORS, compile_filters


def make_run(
    name: str,
    *,
    config: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    group: str | None = None,
    state: str = "finished",
) -> SimpleNamespace:
    return SimpleNamespace(
        id=name, name=name, group=group, job_type=None, state=state, host="h",
        notes=None, tags=tags or [], created_at=0.0, updated_at=0.0,
        finished_at=None, exit_code=0, config=config or {}, summary=summary or {},
    )  # fmt: skip


RUNS = [
    make_run(
        "a", group="exp", tags=["base", "v1"], state="finished",
        config={"lr": 0.1, "opt": {"name": "adam"}, "layers": [64, 32], "flag": True},
        summary={"loss": 0.5, "eval": {"acc": 0.9}},
    ),
    make_run(
        "b", group="exp", tags=["v1"], state="failed",
        config={"lr": 0.01, "opt": {"name": "sgd"}, "layers": [128], "flag": 1},
        summary={"loss": 1.5},
    ),
    make_run("c", group=None, tags=[], state="running",
             config={"lr": None, "opt.name": "adam"}),
    make_run("d", group="other", config={"lr": 1.0, "name": "text"},
             summary={"loss": 0.25}),
]  # fmt: skip


def matching(filters: Any) -> list[str]:
    keep = compile_filters(filters)
    return [r.name for r in RUNS if keep(r)]


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        (None, ["a", "b", "c", "d"]),
        ({}, ["a", "b", "c", "d"]),
        ({"group": "exp"}, ["a", "b"]),
        ({"group": {"$eq": "exp"}}, ["a", "b"]),
        ({"group": {"$ne": "exp"}}, ["c", "d"]),
        ({"group": None}, ["c"]),
        ({"state": {"$in": ["failed", "running"]}}, ["b", "c"]),
        ({"state": {"$nin": ["failed", "running"]}}, ["a", "d"]),
        ({"config.lr": {"$gt": 0.01}}, ["a", "d"]),
        ({"config.lr": {"$gte": 0.1}}, ["a", "d"]),
        ({"config.lr": {"$lt": 0.1}}, ["b"]),
        ({"config.lr": {"$lte": 0.1}}, ["a", "b"]),
        ({"config.lr": {"$gt": 0.01, "$lt": 1.0}}, ["a"]),
        ({"config.lr": 1}, ["d"]),  # numbers compare by value: 1 == 1.0
        ({"config.lr": {"$exists": True}}, ["a", "b", "d"]),
        ({"config.lr": {"$exists": False}}, ["c"]),
        ({"config.opt.name": "adam"}, ["a", "c"]),  # nested, or a key with dots
        ({"config.layers.0": {"$gte": 100}}, ["b"]),
        ({"config.layers.1": {"$exists": True}}, ["a"]),
        ({"config.flag": True}, ["a"]),  # True is not 1
        ({"config.flag": 1}, ["b"]),
        ({"config.flag": {"$in": [1]}}, ["b"]),
        ({"config.name": {"$gt": 0}}, []),  # text vs number: no match, no error
        ({"summary.loss": {"$lt": 1}}, ["a", "d"]),
        ({"summary_metrics.loss": {"$lt": 1}}, ["a", "d"]),
        ({"summary.eval.acc": {"$gte": 0.9}}, ["a"]),
        ({"summary.loss": {"$exists": False}}, ["c"]),
        ({"tags": "v1"}, ["a", "b"]),
        ({"tags": {"$eq": "base"}}, ["a"]),
        ({"tags": {"$ne": "base"}}, ["b", "c", "d"]),
        ({"tags": {"$in": ["base", "zzz"]}}, ["a"]),
        ({"tags": {"$nin": ["v1"]}}, ["c", "d"]),
        ({"$and": [{"group": "exp"}, {"config.lr": {"$lt": 0.05}}]}, ["b"]),
        ({"$or": [{"group": "other"}, {"tags": "base"}]}, ["a", "d"]),
        ({"$or": [{"$and": [{"group": "exp"}, {"state": "failed"}]}, {"group": None}]},
         ["b", "c"]),
        ({"group": "exp", "state": "finished"}, ["a"]),
    ],
)  # fmt: skip
def test_filters_select_runs(filters: Any, names: list[str]) -> None:
    assert matching(filters) == names


def test_filters_treat_missing_like_null() -> None:
    # As MongoDB and the (none) group: config.lr missing on run "x" and null on "c".
    runs = [*RUNS, make_run("x")]

    def names(filters: dict[str, Any]) -> list[str]:
        keep = compile_filters(filters)
        return [r.name for r in runs if keep(r) and r.name in ("c", "x", "d")]

    assert names({"config.lr": None}) == ["c", "x"]
    assert names({"config.lr": {"$in": [None, 1.0]}}) == ["c", "d", "x"]
    assert names({"config.lr": {"$ne": 1.0}}) == ["c", "x"]
    assert names({"config.lr": {"$nin": [1.0]}}) == ["c", "x"]
    assert names({"config.lr": {"$gt": -1}}) == ["d"]
    assert names({"config.lr": {"$lte": 1e9}}) == ["d"]


@pytest.mark.parametrize("op", ["$gtt", "$where", "$not", "gt"])
def test_filters_reject_unknown_operator_naming_it_and_the_valid_ones(op: str) -> None:
    with pytest.raises(runfold.UsageError) as info:
        compile_filters({"config.lr": {op: 1}})

    message = str(info.value)
    assert repr(op) in message
    assert "'config.lr'" in message
    assert all(valid in message for valid in OPERATORS)


@pytest.mark.parametrize("op", ["$xor", "$gt"])
def test_filters_reject_unknown_top_level_operator(op: str) -> None:
    with pytest.raises(runfold.UsageError) as info:
        compile_filters({op: [{"group": "a"}]})

    message = str(info.value)
    assert repr(op) in message
    assert "$and" in message and "$or" in message
    assert all(valid in message for valid in OPERATORS)


def test_regex_and_nor_as_in_wandbs_filters() -> None:
    """W&B's public API takes both (``$regex`` matches anywhere, re.search)."""
    runs = [_Run(name) for name in ("lr-0.1", "lr-0.2", "wd-0.1")]
    match = compile_filters({"name": {"$regex": "^lr-"}})
    assert [r.name for r in runs if match(r)] == ["lr-0.1", "lr-0.2"]
    match = compile_filters({"$nor": [{"name": "lr-0.1"}, {"name": {"$regex": "wd"}}]})
    assert [r.name for r in runs if match(r)] == ["lr-0.2"]
    with pytest.raises(runfold.UsageError, match=r"\$regex for 'name'"):
        compile_filters({"name": {"$regex": "("}})


class _Run:
    def __init__(self, name: str) -> None:
        self.name = name


def test_filters_reject_unknown_field() -> None:
    with pytest.raises(runfold.UsageError, match="'colour'"):
        compile_filters({"colour": "red"})


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"state": {"$in": "finished"}}, r"\$in takes a list"),
        ({"$or": {"group": "a"}}, r"\$or takes a list of filters"),
        (["group", "a"], "filters must be a dict"),
    ],
)
def test_filters_reject_malformed_arguments(filters: Any, message: str) -> None:
    with pytest.raises(runfold.UsageError, match=message):
        compile_filters(filters)(RUNS[0])


def test_filters_apply_to_runs_read_from_the_store(api: runfold.Api) -> None:
    for lr, tags in ((0.1, ["a"]), (0.001, ["a", "b"]), (0.5, None)):
        run = runfold.init(project="p", config={"lr": lr}, tags=tags, reinit=True)
        run.log({"loss": lr * 10})
        run.finish()

    def lrs(filters: dict[str, Any]) -> list[float]:
        return sorted(r.config["lr"] for r in api.runs("p", filters=filters))

    assert lrs({"config.lr": {"$gte": 0.1}}) == [0.1, 0.5]
    assert lrs({"summary.loss": {"$lt": 1}}) == [0.001]
    assert lrs({"tags": "b"}) == [0.001]
    assert lrs({"tags": {"$nin": ["a"]}}) == [0.5]
    assert lrs({"state": "finished"}) == [0.001, 0.1, 0.5]


# ---- the filter box's text ({"$text": ...}) ------------------------------------

# Runs as the runs table sees them (the API's JSON), for both sides of the parity
# test: the server's predicate and the UI's own parser (lib/filterexpr.js).
BOX_RUNS: list[dict[str, Any]] = [
    {"id": "a", "name": "bert-base", "group": "exp 1", "job_type": "train",
     "state": "finished", "host": "gpu-1", "tags": ["best", "v1"], "notes": None,
     "created_at": 100.0, "runtime": 30.5,
     "config": {"lr": 0.01, "opt": {"name": "adam"}, "flag": True, "bs": "64",
                "layers": [64, 32], "tiny": 1e-7, "big": 1e21},
     "summary": {"loss": 0.2, "eval/acc": 0.91}},
    {"id": "b", "name": "gpt-small", "group": None, "job_type": None,
     "state": "crashed", "host": "gpu-2", "tags": [], "notes": "oom",
     "created_at": 200.0, "runtime": 5.0,
     "config": {"lr": 0.1, "opt": {"name": "sgd"}, "flag": False, "bs": 128,
                "layers": [5], "tiny": 0.00001},
     "summary": {"loss": 0.9}},
    {"id": "c", "name": "bert-large", "group": "exp 2", "job_type": "eval",
     "state": "finished", "host": None, "tags": ["wip"], "notes": None,
     "created_at": 300.0, "runtime": 100.0,
     "config": {"lr": 0.001, "opt.name": "adam", "bs": "0.10"}, "summary": {}},
    {"id": "d", "name": "T5 ÜBER", "group": "exp 1", "job_type": "train",
     "state": "failed", "host": "gpu-1", "tags": ["v1"], "notes": None,
     "created_at": 400.0, "runtime": 0.0,
     "config": {"lr": "0.01", "flag": 1, "bs": None}, "summary": {"loss": None}},
]  # fmt: skip

BOX_TEXTS = [
    "", "bert", "BEST", "bert exp", "über", '"exp 1"', "v1 train",
    "config.lr>0.005", "config.lr >= 0.01", "config.lr<=0.01 bert", "config.lr=0.01",
    "config.lr!=0.01", "config.lr=1e-2", "config.bs=64", "config.bs>100",
    "config.bs=0.1", "config.bs=null", "config.bs!=null", "config.flag=true",
    "config.flag=1", "config.flag>0", "config.opt.name=adam", "config.opt.name!=adam",
    "config.layers=64,32", "config.layers>4", "config.layers~^\\[64",
    "config.tiny~e-7", "config.tiny~0.00001", "config.big~e\\+21",
    "summary.loss<0.5", "summary.loss=null", "summary.eval/acc>=0.9",
    "state!=crashed", "state=finished", "group=null", 'group="exp 1"',
    "job_type=eval", "host=null", "tags=best", "tags!=wip", "tags~^v",
    "name~^bert-(base|large)", "name~GPT", "notes~oom", "runtime>10",
    "created_at<=200", "id=c",
    # mistakes: both sides refuse them
    'group="exp', ">0.1", "config.lr>", "colour=red", "config.lr>abc", "name~(",
]  # fmt: skip


def _node_picks(texts: list[str]) -> list[Any]:
    """What lib/filterexpr.js keeps for each text: run ids, or "error"."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the UI's filter parser needs it")
    lib = Path(runfold.__file__).parent / "web" / "static" / "lib" / "filterexpr.js"
    script = f"""
      import {{ matches, parseFilter }} from {json.dumps(lib.as_uri())};
      let text = "";
      for await (const chunk of process.stdin) text += chunk;
      const {{ runs, texts }} = JSON.parse(text);
      const out = texts.map((t) => {{
        try {{ const f = parseFilter(t); return runs.filter((r) => matches(r, f)).map((r) => r.id); }}
        catch (e) {{ return "error"; }}
      }});
      console.log(JSON.stringify(out));
    """
    proc = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps({"runs": BOX_RUNS, "texts": texts}),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _server_picks(text: str) -> Any:
    runs = [SimpleNamespace(**r) for r in BOX_RUNS]
    try:
        keep = compile_filters({"$text": text})
    except runfold.UsageError:
        return "error"
    return [r.id for r in runs if keep(r)]


def test_the_server_keeps_the_runs_the_filter_box_keeps() -> None:
    """One meaning for the filter box: the UI checks the text as it is typed, the
    server applies it to every run; for each text both keep the same runs."""
    ui = _node_picks(BOX_TEXTS)
    server = [_server_picks(t) for t in BOX_TEXTS]
    differ = [
        (t, u, s) for t, u, s in zip(BOX_TEXTS, ui, server, strict=True) if u != s
    ]
    assert differ == []
    # and the picks are the ones a user expects
    picks = dict(zip(BOX_TEXTS, server, strict=True))
    assert picks["bert"] == ["a", "c"]
    assert picks["config.lr=0.01"] == ["a", "d"]  # the number, and the text "0.01"
    assert picks["config.lr>0.005"] == ["a", "b", "d"]
    assert picks["summary.loss<0.5"] == ["a"]
    assert picks['group="exp 1"'] == ["a", "d"]
    assert picks["tags!=wip"] == ["a", "b", "d"]
    assert picks["config.lr>abc"] == "error"


def test_text_filters_combine_with_the_others() -> None:
    runs = [SimpleNamespace(**r) for r in BOX_RUNS]

    def ids(filters: dict[str, Any]) -> list[str]:
        keep = compile_filters(filters)
        return [r.id for r in runs if keep(r)]

    assert ids({"group": "exp 1", "$text": "bert"}) == ["a"]
    assert ids({"$and": [{"$text": "state=finished"}, {"$text": "bert-l"}]}) == ["c"]
    assert ids({"$or": [{"$text": "gpt"}, {"$text": "job_type=eval"}]}) == ["b", "c"]
    with pytest.raises(runfold.UsageError, match="compares with a number"):
        compile_filters({"$text": "config.lr>abc"})
    with pytest.raises(runfold.UsageError, match="filter box's text"):
        compile_filters({"$text": ["bert"]})


def test_text_filters_reach_runs_read_from_the_store(api: runfold.Api) -> None:
    for i, lr in enumerate((0.1, 0.001, 0.5)):
        run = runfold.init(
            project="p", name=f"run-{i}", config={"lr": lr}, tags=["t"], reinit=True
        )
        run.log({"loss": lr * 10})
        run.finish()

    def names(filters: dict[str, Any]) -> list[str]:
        return sorted(r.name for r in api.runs("p", filters=filters))

    assert names({"$text": "config.lr>=0.1"}) == ["run-0", "run-2"]
    assert names({"$text": "run-1 summary.loss<1"}) == ["run-1"]
    assert names({"$text": "tags=t", "config.lr": 0.5}) == ["run-2"]
