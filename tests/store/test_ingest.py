"""Ingest is idempotent by (run, sequence) and never skips a gap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runfold.store import open_store
from runfold.store.base import Store


def _rows(start: int, n: int) -> list[Any]:
    return [(s, 1000.0 + s, {"x": float(s)}) for s in range(start, start + n)]


def _records() -> list[Any]:
    return [
        (1, "run", {"name": "r", "group": "g", "created_at": 1.0}),
        (2, "history", _rows(0, 10)),
        (3, "history", _rows(10, 10)),
        (4, "finish", {"state": "finished", "exit_code": 0, "at": 2.0}),
    ]


def _xs(store: Store) -> list[float]:
    run = store.get_run("p", "r1")
    assert run is not None
    return store.history(run.pk, ["x"])["x"].values.tolist()


def test_replaying_records_adds_nothing_twice(store: Store) -> None:
    assert store.ingest("p", "r1", _records()) == 4
    assert store.ingest("p", "r1", _records()) == 4
    assert store.ingest("p", "r1", _records()[1:3]) == 4
    assert _xs(store) == [float(i) for i in range(20)]
    run = store.get_run("p", "r1")
    assert run is not None and run.metrics["x"].count == 20 and run.next_step == 20


def test_a_gap_in_sequence_numbers_stops_ingest_until_filled(store: Store) -> None:
    records = _records()
    assert store.ingest("p", "r1", [records[0], records[2]]) == 1
    assert store.ingest("p", "r1", records[1:]) == 4
    assert _xs(store) == [float(i) for i in range(20)]


def test_reductions_follow_ingest(store: Store) -> None:
    store.ingest("p", "r1", _records())
    run = store.get_run("p", "r1")
    assert run is not None
    stats = run.metrics["x"]
    assert (stats.min, stats.min_step, stats.max, stats.max_step) == (0.0, 0, 19.0, 19)
    assert (stats.first, stats.last, stats.mean) == (0.0, 19.0, 9.5)
    assert run.summary == {"x": 19.0} and run.state == "finished"


def test_migrations_apply_once_across_reopen_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "runfold.db"
    open_store(path).close()
    s = open_store(path)
    with s._read() as cur:  # type: ignore[attr-defined]
        versions = [
            row[0] for row in cur.execute("SELECT version FROM schema_migrations")
        ]
    s.close()
    from runfold.store.migrations import load_migrations

    migrations = [v for v, _ in load_migrations("sqlite")]
    assert versions == migrations == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_both_dialects_have_the_same_migration_numbers() -> None:
    from runfold.store.migrations import load_migrations

    sqlite = [(v, len(s)) for v, s in load_migrations("sqlite")]
    postgres = [(v, len(s)) for v, s in load_migrations("postgres")]
    assert sqlite == postgres


def test_unwritable_store_directory_is_a_clear_error(tmp_path: Path) -> None:
    from runfold.errors import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match=r"Cannot open the store at .*RUNFOLD_DIR"):
        open_store(blocker / "sub" / "runfold.db")


def test_stat_columns_name_the_metric_stats_columns(store: Store) -> None:
    # Reductions are read back as Reductions(*row) from a SELECT of STAT_COLUMNS,
    # which are its field names: they must be the table's columns.
    from runfold.store.history import STAT_COLUMNS

    with store._read() as cur:  # type: ignore[attr-defined]
        cur.execute("SELECT * FROM metric_stats WHERE 1 = 0")
        columns = {d[0] for d in cur.description}
    assert columns == {"run_pk", "metric_id", *STAT_COLUMNS}
