"""The read path's one cache (runfold/query/cache.py): a second read is fast, and
never shows numbers the store would no longer give; each kind of change to a run
invalidates exactly the answers that depend on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import runfold
from runfold.query import ReadCache, rows_key


def _log(project: str, group: str, values: list[float], **init: object) -> str:
    run = runfold.init(project=project, group=group, reinit=True, **init)  # type: ignore[arg-type]
    for value in values:
        run.log({"loss": value})
    run.finish()
    return run.id


def test_a_repeated_read_is_kept_and_gives_the_same_numbers(api: runfold.Api) -> None:
    _log("p", "g", [1.0, 2.0])
    _log("p", "g", [3.0, 4.0])

    first = api.group_series("p", "loss")
    computed = dict(api.reader.cache.computed)
    again = api.group_series("p", "loss")

    assert api.reader.cache.computed == computed  # nothing computed again
    assert again == first
    assert again[0]["mean"] == [2.0, 3.0] and again[0]["count"] == [2, 2]


def test_new_points_of_a_run_show_at_once(api: runfold.Api) -> None:
    run_id = _log("p", "g", [1.0, 2.0])
    _log("p", "g", [3.0, 4.0])
    assert api.group_series("p", "loss")[0]["x"] == [0, 1]

    _log("p", "g", [10.0], id=run_id, resume="must")  # logs step 2

    entry = api.group_series("p", "loss")[0]
    assert entry["x"] == [0, 1, 2]
    assert entry["mean"] == [2.0, 3.0, 10.0]
    assert entry["count"] == [2, 2, 1]


def test_a_run_moved_to_another_group_leaves_the_old_groups_numbers(
    api: runfold.Api,
) -> None:
    moved = _log("p", "a", [1.0])
    _log("p", "a", [3.0])
    assert [e["mean"] for e in api.group_series("p", "loss")] == [[2.0]]

    run = api.run(f"p/{moved}")
    run.group = "b"
    run.update()

    entries = api.group_series("p", "loss")
    assert {e["name"]: e["mean"] for e in entries} == {"a": [3.0], "b": [1.0]}


def test_other_keys_over_the_same_runs_share_numbers_but_keep_their_names(
    api: runfold.Api,
) -> None:
    _log("p", "g", [1.0, 2.0], job_type="train")
    _log("p", "g", [3.0, 4.0], job_type="train")

    by_group = api.group_series("p", "loss", by=["group"])
    by_both = api.group_series("p", "loss", by=["group", "job_type"])

    assert list(by_group[0]["key"]) == ["g"]
    assert list(by_both[0]["key"]) == ["g", "train"]
    assert by_both[0]["name"] != by_group[0]["name"]
    assert by_both[0]["mean"] == by_group[0]["mean"] == [2.0, 3.0]


def test_changing_an_answer_does_not_change_the_next_one(api: runfold.Api) -> None:
    _log("p", "g", [1.0, 2.0])
    _log("p", "g", [3.0, 4.0])
    api.group_series("p", "loss")[0]["mean"][0] = 99.0  # computed, then kept

    entry = api.group_series("p", "loss")[0]
    entry["mean"][1] = 99.0  # read from what was kept
    assert api.group_series("p", "loss")[0]["mean"] == [2.0, 3.0]


def test_the_oldest_answers_go_first_beyond_the_size_limit() -> None:
    cache = ReadCache(max_bytes=2_000)
    computed = []

    def compute(tag: str) -> str:
        computed.append(tag)
        return tag

    def size(_: str) -> int:
        return 1_700

    cache.get("a", (), lambda: compute("a"), size)
    cache.get("a", (), lambda: compute("a"), size)
    cache.get("b", (), lambda: compute("b"), size)  # pushes "a" out
    cache.get("a", (), lambda: compute("a"), size)

    assert computed == ["a", "b", "a"]
    assert cache.hits == 1


def test_answers_are_keyed_by_the_question_and_each_runs_state() -> None:
    class Row:
        def __init__(self, pk: int, state: str) -> None:
            self.pk, self.updated_at, self.last_seq, self.state = pk, 1.0, 3, state

    cache = ReadCache()
    calls: list[str] = []

    def answer(name: str) -> str:
        calls.append(name)
        return name

    rows = rows_key([Row(1, "running")])
    assert cache.get("q", rows, lambda: answer("one")) == "one"
    assert cache.get("q", rows, lambda: answer("again")) == "one"  # kept
    crashed = rows_key([Row(1, "crashed")])
    assert cache.get("q", crashed, lambda: answer("crashed")) == "crashed"
    assert cache.get("other", rows, lambda: answer("other")) == "other"
    assert calls == ["one", "crashed", "other"]


def _computed(api: runfold.Api, read: Callable[[], Any]) -> dict[str, int]:
    """What ``read`` computed anew, by kind: group rows, the folding of runs into
    lines, and the lines' point arrays (the costly part)."""
    before = dict(api.reader.cache.computed)
    read()
    after = api.reader.cache.computed
    return {
        k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)
    }


