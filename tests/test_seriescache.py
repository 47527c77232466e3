"""The Api keeps grouped series it computed (runfold/seriescache.py): a second
read is fast, and never shows numbers the store would no longer give."""

from __future__ import annotations

import runfold
from runfold.seriescache import SeriesCache


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
    hits = api._series_cache.hits
    again = api.group_series("p", "loss")

    assert api._series_cache.hits == hits + 1
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
    cache = SeriesCache(max_bytes=2_000)
    entry = {"key": ("g",), "x": [0.0] * 100, "mean": [1.0] * 100}  # ≈ 1,700 bytes
    groups = [(("g",), [])]
    computed = []

    def compute(tag: str) -> list[dict[str, object]]:
        computed.append(tag)
        return [dict(entry)]

    def meta(key: tuple, runs: object) -> dict[str, object]:
        return {"key": key}

    cache.entries("a", groups, lambda: compute("a"), meta)
    cache.entries("a", groups, lambda: compute("a"), meta)
    cache.entries("b", groups, lambda: compute("b"), meta)  # pushes "a" out
    cache.entries("a", groups, lambda: compute("a"), meta)

    assert computed == ["a", "b", "a"]
    assert cache.hits == 1


def test_fields_give_the_same_arrays_computed_or_kept(api: runfold.Api) -> None:
    _log("p", "g", [1.0, 2.0])
    _log("p", "g", [3.0, 5.0])
    full = api.group_series("p", "loss")[0]
    api._series_cache.clear()
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
