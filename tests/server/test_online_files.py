"""Online runs send their files to the server: run.save() with each policy, the
captured code, packages and console log; through outages, by finish or by a later
`runfold sync --base-url`; within the server's size limit; never outside the run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli
from runfold.sdk.sinks import FileRefused, HttpSink
from runfold.sync import upload_run_log
from tests.conftest import LiveServer
from tests.server.test_ingest import serve

PROJECT = "files"
FAST = {"RUNFOLD_FLUSH_SECONDS": "0.05", "RUNFOLD_HEARTBEAT_SECONDS": "0.5"}


@pytest.fixture
def online(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> LiveServer:
    """The test's runs go to ``live_server``, from a working directory of files."""
    monkeypatch.setenv("RUNFOLD_BASE_URL", live_server.url)
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return live_server


def _url(base: str, run_id: str, path: str = "") -> str:
    return f"{base}/api/v1/projects/{PROJECT}/runs/{run_id}" + (
        f"/files/{path}" if path else ""
    )


def _download(base: str, run_id: str, path: str) -> bytes | None:
    """The file's bytes as the UI downloads them; None when the server lacks it."""
    try:
        response = httpx.get(_url(base, run_id, path), timeout=10)
    except httpx.TransportError:
        return None
    return response.content if response.status_code == 200 else None


def _listed(base: str, run_id: str) -> dict[str, int]:
    body = httpx.get(_url(base, run_id), timeout=10).json()
    return {f["path"]: f["size"] for f in body["files"]}


