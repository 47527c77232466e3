"""``importers.records``: an imported run's log is written once, then only what
changed; an import cut short leaves a log the next one goes on from; a run that
was not imported from this source is never touched."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

import runfold
from runfold.importers.importer import StoreDestination, import_runs
from runfold.importers.records import (
    CHANGED,
    FOREIGN,
    SkipRun,
    read_previous,
    write_run,
)
from runfold.importers.source import Item, SourceRun
from runfold.model import RecordKind
from runfold.sdk.runlog import RUNLOG_NAME, scan


def _source(rows: int, *, fail_at: int | None = None, **fields: object) -> SourceRun:
    def read() -> Iterator[Item]:
        for step in range(rows):
            if step == fail_at:
                raise OSError("the disk went away")
            yield RecordKind.HISTORY, step, 1000.0 + step, {"loss": float(step)}

    run = SourceRun(origin="wandb", source_id="p/abc", location="here", project="p",
                    run_id="abc", name="abc", created_at=1000.0)  # fmt: skip
    for name, value in fields.items():
        setattr(run, name, value)
    run.read = read
    return run


def _steps(log: Path) -> list[int]:
    return [row[0] for _, kind, body in scan(log) if kind == "history" for row in body]


def test_again_appends_nothing_and_growth_appends_only_the_new_rows(
    tmp_path: Path,
) -> None:
    first = write_run(_source(5, config={"lr": math.nan}), tmp_path)
    assert (first.status, first.points) == ("new", 5)
    again = write_run(_source(5, config={"lr": math.nan}), tmp_path)
    assert (again.status, again.records) == ("unchanged", 0)
    grown = write_run(_source(8, config={"lr": math.nan}, tags=["x"]), tmp_path)
    assert (grown.status, grown.points) == ("updated", 3)
    assert _steps(tmp_path / RUNLOG_NAME) == list(range(8))
    assert read_previous(tmp_path / RUNLOG_NAME).identity["tags"] == [
        "x",
        "imported:wandb",
    ]


def test_a_stream_rewritten_before_its_end_is_left_alone_and_said(
    tmp_path: Path,
) -> None:
    write_run(_source(5), tmp_path)
    rewritten = _source(8)
    rows = list(rewritten.read())
    rows[4] = (RecordKind.HISTORY, 4, 5.0, {"loss": 4.0})  # another time at step 4
    rewritten.read = lambda: iter(rows)
    outcome = write_run(rewritten, tmp_path)
    assert outcome.points == 0
    assert outcome.notes == [CHANGED.format(kind="history")]
    assert _steps(tmp_path / RUNLOG_NAME) == list(range(5))


def test_an_import_cut_short_is_taken_up_where_it_stopped(tmp_path: Path) -> None:
    write_run(_source(5), tmp_path)
    with pytest.raises(OSError):
        write_run(_source(25_000, fail_at=15_000), tmp_path)
    done = _steps(tmp_path / RUNLOG_NAME)
    assert done == list(range(len(done))) and 5 < len(done) < 25_000
    write_run(_source(25_000), tmp_path)
    assert _steps(tmp_path / RUNLOG_NAME) == list(range(25_000))


def test_a_log_cut_by_a_kill_mid_write_is_taken_up_without_duplicates(
    tmp_path: Path,
) -> None:
    write_run(_source(25_000), tmp_path)
    log = tmp_path / RUNLOG_NAME
    log.write_bytes(log.read_bytes()[: log.stat().st_size * 2 // 3])  # a torn frame
    assert 0 < len(_steps(log)) < 25_000
    write_run(_source(25_000), tmp_path)
    assert _steps(log) == list(range(25_000))


def test_a_new_run_that_cannot_be_read_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_run(_source(20_000, fail_at=15_000), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_the_source_summary_is_set_only_where_it_is_not_the_last_value(
    tmp_path: Path,
) -> None:
    write_run(_source(3, summary={"loss": 2.0, "best": 0.5, "note": "x"}), tmp_path)
    assert read_previous(tmp_path / RUNLOG_NAME).summary == {"best": 0.5, "note": "x"}
    write_run(_source(3, summary={"loss": 2.0, "best": 0.5}), tmp_path)
    assert read_previous(tmp_path / RUNLOG_NAME).summary == {"best": 0.5}


def test_a_run_not_imported_from_this_source_is_left_alone(
    runfold_dir: Path, api: runfold.Api
) -> None:
    native = runfold.init(project="p", id="abc", mode="offline")
    native.log({"loss": 1.0})
    native.finish()
    run_dir = runfold_dir / "runs" / "p" / "abc"
    with pytest.raises(SkipRun) as info:
        write_run(_source(3), run_dir)
    assert str(info.value) == FOREIGN.format(
        run_id="abc", project="p", origin="wandb", where="here"
    )
    destination = StoreDestination(runfold_dir)
    summary = import_runs([_source(3)], runfold_dir, destination, origin="wandb")
    destination.close()
    assert list(summary.skipped.values())[0].startswith("run 'abc' of project 'p'")
    assert _steps(run_dir / RUNLOG_NAME) == [0]


def test_unchanged_source_files_are_not_read_again(tmp_path: Path) -> None:
    write_run(_source(5, fingerprint="f1"), tmp_path)
    untouched = _source(5, fingerprint="f1", fail_at=0)  # reading it would fail
    assert write_run(untouched, tmp_path).status == "unchanged"
    regrouped = write_run(_source(5, fingerprint="f1", group="g"), tmp_path)
    assert (regrouped.status, regrouped.points) == ("updated", 0)
    assert read_previous(tmp_path / RUNLOG_NAME).identity["group"] == "g"


def test_a_fingerprint_is_kept_only_for_a_run_written_whole(tmp_path: Path) -> None:
    write_run(_source(5), tmp_path)
    with pytest.raises(OSError):
        write_run(_source(25_000, fail_at=15_000, fingerprint="f2"), tmp_path)
    assert "fingerprint" not in read_previous(tmp_path / RUNLOG_NAME).origin
    write_run(_source(25_000, fingerprint="f2"), tmp_path)
    assert _steps(tmp_path / RUNLOG_NAME) == list(range(25_000))
    assert read_previous(tmp_path / RUNLOG_NAME).origin["fingerprint"] == "f2"
