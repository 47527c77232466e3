"""Issue 18, data safety 1 and 2: a run log damaged in the middle loses only the
damaged bytes. Real training processes write the logs, real ``runfold sync``
processes load them (into the store, or up to a server on SQLite and on
PostgreSQL), and resuming a damaged run keeps every intact record."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgpack
import pytest

import runfold
from runfold.sdk.runlog import MAGIC, RUNLOG_NAME
from runfold.sync import find_run_logs, sync_all, sync_run_log
from tests.conftest import run_script
from tests.hardening.conftest import Served

HEADER = struct.Struct("<IIQ")
FAST = {"RUNFOLD_FLUSH_SECONDS": "0.02"}

# 5,000 points in about ten history frames (a pause after each 500 lets the
# writer flush them as a frame of their own).
OFFLINE_RUN = """
import sys, time
import runfold
run = runfold.init(project="dmg", id=sys.argv[1], mode="offline", resume=sys.argv[2])
start = run.step
for i in range(int(sys.argv[3])):
    runfold.log({"x": float(start + i)})
    if i % 500 == 499:
        time.sleep(0.1)
run.finish()
"""


def _offline_run(run_id: str, steps: int, resume: str = "never") -> str:
    proc = run_script(
        OFFLINE_RUN.replace("sys.argv[1]", repr(run_id))
        .replace("sys.argv[2]", repr(resume))
        .replace("int(sys.argv[3])", str(steps)),
        env=FAST,
    )
    return proc.stderr


def _frames(path: Path) -> list[tuple[int, int, int, str, Any]]:
    """(start, end, seq, kind, body) of each frame of an intact log."""
    data = path.read_bytes()
    pos, out = len(MAGIC), []
    while pos < len(data):
        length, _, seq = HEADER.unpack_from(data, pos)
        end = pos + HEADER.size + length
        kind, body = msgpack.unpackb(data[pos + HEADER.size : end], raw=False)
        out.append((pos, end, seq, kind, body))
        pos = end
    return out


def _damage_middle_history_frame(path: Path) -> tuple[int, int]:
    """Flip a payload byte of the middle history frame: (its seq, its rows)."""
    history = [f for f in _frames(path) if f[3] == "history"]
    assert len(history) >= 5, "the run wrote too few frames to damage the middle"
    start, _, seq, _, rows = history[len(history) // 2]
    data = bytearray(path.read_bytes())
    data[start + HEADER.size + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    return seq, len(rows)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runfold.cli", *args],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )  # fmt: skip


def _steps(api: runfold.Api, run_id: str) -> list[int]:
    run = api.run(f"dmg/{run_id}")
    return [row["_step"] for row in run.history(keys=["x"])]


class _Local:
    """``runfold.Api`` over the test's store directory, closed after use."""

    def __init__(self, directory: Path) -> None:
        self.api = runfold.Api(directory)

    def __enter__(self) -> runfold.Api:
        return self.api

    def __exit__(self, *exc: object) -> None:
        self.api.close()


def test_sync_loads_every_record_after_a_damaged_frame(runfold_dir: Path) -> None:
    """Issue 18: one bad frame in the middle of 5,000 points kept 2,451, silently."""
    _offline_run("mid00001", 5000)
    log = runfold_dir / "runs" / "dmg" / "mid00001" / RUNLOG_NAME
    seq, lost_rows = _damage_middle_history_frame(log)

    done = _cli("sync", str(runfold_dir / "runs"))

    assert done.returncode == 0, done.stderr
    assert f"run log {log} is damaged" in done.stderr
    assert f"record {seq} (1) lost" in done.stderr
    with _Local(runfold_dir) as api:
        steps = _steps(api, "mid00001")
        run = api.run("dmg/mid00001")
        assert len(steps) == 5000 - lost_rows and steps[-1] == 4999
        assert run.state == "finished"
    again = _cli("sync", str(runfold_dir / "runs"))
    assert "0 new records" in again.stdout