def test_each_change_invalidates_exactly_what_depends_on_it(api: runfold.Api) -> None:
    first = _log("p", "a", [1.0, 2.0], job_type="train")
    _log("p", "a", [3.0, 4.0], job_type="train")
    beat = time.time() - 26.0  # a heartbeat older than 31 s means the process is gone
    api.store.ingest("p", "r9", [
        (1, "run", {"name": "r9", "group": "b", "job_type": "train", "created_at": beat}),
        (2, "history", [(0, beat, {"loss": 7.0})]),
    ], heartbeat_at=beat)  # fmt: skip

    def rows() -> Any:
        return [(g.name, g.count, g.state) for g in api.group_rows("p")]

    def by_group() -> Any:
        return [
            (e["name"], e["mean"], e["running"]) for e in api.group_series("p", "loss")
        ]

    def by_job() -> Any:
        return [
            (e["name"], e["mean"])
            for e in api.group_series("p", "loss", by=["job_type"])
        ]

    reads = (rows, by_group, by_job)
    for read in reads:
        read()
    assert [_computed(api, read) for read in reads] == [{}, {}, {}]  # all kept

    # a new point: every answer over that run is computed again
    _log("p", "a", [10.0], id=first, resume="must")
    assert [_computed(api, read) for read in reads] == [
        {"groups": 1}, {"lines": 1, "points": 1}, {"lines": 1, "points": 1},
    ]  # fmt: skip
    assert by_group()[0] == ("a", [2.0, 3.0, 10.0], 0)

    # a move to another group: group rows and the lines by group; the lines by job
    # type are folded again (a run changed) but their points are kept (the same
    # runs' points, folded the same way)
    run = api.run(f"p/{first}")
    run.group = "b"
    run.update()
    assert [_computed(api, read) for read in reads] == [
        {"groups": 1}, {"lines": 1, "points": 1}, {"lines": 1},
    ]  # fmt: skip
    assert [name for name, _, _ in by_group()] == ["a", "b"]
    assert by_job() == [("train", [11 / 3, 3.0, 10.0])]

    # a stopped heartbeat (the state alone changes): no point array is computed
    # again; group rows and the lines' running counts follow
    assert by_group()[1][2] == 1 and rows()[1][2] == "running"
    time.sleep(max(0.0, beat + 31.5 - time.time()))
    assert [_computed(api, read) for read in reads] == [
        {"groups": 1}, {"lines": 1}, {"lines": 1},
    ]  # fmt: skip
    assert by_group()[1][2] == 0 and rows()[1][2] == "crashed"


def test_fields_give_the_same_arrays_computed_or_kept(api: runfold.Api) -> None:
    _log("p", "g", [1.0, 2.0])
    _log("p", "g", [3.0, 5.0])
    full = api.group_series("p", "loss")[0]
    api.reader.cache.clear()
    fields = ["mean", "max", "count", "x_lo"]  # x_lo: exact mode, so left out
    computed = api.series_page("p", ["loss"], fields=fields)["series"]["loss"][0]
    kept = api.series_page("p", ["loss"], fields=fields)["series"]["loss"][0]

    assert computed == kept
    arrays = {"x", "mean", "max", "count"}
    assert set(computed) == arrays | {
        "key",
        "name",
        "runs",
        "run_ids",
        "running",
        "mode",
    }
    assert {k: computed[k] for k in arrays} == {k: full[k] for k in arrays}
    assert computed["max"] == [3.0, 5.0]
