"""A run killed with SIGKILL while it stages a large artifact: no version is ever
visible half-stored, the metrics logged before the kill survive, and the next
run logs the same artifact whole, reusing the files the killed run had stored.
A real process, a real run log, store and files."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import runfold
from runfold.artifacts.blobs import BlobStore, blob_root
from runfold.errors import ProjectNotFound
from runfold.sdk.runlog import scan
from runfold.store import open_store
from runfold.sync import sync_run_log
from tests.artifacts.conftest import tree_bytes, write_tree
from tests.reliability.test_crash import FAST, _end, _start

FILES = 160
STAGER = """
import sys, time
import runfold

progress = open(sys.argv[1], "a", buffering=1)
run = runfold.init(project="crash", id="artkill1")
for step in range(50):
    runfold.log({"x": float(step)})
time.sleep(0.6)  # past the flush interval: these steps are durable
art = runfold.Artifact("big", "dataset")
art.add_dir(sys.argv[2])
run.log_artifact(art)
progress.write("handed\\n")
step = 50
while True:
    runfold.log({"x": float(step)})
    step += 1
    time.sleep(0.001)
"""


def _blobs(runfold_dir: Path) -> list[str]:
    return [sha for sha, _ in BlobStore(blob_root(runfold_dir, "crash")).blobs()]


def test_sigkill_while_staging_leaves_no_half_version_and_the_next_run_works(
    runfold_dir: Path, tmp_path: Path
) -> None:
    data = write_tree(tmp_path / "data", {
        f"shard-{i:03}.bin": os.urandom(1 << 20) for i in range(FILES)
    })  # fmt: skip
    progress = tmp_path / "progress"
    env = {**FAST, "RUNFOLD_DIR": str(runfold_dir), "RUNFOLD_SILENT": "1"}
    proc = _start(STAGER, [str(progress), str(data)], env)
    deadline = time.monotonic() + 60
    while len(_blobs(runfold_dir)) < 3:  # staging has begun: kill it midway
        assert proc.poll() is None and time.monotonic() < deadline, _end(proc)
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    _end(proc)
    staged = _blobs(runfold_dir)
    assert 3 <= len(staged) < FILES, "the kill came after staging ended: nothing tested"

    run_dir = runfold_dir / "runs" / "crash" / "artkill1"
    kinds = [kind for _, kind, _ in scan(run_dir / "run.rflog")]
    assert "artifact" not in kinds  # no record names a version not wholly stored
    store = open_store(runfold_dir / "runfold.db")
    try:
        sync_run_log(store, run_dir / "run.rflog")
        assert store.list_artifacts("crash") == []
    except ProjectNotFound:
        raise AssertionError("the run's metrics did not reach the store") from None
    finally:
        store.close()
    api = runfold.Api()
    history = api.run("crash/artkill1").history(keys=["x"])
    assert [r["x"] for r in history[:50]] == [float(s) for s in range(50)]
    deadline = time.monotonic() + 10  # crashed once its heartbeat is 3 beats old
    while api.run("crash/artkill1").state != "crashed" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert api.run("crash/artkill1").state == "crashed"

    with runfold.init(project="crash") as run:  # the next run logs it whole
        art = runfold.Artifact("big", "dataset")
        art.add_dir(data)
        run.log_artifact(art).wait()
    assert art.version == "v0" and art.file_count == FILES
    assert len(_blobs(runfold_dir)) == FILES + 1  # what the killed run stored is reused
    out = Path(runfold.Api().artifact("crash/big:latest").download(tmp_path / "out"))
    assert tree_bytes(out) == tree_bytes(data)
