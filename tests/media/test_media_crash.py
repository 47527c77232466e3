"""A run logging images killed with SIGKILL: every media reference that reached
its run log has its file on disk, whole (named by its content), and the run reads
back as crashed with those images. A real process, a real run log and store."""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import runfold
from runfold.sdk.runlog import scan
from runfold.store import open_store
from runfold.sync import sync_run_log
from tests.reliability.test_crash import FAST, _end, _start, _wait_for_logging

# Logs a distinct 64x64 image (and a number) about every 2 ms, forever; writes
# "<step> <time>" after each log() returns.
IMAGE_LOGGER = """
import sys, time
import numpy as np
import runfold

progress = open(sys.argv[1], "a", buffering=1)
run = runfold.init(project="crash", id="mediakill", config={"lr": 0.1})
step = 0
while True:
    pixels = np.full((64, 64, 3), step % 256, dtype=np.uint8)
    pixels[0, 0] = [step // 256 % 256, step // 65536 % 256, 7]
    runfold.log({"frame": runfold.Image(pixels), "x": float(step)})
    progress.write(f"{step} {time.time()!r}\\n")
    step += 1
    time.sleep(0.002)
"""


def _refs(log_path: Path) -> list[tuple[int, dict]]:
    return [
        (step, values["frame"])
        for _, kind, body in scan(log_path)
        if kind == "media"
        for step, _, values in body
    ]


def test_every_media_reference_in_the_run_log_has_its_file_after_sigkill(
    runfold_dir: Path, tmp_path: Path
) -> None:
    progress = tmp_path / "progress"
    env = {**FAST, "RUNFOLD_DIR": str(runfold_dir), "RUNFOLD_SILENT": "1"}
    proc = _start(IMAGE_LOGGER, [str(progress)], env)
    _wait_for_logging(proc, progress, 1.5)
    os.kill(proc.pid, signal.SIGKILL)
    _end(proc)
    run_dir = runfold_dir / "runs" / "crash" / "mediakill"
    refs = _refs(run_dir / "run.rflog")
    assert len(refs) > 50, "the child logged too little to test anything"
    for step, ref in refs:
        data = (run_dir / "files" / ref["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == ref["sha256"], step
    # `runfold sync` brings whatever the store had not taken yet; then the store
    # holds every reference of the run log, and reads each image back.
    store = open_store(runfold_dir / "runfold.db")
    try:
        sync_run_log(store, run_dir / "run.rflog")
    finally:
        store.close()
    stored = runfold.Api().run("crash/mediakill").media("frame")
    assert [v.step for v in stored] == [step for step, _ in refs]
    last = stored[-1]
    pixels = last.numpy()
    step = last.step
    assert pixels[1, 1, 0] == step % 256 and pixels[0, 0, 0] == step // 256 % 256
