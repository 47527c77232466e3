"""Issue 18, data safety 5: when the run log cannot be written (disk full), what
is left goes to a private directory (0700, this user's own), never a fixed,
world-readable /tmp/runfold-spill, and the run says where."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from runfold.sdk.runlog import private_spill_dir
from tests.reliability.test_disk_full import _fill, _start, _wait, tiny_disk

__all__ = ["tiny_disk"]  # the fixture, shared with the disk-full tests


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def _tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temp directory is the test's own (``tempfile`` keeps what it found)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)


def test_spill_dir_is_private_to_the_user(tmp_path: Path) -> None:
    os.umask(old := os.umask(0))  # the most open umask a user could have
    try:
        path = private_spill_dir()
    finally:
        os.umask(old)
    assert path == tmp_path / f"runfold-spill-{os.getuid()}"
    assert _mode(path) == 0o700 and os.lstat(path).st_uid == os.getuid()


def test_spill_dir_made_open_by_someone_is_closed_again(tmp_path: Path) -> None:
    opened = tmp_path / f"runfold-spill-{os.getuid()}"
    opened.mkdir(mode=0o777)
    os.chmod(opened, 0o777)
    assert private_spill_dir() == opened and _mode(opened) == 0o700


def test_spill_dir_planted_as_a_symlink_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "attacker"
    elsewhere.mkdir()
    (tmp_path / f"runfold-spill-{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(OSError, match="not a directory of this user's"):
        private_spill_dir()


def test_a_full_disk_spills_into_the_private_dir(
    tiny_disk: Path, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    proc = _start(tiny_disk, marks, {"TMPDIR": str(spill_root)})
    _wait(marks / "logged-1", proc)
    filler = _fill(tiny_disk)
    (marks / "disk-full").touch()
    out, err = proc.communicate(timeout=180)
    filler.unlink()
    assert proc.returncode == 0, err
    private = spill_root / f"runfold-spill-{os.getuid()}"
    assert f"the rest of run 'full01' is in {private}/p/full01/run.rflog" in err
    assert _mode(private) == 0o700
    assert not (spill_root / "runfold-spill").exists()
