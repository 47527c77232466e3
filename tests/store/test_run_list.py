"""``list_runs``' key (one query names a project's runs as they are) and history
chunks of consecutive steps, which store no step bytes (issue 19)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from runfold.store import open_store
from runfold.store.base import Store


def _run(name: str, steps: list[int], *, finished: bool = True) -> list[Any]:
    now = time.time()
    records: list[Any] = [
        (1, "run", {"name": name, "group": "g", "created_at": now,
                    "heartbeat_seconds": 1}),
        (2, "history", [(s, now + s, {"loss": 1.0 / (s + 1)}) for s in steps]),
    ]  # fmt: skip
    if finished:
        records.append((3, "finish", {"state": "finished", "exit_code": 0, "at": now}))
    return records


def test_the_key_moves_with_every_change_to_the_projects_runs(store: Store) -> None:
    store.ingest("p", "a", _run("a", [0, 1, 2]))
    store.ingest("p", "b", _run("b", [0, 1], finished=False))
    first = store.list_runs("p")
    again = store.list_runs("p")
    assert again.key == first.key and [r.id for r in again] == ["a", "b"]

    store.ingest("p", "b", [(3, "history", [(2, time.time(), {"loss": 0.1})])])
    after_points = store.list_runs("p")
    assert after_points.key != again.key
    assert after_points[1].metrics["loss"].count == 3

    store.update_run("p", "a", {"notes": "baseline"})
    after_edit = store.list_runs("p")
    assert after_edit.key != after_points.key and after_edit[0].notes == "baseline"

    store.ingest("p", "c", _run("c", [0]))
    after_new = store.list_runs("p")
    assert after_new.key != after_edit.key and len(after_new) == 3

    # another project's runs are not these
    store.ingest("q", "z", _run("z", [0]))
    assert store.list_runs("p").key == after_new.key


def test_a_heartbeat_refreshes_the_run_and_its_state(store: Store) -> None:
    store.ingest("p", "live", _run("live", [0], finished=False))
    beat = time.time()
    store.heartbeat("p", "live", beat)
    listed = store.list_runs("p")
    assert listed[0].state == "running" and listed[0].heartbeat_at == beat

    later = beat + 0.5
    store.heartbeat("p", "live", later)
    again = store.list_runs("p")
    # the same runs (the key holds), with the new heartbeat
    assert again.key == listed.key and again[0].heartbeat_at == later

    store.heartbeat("p", "live", beat - 3600)  # its process went away an hour ago
    stale = store.list_runs("p")
    assert stale[0].state == "crashed" and stale.key != again.key


def test_writes_by_another_connection_are_seen(tmp_path: Path) -> None:
    path = tmp_path / "runfold.db"
    reader, writer = open_store(path), open_store(path)
    try:
        writer.ingest("p", "a", _run("a", [0, 1]))
        listed = reader.list_runs("p")
        writer.ingest("p", "b", _run("b", [0]))
        writer.update_run("p", "a", {"tags": ["x"]})
        seen = reader.list_runs("p")
        assert seen.key != listed.key
        assert [(r.id, r.tags) for r in seen] == [("a", ["x"]), ("b", [])]
    finally:
        reader.close()
        writer.close()


def _step_bytes(store: Store) -> list[int]:
    with store._read() as cur:  # type: ignore[attr-defined]
        rows = store._all(  # type: ignore[attr-defined]
            cur,
            "SELECT r.id, length(c.steps) FROM history_chunks c "
            "JOIN runs r ON r.pk = c.run_pk ORDER BY r.id",
            (),
        )
    return [size for _, size in rows]


def test_consecutive_steps_store_no_step_bytes_and_read_back_equal(
    store: Store,
) -> None:
    store.ingest("p", "dense", _run("dense", list(range(5, 105))))
    store.ingest("p", "sparse", _run("sparse", [0, 2, 3, 10]))
    store.ingest("p", "single", _run("single", [7]))
    assert _step_bytes(store) == [0, 0, 32]

    runs = {r.id: r for r in store.list_runs("p")}
    for run_id, steps in (
        ("dense", list(range(5, 105))),
        ("sparse", [0, 2, 3, 10]),
        ("single", [7]),
    ):
        pk = runs[run_id].pk
        expected = [1.0 / (s + 1) for s in steps]
        history = store.history(pk, ["loss"])["loss"]
        assert history.steps.tolist() == steps
        assert history.values.tolist() == expected
        assert len(history.timestamps) == len(steps)
        bare = store.series([pk], "loss", times=False)[pk]
        assert bare.steps.dtype == np.int64 and bare.steps.tolist() == steps
        assert bare.values.tolist() == expected and len(bare.timestamps) == 0
        full = store.series([pk], "loss")[pk]
        assert full.timestamps.tolist() == history.timestamps.tolist()


def test_a_run_resumed_later_keeps_each_chunks_steps(store: Store) -> None:
    store.ingest("p", "r", _run("r", [0, 1, 2], finished=False))
    now = time.time()
    store.ingest(
        "p", "r", [(3, "history", [(s, now, {"loss": float(s)}) for s in (10, 11)])]
    )
    run = store.list_runs("p")[0]
    history = store.history(run.pk, ["loss"])["loss"]
    assert history.steps.tolist() == [0, 1, 2, 10, 11]
    assert history.values.tolist() == [1.0, 0.5, 1.0 / 3, 10.0, 11.0]


def test_a_short_runs_downsampled_form_stores_only_its_buckets(store: Store) -> None:
    store.ingest("p", "short", _run("short", list(range(100))))
    store.ingest("p", "long", _run("long", list(range(3000))))
    with store._read() as cur:  # type: ignore[attr-defined]
        sizes = dict(
            store._all(  # type: ignore[attr-defined]
                cur,
                "SELECT r.id, length(l.sums) FROM history_lod l "
                "JOIN runs r ON r.pk = l.run_pk",
                (),
            )
        )
    # 100 buckets of one step; 3,000 steps in buckets of 4 fill 750 of them
    assert sizes == {"short": 100 * 8, "long": 750 * 8}
    runs = {r.id: r.pk for r in store.list_runs("p")}
    lods = store.lods(list(runs.values()), "loss")
    short = lods[runs["short"]]
    assert len(short.sums) == 1024 and short.counts[:100].tolist() == [1.0] * 100
    assert (
        short.sums[:3].tolist() == [1.0, 0.5, 1.0 / 3] and not short.counts[100:].any()
    )
    long = lods[runs["long"]]
    assert long.width == 4 and long.counts[:750].tolist() == [4.0] * 750


def test_listed_runs_decode_tags_config_and_summary_when_first_read(
    store: Store,
) -> None:
    # A chart grouped by a run field reads none of them (issue 19): they stay
    # encoded until read, then read as a RunRow made with them would.
    import pickle
    from dataclasses import replace

    from runfold.store.rows import RunRow

    store.ingest("p", "a", [
        *_run("a", [0, 1, 2]),
        (4, "config", {"lr": 0.1, "model": {"depth": 3}}),
        (5, "update", {"tags": ["x", "y"]}),
        (6, "summary", {"best": 7}),
    ])  # fmt: skip
    row = store.list_runs("p")[0]
    assert "config" not in vars(row) and "summary" not in vars(row)
    assert row.config == {"lr": 0.1, "model": {"depth": 3}}
    assert "config" in vars(row) and row.config is row.config  # decoded once
    assert row.tags == ["x", "y"]
    assert row.summary == {"loss": 1.0 / 3, "best": 7}
    plain = RunRow(**{f: getattr(row, f) for f in RunRow.__dataclass_fields__})
    assert row == plain and plain == row
    assert replace(row, notes="n").config == row.config
    again = store.list_runs("p")[0]  # kept decoded rows, a copy decodes its own
    assert pickle.loads(pickle.dumps(again)) == plain
    assert replace(row, state="crashed") != plain