def test_resuming_a_damaged_run_keeps_the_records_after_the_damage(
    runfold_dir: Path,
) -> None:
    """Issue 18: resuming truncated the file at the damage, deleting the intact
    records after it for good."""
    _offline_run("res00001", 5000)
    log = runfold_dir / "runs" / "dmg" / "res00001" / RUNLOG_NAME
    seq, lost_rows = _damage_middle_history_frame(log)
    damaged = log.read_bytes()

    told = _offline_run("res00001", 1000, resume="allow")

    assert log.read_bytes()[: len(damaged)] == damaged, "the damaged log was cut"
    assert f"record {seq} (1) lost" in told
    done = _cli("sync", str(log.parent))
    assert done.returncode == 0, done.stderr
    with _Local(runfold_dir) as api:
        steps = _steps(api, "res00001")
    assert len(steps) == 6000 - lost_rows
    assert steps[-1000:] == list(range(5000, 6000))


def test_upload_sends_every_record_after_a_damaged_frame(
    runfold_dir: Path, server: Served
) -> None:
    _offline_run("up000001", 5000)
    log = runfold_dir / "runs" / "dmg" / "up000001" / RUNLOG_NAME
    _, lost_rows = _damage_middle_history_frame(log)

    done = _cli("sync", str(log.parent), "--base-url", server.url)

    assert done.returncode == 0, done.stderr
    assert "is damaged" in done.stderr
    api = runfold.Api(store=server.store)
    assert len(_steps(api, "up000001")) == 5000 - lost_rows
    assert api.run("dmg/up000001").state == "finished"


def _damage_magic(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:6] = b"\x00garb"
    path.write_bytes(bytes(data))


def _damage_first_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(MAGIC) + 1] ^= 0x5A  # the run record's length
    path.write_bytes(bytes(data))


def test_sync_reports_damaged_headers_and_syncs_every_run(runfold_dir: Path) -> None:
    """Issue 18: one damaged run-log header aborted `runfold sync` for the whole
    directory with a traceback."""
    for run_id in ("hdr00001", "hdr00002", "hdr00003"):
        _offline_run(run_id, 600)
    runs = runfold_dir / "runs" / "dmg"
    _damage_magic(runs / "hdr00001" / RUNLOG_NAME)
    _damage_first_header(runs / "hdr00002" / RUNLOG_NAME)

    done = _cli("sync", str(runfold_dir / "runs"))

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for run_id in ("hdr00001", "hdr00002"):
        assert f"{runs / run_id / RUNLOG_NAME} is damaged" in done.stderr
    assert "hdr00003" not in done.stderr
    with _Local(runfold_dir) as api:
        for run_id in ("hdr00001", "hdr00002", "hdr00003"):
            assert len(_steps(api, run_id)) == 600, run_id


def test_sync_all_skips_a_file_that_is_no_run_log_and_syncs_the_rest(
    runfold_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _offline_run("all00001", 100)
    bogus = runfold_dir / "runs" / "dmg" / "bogus001" / RUNLOG_NAME
    bogus.parent.mkdir()
    bogus.write_bytes(b"SQLite format 3\x00" + bytes(200))
    from runfold.store import open_store

    store = open_store(runfold_dir / "runfold.db")
    try:
        summary = sync_all(
            find_run_logs(runfold_dir / "runs"), lambda p: sync_run_log(store, p)
        )
    finally:
        store.close()

    assert list(summary.skipped) == [bogus]
    assert "is not a Runfold run log" in summary.skipped[bogus]
    assert [r.run_id for r in summary.results] == ["all00001"]
    assert f"skipped {bogus}" in capsys.readouterr().err


def test_sync_cli_goes_on_past_a_file_that_is_no_run_log(runfold_dir: Path) -> None:
    bogus = runfold_dir / "runs" / "dmg" / "aaaa0001" / RUNLOG_NAME
    bogus.parent.mkdir(parents=True)
    bogus.write_bytes(b"not a run log at all" * 10)
    _offline_run("cli00001", 100)

    done = _cli("sync", str(runfold_dir / "runs"))

    assert f"skipped {bogus}" in done.stderr and "Traceback" not in done.stderr
    assert done.returncode == 1  # said, but the rest went in
    with _Local(runfold_dir) as api:
        assert len(_steps(api, "cli00001")) == 100
