"""A full disk loses nothing that log() accepted: a real, tiny tmpfs fills up."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli

CHILD = """
import os, sys, time, runfold
from pathlib import Path
marks = Path(sys.argv[1])

def wait_for(name):
    while not (marks / name).exists():
        time.sleep(0.02)

run = runfold.init(project="p", id="full01")
step = 0
def log_steps(n):
    global step
    for _ in range(n):
        run.log({f"m{k}": step + k / 10 for k in range(8)})
        step += 1

log_steps(500)
run._writer.flush()
(marks / "logged-1").touch()
wait_for("disk-full")
log_steps(1500)
time.sleep(1.0)  # the writer tries, fails, keeps the rows
(marks / "logged-2").touch()
if os.environ.get("FREE_BEFORE_FINISH"):
    wait_for("disk-free")
    log_steps(500)
run.finish()
"""


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
        capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {proc.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def _wait(path: Path, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            out, err = proc.communicate(timeout=5)
            pytest.fail(f"child stopped early ({proc.returncode})\n{out}\n{err}")
        time.sleep(0.02)


def _start(disk: Path, marks: Path, extra: dict[str, str]) -> subprocess.Popen[str]:
    marks.mkdir()
    env = {
        **os.environ,
        "RUNFOLD_DIR": str(disk / "home"),
        "RUNFOLD_SILENT": "1",
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(marks)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _assert_every_point_once(home: Path, steps: int) -> None:
    api = runfold.Api(home)
    rows = api.run("p/full01").history()
    assert [r["_step"] for r in rows] == list(range(steps))
    assert all(r["m3"] == r["_step"] + 0.3 for r in rows)
    api.close()


def test_points_logged_while_the_disk_is_full_land_once_space_returns(
    tiny_disk: Path, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    proc = _start(tiny_disk, marks, {"FREE_BEFORE_FINISH": "1"})
    _wait(marks / "logged-1", proc)
    filler = _fill(tiny_disk)
    (marks / "disk-full").touch()
    _wait(marks / "logged-2", proc)
    filler.unlink()
    (marks / "disk-free").touch()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "cannot write the run log" in err and "keeping" in err
    _assert_every_point_once(tiny_disk / "home", 2500)


def test_disk_full_until_finish_spills_and_sync_recovers_everything(
    tiny_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marks = tmp_path / "marks"
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    proc = _start(tiny_disk, marks, {"TMPDIR": str(spill_root)})
    _wait(marks / "logged-1", proc)
    filler = _fill(tiny_disk)
    (marks / "disk-full").touch()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    spill = spill_root / f"runfold-spill-{os.getuid()}" / "p" / "full01"
    assert f"the rest of run 'full01' is in {spill}/run.rflog" in err
    filler.unlink()
    home = tiny_disk / "home"
    monkeypatch.setenv("RUNFOLD_DIR", str(home))
    for path in (home / "runs" / "p" / "full01", spill):
        result = CliRunner().invoke(cli, ["sync", str(path)])
        assert result.exit_code == 0, result.output
    _assert_every_point_once(home, 2000)
    api = runfold.Api(home)
    assert api.run("p/full01").state == "finished"
    api.close()
