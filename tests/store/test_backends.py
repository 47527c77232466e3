"""SQLite and PostgreSQL give the same groups and grouped series."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

import runfold
from runfold.store import Store, open_store
from tests.store.conftest import POSTGRES_URL, _postgres_schema


def _fill(store: Store) -> None:
    rng = random.Random(7)
    for i in range(9):
        group = f"g{i % 3}"
        records: list[Any] = [
            (1, "run", {"name": f"r{i}", "group": group, "job_type": "train",
                        "tags": ["t"] if i % 2 else [], "created_at": 100.0 + i}),
            (2, "config", {"lr": [0.1, 0.01, 0.001][i % 3], "seed": i}),
        ]  # fmt: skip
        steps = 40 + 20 * (i % 4)
        rows = [
            (s, 1000.0 + s + i, {"loss": rng.random() + s / 100}) for s in range(steps)
        ]
        rows[5][2]["loss"] = float("nan")
        records.append((3, "history", rows))
        records.append(
            (4, "finish", {"state": "finished", "exit_code": 0, "at": 2000.0})
        )
        store.ingest("p", f"run{i}", records)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _results(store: Store) -> dict[str, Any]:
    _fill(store)
    api = runfold.Api(store=store)
    groups = api.groups("p", by=["group", "job_type"])
    return {
        "groups": [(g.name, g.count, g.states, g.config, g.summary) for g in groups],
        "exact": api.group_series("p", "loss", by=["group"], buckets=1000),
        "buckets": api.group_series("p", "loss", by=["config.lr"], buckets=8),
        "time": api.group_series("p", "loss", by=["tags"], x="_timestamp", buckets=5),
        "runs": [
            (r.id, r.summary, r.config) for r in api.runs("p", order="-summary.loss")
        ],
    }


def test_sqlite_and_postgres_give_identical_groups_and_series(tmp_path: Path) -> None:
    from runfold.store.postgres import PostgresStore

    sqlite = open_store(tmp_path / "runfold.db")
    conn, schema = _postgres_schema()
    postgres = PostgresStore(POSTGRES_URL, schema=schema, max_size=2)
    try:
        a, b = _results(sqlite), _results(postgres)
    finally:
        sqlite.close()
        postgres.close()
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()
    assert a.keys() == b.keys()
    for what in a:
        assert a[what], f"{what}: nothing to compare"
        assert _same(a[what], b[what]), what
    assert [e["mode"] for e in a["buckets"]] == ["buckets"] * 3


def test_reads_across_more_runs_than_one_list_of_ids_holds(store: Store) -> None:
    # Reads of many runs' rows go by lists of run ids: IN (...) lists of at most
    # IN_IDS ids on SQLite, one array on PostgreSQL. Every run must come back.
    from runfold.store.sqlbase import IN_IDS

    runs = 2 * IN_IDS + 7
    image = {"_type": "image-file", "path": "media/images/a.png", "format": "png"}
    for i in range(runs):
        store.ingest("p", f"r{i}", [
            (1, "run", {"name": f"r{i}", "group": f"g{i % 2}", "created_at": 1.0 + i}),
            (2, "history", [(0, 1.0, {"x": float(i)}), (1, 2.0, {"x": float(2 * i)})]),
            (3, "media", [(0, 1.0, {"img": image})] if i % 3 == 0 else []),
        ])  # fmt: skip
    rows = {r.id: r.pk for r in store.list_runs("p")}
    pks = [rows[f"r{i}"] for i in range(runs)]

    series = store.series(pks, "x")
    assert [series[pk].values.tolist() for pk in pks] == [
        [float(i), float(2 * i)] for i in range(runs)
    ]
    chunks = store.raw_chunks(pks, "x")
    assert sorted(chunks) == sorted(pks)
    assert sorted(store.lods(pks, "x")) == sorted(pks)
    with_media = len(range(0, runs, 3))
    assert store.project_media_keys("p", pks) == [("img", "image-file", with_media)]
    found, steps = store.media_at(pks, "img", None)
    assert len(found) == with_media and steps == [0]
    group = runfold.Api(store=store).group_series("p", "x", by=["group"])
    assert sum(line["count"][0] for line in group) == runs
