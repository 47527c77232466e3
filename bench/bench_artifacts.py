"""What artifacts cost (issue 17): logging and downloading a 1 GiB artifact of
1,000 files, and a second version that changes one of them.

    .venv-test/bin/python bench/bench_artifacts.py                # 1,000 × 1 MiB
    .venv-test/bin/python bench/bench_artifacts.py --files 200    # a smaller one
    .venv-test/bin/python bench/bench_artifacts.py --online       # also through a server

Each step runs in a process of its own, so its peak memory (``ru_maxrss``) is its
own; it is given above the same process's size once Runfold is imported.

* log, local mode: ``run.log_artifact(artifact)`` (the caller's time: it returns at
  once), then ``wait()`` (the writer's stager has hashed and copied every file into
  the store's folder and the store has the version): MiB/s over the whole size.
* the second version, one file of 1,000 changed: time, and what it added to the
  store's folder (files and bytes): the deduplicated cost.
* download, local: ``Api().artifact(...).download(root)`` into an empty folder.
* ``--online``: the same artifact logged to a server on loopback (uploaded, each
  file checked by SHA-256 as it arrives), and downloaded from it (cache cold).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, load  # noqa: E402

MIB = 1 << 20


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _env(home: Path) -> None:
    os.environ.update(
        RUNFOLD_DIR=str(home), RUNFOLD_SILENT="1", RUNFOLD_SYSTEM_SECONDS="0",
        RUNFOLD_CONSOLE="off", RUNFOLD_DISABLE_GIT="1", RUNFOLD_DISABLE_CODE="1",
        RUNFOLD_CACHE_DIR=str(home / "cache"),
    )  # fmt: skip


def phase_log(data: Path, home: Path, base_url: str | None) -> dict[str, float]:
    _env(home)
    if base_url:
        os.environ.update(RUNFOLD_MODE="online", RUNFOLD_BASE_URL=base_url)
    import runfold

    before = _rss_mib()
    run = runfold.init(project="bench-artifacts")
    art = runfold.Artifact("corpus", "dataset")
    art.add_dir(data)
    start = time.perf_counter()
    run.log_artifact(art)
    returned = time.perf_counter() - start
    art.wait(timeout=3600)
    stored = time.perf_counter() - start
    run.finish()
    return {"returned_ms": returned * 1000, "stored_s": stored, "version": art.version,
            "rss_above_mib": _rss_mib() - before}  # fmt: skip


def phase_download(home: Path, target: Path, base_url: str | None) -> dict[str, float]:
    _env(home)
    import runfold

    api = runfold.Api(base_url=base_url) if base_url else runfold.Api()
    found = api.artifact("bench-artifacts/corpus:v0")
    before = _rss_mib()
    start = time.perf_counter()
    found.download(target)
    took = time.perf_counter() - start
    api.close()
    return {"download_s": took, "rss_above_mib": _rss_mib() - before}


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], check=True,
                         capture_output=True, text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _folder_size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "runfold.cli", "server", "--database",
         str(home / "server" / "runfold.db"), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import httpx

    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/projects", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--mib", type=int, default=1, help="MiB per file")
    parser.add_argument("--online", action="store_true")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        a = options.args
        url = a[-1] if a[-1] != "-" else None
        result = (phase_log(Path(a[0]), Path(a[1]), url) if options.phase == "log"
                  else phase_download(Path(a[0]), Path(a[1]), url))  # fmt: skip
        print(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-artifacts-"))
    try:
        data = work / "data"
        data.mkdir()
        for i in range(options.files):
            (data / f"part-{i:04}.bin").write_bytes(os.urandom(options.mib * MIB))
        size_mib = options.files * options.mib
        home = work / "home"
        print(json.dumps({"machine": describe(), "load": load(), "files": options.files,
                          "size_mib": size_mib}))  # fmt: skip
        first = _child("--phase", "log", "--args", str(data), str(home), "-")
        blobs = home / "artifacts" / "bench-artifacts" / "blobs"
        count0, bytes0 = _folder_size(blobs)
        (data / "part-0000.bin").write_bytes(os.urandom(options.mib * MIB))
        second = _child("--phase", "log", "--args", str(data), str(home), "-")
        count1, bytes1 = _folder_size(blobs)
        down = _child(
            "--phase", "download", "--args", str(home), str(work / "out"), "-"
        )
        report = {
            "log_returned_ms": round(first["returned_ms"], 2),
            "log_stored_s": round(first["stored_s"], 2),
            "log_mib_per_s": round(size_mib / first["stored_s"], 1),
            "log_rss_above_mib": round(first["rss_above_mib"], 1),
            "second_version": second["version"],
            "second_stored_s": round(second["stored_s"], 2),
            "second_added_files": count1 - count0,
            "second_added_mib": round((bytes1 - bytes0) / MIB, 3),
            "download_s": round(down["download_s"], 2),
            "download_mib_per_s": round(size_mib / down["download_s"], 1),
            "download_rss_above_mib": round(down["rss_above_mib"], 1),
        }
        if options.online:
            (data / "part-0000.bin").unlink()  # a fresh artifact for the server
            (data / "part-0000.bin").write_bytes(os.urandom(options.mib * MIB))
            server, url = _serve(work)
            try:
                online = _child(
                    "--phase", "log", "--args", str(data), str(work / "h2"), url
                )
                got = _child("--phase", "download", "--args", str(work / "h2"),
                             str(work / "out2"), url)  # fmt: skip
            finally:
                server.terminate()
                server.wait(30)
            report.update(
                online_log_stored_s=round(online["stored_s"], 2),
                online_log_mib_per_s=round(size_mib / online["stored_s"], 1),
                online_log_rss_above_mib=round(online["rss_above_mib"], 1),
                online_download_s=round(got["download_s"], 2),
                online_download_mib_per_s=round(size_mib / got["download_s"], 1),
                online_download_rss_above_mib=round(got["rss_above_mib"], 1),
            )  # fmt: skip
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