def _eventually(check: Callable[[], Any], seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _arrives(base: str, run_id: str, path: str, data: bytes) -> bool:
    return bool(_eventually(lambda: _download(base, run_id, path) == data))


# ---- policies -------------------------------------------------------------------


def test_now_and_live_files_reach_the_server_while_the_run_lives(
    online: LiveServer,
) -> None:
    Path("ckpt").mkdir()
    Path("ckpt", "model.pt").write_bytes(b"\x00weights v1")
    Path("notes.txt").write_text("first")
    run = runfold.init(project=PROJECT)
    assert run.save("ckpt/*.pt", policy="now") == ["model.pt"]
    assert run.save("notes.txt", policy="live") == ["notes.txt"]
    Path("ckpt", "model.pt").write_bytes(b"changed after save: not sent")
    run.log({"loss": 1.0})
    assert _arrives(online.url, run.id, "model.pt", b"\x00weights v1")
    assert _arrives(online.url, run.id, "notes.txt", b"first")
    # A live file changed during the run goes again, before finish.
    Path("notes.txt").write_text("second, longer")
    assert _arrives(online.url, run.id, "notes.txt", b"second, longer")
    Path("notes.txt").write_text("third")
    run.finish()
    assert _download(online.url, run.id, "notes.txt") == b"third"
    assert _download(online.url, run.id, "model.pt") == b"\x00weights v1"
    assert _listed(online.url, run.id) == {"model.pt": 11, "notes.txt": 5}


def test_end_files_go_at_finish_with_their_last_bytes(online: LiveServer) -> None:
    Path("out").mkdir()
    Path("out", "metrics.json").write_text('{"acc": 0.5}')
    run = runfold.init(project=PROJECT)
    assert run.save("out/*.json", policy="end") == ["metrics.json"]
    run.log({"loss": 1.0})
    time.sleep(3)  # more than a scan: an 'end' file must still not be there
    assert _download(online.url, run.id, "metrics.json") is None
    Path("out", "metrics.json").write_text('{"acc": 0.9}')
    run.finish()
    assert _download(online.url, run.id, "metrics.json") == b'{"acc": 0.9}'


def test_nested_paths_and_binary_bytes_round_trip(online: LiveServer) -> None:
    src = Path("src")
    (src / "a" / "b").mkdir(parents=True)
    payload = os.urandom(3 << 20)  # several upload pieces
    (src / "a" / "b" / "blob.bin").write_bytes(payload)
    (src / "a" / "x y+z%.txt").write_text("odd name")
    run = runfold.init(project=PROJECT)
    saved = run.save("src/**/*", base_path="src", policy="now")
    assert sorted(saved) == ["a/b/blob.bin", "a/x y+z%.txt"]
    run.finish()
    assert _download(online.url, run.id, "a/b/blob.bin") == payload
    assert _download(online.url, run.id, "a/x%20y%2Bz%25.txt") == b"odd name"


def test_captured_code_packages_and_console_log_reach_the_server(
    online: LiveServer, tmp_path: Path
) -> None:
    script = tmp_path / "work" / "train.py"
    script.write_text(
        "import runfold\n"
        f"run = runfold.init(project={PROJECT!r})\n"
        "print('epoch 1 loss 0.5')\n"
        "run.log({'loss': 0.5})\n"
        "run.finish()\n"
        "print(run.id)\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "RUNFOLD_CONSOLE": "on", "RUNFOLD_DISABLE_CODE": ""},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    run_id = proc.stdout.split()[-1]
    listed = _listed(online.url, run_id)
    assert {"code/train.py", "requirements.txt", "output.log"} <= set(listed)
    assert _download(online.url, run_id, "code/train.py") == script.read_bytes()
    packages = _download(online.url, run_id, "requirements.txt") or b""
    assert re.search(rb"^httpx==", packages, re.M)
    console = _download(online.url, run_id, "output.log") or b""
    assert b"epoch 1 loss 0.5\n" in console


# ---- outages --------------------------------------------------------------------


def test_files_saved_while_the_server_is_down_arrive_by_finish(
    online: LiveServer,
) -> None:
    Path("model.pt").write_bytes(b"saved during the outage")
    run = runfold.init(project=PROJECT)
    run.log({"loss": 1.0})
    online.stop()
    run.save("model.pt", policy="now")
    run.log({"loss": 0.5})
    time.sleep(2.5)  # the file thread meets the closed port and backs off
    online.start(port=online.port)
    run.finish()
    assert _download(online.url, run.id, "model.pt") == b"saved during the outage"
    assert runfold.Api(online.store_dir).run(f"{PROJECT}/{run.id}").state == "finished"


def test_files_a_down_server_missed_go_with_a_later_sync(
    online: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = online.url
    online.stop()
    monkeypatch.setenv("RUNFOLD_FINISH_TIMEOUT", "1")
    Path("model.pt").write_bytes(b"weights")
    Path("eval.txt").write_text("end of run")
    run = runfold.init(project=PROJECT)
    run.save("model.pt", policy="now")
    run.save("eval.txt", policy="end")
    run.log({"loss": 1.0})
    started = time.monotonic()
    run.finish()
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    said = re.search(
        r"2 file\(s\) of run files/\w+ did not reach (\S+) \(.*\): eval.txt, "
        r"model.pt\. They are safe in (\S+); upload them with: "
        r"runfold sync (\S+) --base-url (\S+)",
        err,
    )
    assert said is not None, err
    assert said.group(1) == said.group(4) == url
    assert Path(said.group(3)) == run.dir

    online.start(port=online.port)
    result = CliRunner().invoke(cli, ["sync", said.group(3), "--base-url", url])
    assert result.exit_code == 0, result.output
    assert _download(url, run.id, "model.pt") == b"weights"
    assert _download(url, run.id, "eval.txt") == b"end of run"
    again = upload_run_log(url, run.dir / "run.rflog")
    assert (again.records, again.files) == (0, 0)  # nothing goes twice


def test_a_file_lost_on_the_server_goes_again_with_sync(online: LiveServer) -> None:
    Path("model.pt").write_bytes(b"weights")
    run = runfold.init(project=PROJECT)
    run.save("model.pt", policy="now")
    run.finish()
    on_server = online.store_dir / "runs" / PROJECT / run.id / "files" / "model.pt"
    assert on_server.read_bytes() == b"weights"
    on_server.unlink()  # a restored backup without it, say
    result = upload_run_log(online.url, run.dir / "run.rflog")
    assert result.files == 1
    assert _download(online.url, run.id, "model.pt") == b"weights"


def test_an_offline_run_synced_later_gets_its_files(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUNFOLD_MODE", "offline")
    Path("model.pt").write_bytes(b"offline weights")
    run = runfold.init(project=PROJECT)
    run.save("model.pt", policy="end")
    run.log({"loss": 1.0})
    run.finish()
    result = upload_run_log(live_server.url, run.dir / "run.rflog")
    assert (result.files, result.files_refused) == (1, {})
    assert _download(live_server.url, run.id, "model.pt") == b"offline weights"


# ---- limits and safety ----------------------------------------------------------


@pytest.fixture
def small_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server whose limit for one file is 1,000 bytes; runs go to it."""
    from runfold.server import create_app
    from runfold.store import open_store

    store = open_store(tmp_path / "small" / "runfold.db")
    with serve(create_app(store, max_file_bytes=1000)) as url:
        monkeypatch.setenv("RUNFOLD_BASE_URL", url)
        monkeypatch.chdir(tmp_path)
        yield url
    store.close()


def test_a_file_over_the_server_limit_is_named_and_the_rest_goes(
    small_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("big.bin").write_bytes(os.urandom(5000))
    Path("huge.bin").write_bytes(os.urandom(40 << 20))  # refused before it is read
    Path("small.txt").write_text("fits")
    run = runfold.init(project=PROJECT)
    run.save("*.bin", policy="now")
    run.save("small.txt", policy="now")
    run.log({"loss": 1.0})
    started = time.monotonic()
    run.finish()
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    for name, size in (("big.bin", 5000), ("huge.bin", 40 << 20)):
        assert (
            f"the server at {small_server} refused {name} ({size} bytes): File is "
            "larger than 1000 bytes, the server's limit for one file. Ask its admin "
            f"to raise the limit, or save a smaller file; it is kept in "
            f"{run.dir / 'files' / name}." in err
        ), err
    assert "did not reach" not in err  # refused is not "retry later"
    assert _download(small_server, run.id, "small.txt") == b"fits"
    assert _download(small_server, run.id, "big.bin") is None
    assert _listed(small_server, run.id) == {"small.txt": 4}


def test_files_never_leave_the_run_on_either_side(
    online: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not the run's")
    Path("ok.txt").write_text("fine")
    Path("back\\slash.txt").write_text("a name the server does not allow")
    run = runfold.init(project=PROJECT)
    run.save("ok.txt", policy="now")
    run.save("back\\slash.txt", policy="now")
    # Links in files/ (to a file, to a folder outside) are not followed.
    (run.dir / "files" / "link.txt").symlink_to(secret)
    (run.dir / "files" / "outside").symlink_to(tmp_path, target_is_directory=True)
    run.finish()
    err = capsys.readouterr().err
    assert (
        "refused back\\slash.txt (400: File path 'back\\\\slash.txt' is not allowed"
        in (err)
    ), err
    assert _listed(online.url, run.id) == {"ok.txt": 4}
    # And the server keeps uploads to its run's files/ whatever the client sends.
    sink = HttpSink(online.url, PROJECT, run.id, run.dir / "run.rflog")
    try:
        for bad in ("../escape.txt", "a/../../escape.txt", "..", "/etc/escape.txt"):
            with pytest.raises(FileRefused, match="not a path inside the run"):
                sink.upload_file(bad, Path("ok.txt"), 4)
    finally:
        sink.close()
    assert not list(online.store_dir.rglob("escape.txt"))


def test_uploads_stream_large_files(online: LiveServer, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as out:
        for _ in range(64):
            out.write(os.urandom(1 << 20))
    run = runfold.init(project=PROJECT)
    run.log({"loss": 1.0})
    assert run._writer is not None and run._writer.flush()  # the run is there
    sink = HttpSink(online.url, PROJECT, run.id, run.dir / "run.rflog")
    sink.server_seq = 0
    tracemalloc.start()
    try:
        sink.upload_file("big.bin", big, big.stat().st_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sink.close()
    run.finish()
    assert peak < 16 << 20, f"upload held {peak} bytes at once for a 64 MiB file"
    assert _listed(online.url, run.id) == {"big.bin": 64 << 20}
    assert (
        online.store_dir / "runs" / PROJECT / run.id / "files" / "big.bin"
    ).read_bytes() == big.read_bytes()


def test_log_is_not_held_up_by_an_upload(online: LiveServer, tmp_path: Path) -> None:
    big = tmp_path / "work" / "big.bin"
    with open(big, "wb") as out:
        for _ in range(128):
            out.write(os.urandom(1 << 20))
    run = runfold.init(project=PROJECT)
    run.save("big.bin", policy="now")
    worst, step = 0.0, 0
    deadline = time.monotonic() + 30
    while "big.bin" not in _listed(online.url, run.id) and time.monotonic() < deadline:
        for _ in range(200):
            started = time.perf_counter()
            run.log({"loss": float(step)})
            worst = max(worst, time.perf_counter() - started)
            step += 1
    run.finish()
    assert _listed(online.url, run.id) == {"big.bin": 128 << 20}
    assert worst < 0.1, f"log() took {worst:.3f} s while a file was uploading"
    rows = runfold.Api(online.store_dir).run(f"{PROJECT}/{run.id}").history()
    assert [r["loss"] for r in rows] == [float(s) for s in range(step)]


def test_a_live_file_is_copied_again_while_a_local_run_lives(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("v1")
    run = runfold.init(project=PROJECT)
    run.save("notes.txt", policy="live")
    copy = run.dir / "files" / "notes.txt"
    assert copy.read_text() == "v1"
    Path("notes.txt").write_text("v2 during the run")
    assert _eventually(lambda: copy.read_text() == "v2 during the run")
    assert run.is_finished is False
    run.finish()
    assert copy.read_text() == "v2 during the run"
