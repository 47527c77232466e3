"""The write endpoints: create/resume, records, heartbeat, edits, file uploads; and
every malformed request answered 4xx in the one error shape."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest

import runfold

PROJECT = "/api/v1/projects/p"
MAX_FILE = 1000


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """uvicorn serving ``app`` on a free loopback port, in a thread; yields its URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start within 10 s")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    """A real server with a 1,000-byte file limit, and its store directory."""
    from runfold.server import create_app
    from runfold.store import open_store

    store = open_store(tmp_path / "srv" / "runfold.db")
    app = create_app(store, max_file_bytes=MAX_FILE)
    with serve(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client, tmp_path / "srv"
    store.close()


def _records(first_seq: int = 1, steps: range = range(3)) -> list[list[Any]]:
    run = {"name": "r", "group": "g", "created_at": 1.0}
    rows = [[s, 1.0 + s, {"a": float(s), "b": 2.0 * s}] for s in steps]
    return [[first_seq, "run", run], [first_seq + 1, "history", rows]]


def _post_msgpack(client: httpx.Client, run_id: str, records: Any, **kw: Any) -> Any:
    return client.post(
        f"{PROJECT}/runs/{run_id}/records",
        content=msgpack.packb(records, use_bin_type=True),
        headers={"content-type": "application/msgpack", **kw.pop("headers", {})},
        **kw,
    )


@contextmanager
def _api(store_dir: Path) -> Iterator[runfold.Api]:
    api = runfold.Api(store_dir)
    try:
        yield api
    finally:
        api.close()


def _assert_error(response: Any, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "error", "errors", "status"}
    assert body["ok"] is False and body["status"] == status
    assert text in body["error"], body["error"]


def test_records_are_ingested_once_when_a_batch_is_replayed(
    server: tuple[httpx.Client, Path],
) -> None:
    client, store_dir = server
    for _ in range(2):
        response = _post_msgpack(client, "r1", _records())
        assert response.json() == {"last_seq": 2}
    with _api(store_dir) as api:
        run = api.run("p/r1")
        assert [row["a"] for row in run.history()] == [0.0, 1.0, 2.0]
        assert run.group == "g"


def test_records_reply_last_seq_at_a_gap(server: tuple[httpx.Client, Path]) -> None:
    client, _ = server
    _post_msgpack(client, "r1", _records())
    later = [[5, "summary", {"x": 1}]]
    assert _post_msgpack(client, "r1", later).json() == {"last_seq": 2}


def test_records_accept_gzipped_json_with_null_as_nan(
    server: tuple[httpx.Client, Path],
) -> None:
    client, store_dir = server
    records = [[1, "history", [[0, 1.0, {"a": None, "b": 3}]]]]
    response = client.post(
        f"{PROJECT}/runs/r2/records",
        content=gzip.compress(json.dumps(records).encode()),
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert response.json() == {"last_seq": 1}
    with _api(store_dir) as api:
        row = api.run("p/r2").history()[0]
    assert row["a"] != row["a"] and row["b"] == 3.0


def test_create_run_reports_what_the_server_has(
    server: tuple[httpx.Client, Path],
) -> None:
    client, _ = server
    _post_msgpack(client, "r1", _records() + [[3, "config", {"lr": 0.1}]])
    body = client.post(f"{PROJECT}/runs", json={"id": "r1", "resume": "allow"}).json()
    assert body == {
        "id": "r1", "exists": True, "last_seq": 3, "next_step": 3,
        "config": {"lr": 0.1}, "name": "r",
    }  # fmt: skip
    new = client.post(f"{PROJECT}/runs", json={"id": "new1", "resume": None}).json()
    assert new["exists"] is False and new["last_seq"] == 0


def test_create_run_follows_the_resume_rules(server: tuple[httpx.Client, Path]) -> None:
    client, _ = server
    _post_msgpack(client, "r1", _records())
    taken = client.post(f"{PROJECT}/runs", json={"id": "r1", "resume": None})
    _assert_error(taken, 409, "Run 'r1' already exists in project 'p'.")
    missing = client.post(f"{PROJECT}/runs", json={"id": "zz", "resume": "must"})
    _assert_error(missing, 404, "resume='must' but run 'zz' does not exist")


def test_heartbeat_and_patch_change_the_run(server: tuple[httpx.Client, Path]) -> None:
    client, store_dir = server
    _post_msgpack(client, "r1", _records())
    assert client.post(f"{PROJECT}/runs/r1/heartbeat").json() == {"ok": True}
    response = client.patch(f"{PROJECT}/runs/r1", json={"group": "h", "tags": ["t"]})
    assert response.status_code == 200
    with _api(store_dir) as api:
        run = api.run("p/r1")
    assert (run.group, run.tags) == ("h", ["t"])


def test_file_upload_lands_in_the_run_files_directory(
    server: tuple[httpx.Client, Path],
) -> None:
    client, store_dir = server
    assert _post_msgpack(client, "r1", _records()).status_code == 200
    response = client.put(f"{PROJECT}/runs/r1/files/ckpt/model.bin", content=b"abc")
    assert response.json() == {"ok": True, "path": "ckpt/model.bin", "size": 3}
    target = store_dir / "runs" / "p" / "r1" / "files" / "ckpt" / "model.bin"
    assert target.read_bytes() == b"abc"
    assert [p.name for p in target.parent.iterdir()] == ["model.bin"]


BAD_RECORDS = [
    ("not a list", {"a": 1}, "Records must be a list of [seq, kind, body], not dict"),
    ("short record", [[1, "run"]], "Record 0 must be [seq, kind, body]"),
    ("seq zero", [[0, "run", {}]], "Record 0 has seq 0; seqs must be integers ≥ 1"),
    ("seq text", [["1", "run", {}]], "Record 0 has seq '1'"),
    ("seq order", [[2, "run", {}], [2, "config", {}]], "Record 1 has seq 2"),
    (
        "kind",
        [[1, "bogus", {}]],
        "Record 0 has kind 'bogus'; use one of artifact, config",
    ),
    ("body", [[1, "config", [1]]], "Record 0 (config) must have an object"),
    ("rows", [[1, "history", {}]], "Record 0 (history) must have a list of rows"),
    ("row", [[1, "history", [[0, 1.0]]]], "row 0 must be [step, timestamp"),
    ("step", [[1, "history", [[-1, 1.0, {}]]]], "row 0 has step -1"),
    ("ts", [[1, "history", [[0, "x", {}]]]], "row 0 has timestamp 'x'"),
    ("value", [[1, "history", [[0, 1.0, {"a": "x"}]]]], "has 'a' = 'x'; values"),
]


@pytest.mark.parametrize(
    ("records", "message"),
    [case[1:] for case in BAD_RECORDS],
    ids=[case[0] for case in BAD_RECORDS],
)
def test_malformed_records_are_400_with_a_clear_message(
    server: tuple[httpx.Client, Path], records: Any, message: str
) -> None:
    client, _ = server
    _assert_error(_post_msgpack(client, "r1", records), 400, message)


def _raw(client: httpx.Client, url: str, body: bytes, **headers: str) -> Any:
    return client.post(url, content=body, headers=headers)


BAD_REQUESTS: list[tuple[str, Any, int, str]] = [
    ("bad json", lambda c: _raw(c, f"{PROJECT}/runs/r1/records", b"[1,",
                                **{"content-type": "application/json"}),
     400, "Body is not valid JSON"),
    ("bad msgpack", lambda c: _raw(c, f"{PROJECT}/runs/r1/records", b"\xc1\xc1",
                                   **{"content-type": "application/msgpack"}),
     400, "Body is not valid msgpack"),
    ("bad gzip", lambda c: _raw(c, f"{PROJECT}/runs/r1/records", b"nope",
                                **{"content-type": "application/json",
                                   "content-encoding": "gzip"}),
     400, "Body is not valid gzip"),
    ("content type", lambda c: _raw(c, f"{PROJECT}/runs/r1/records", b"[]",
                                    **{"content-type": "text/csv"}),
     400, "Content-Type 'text/csv' is not supported"),
    ("run id", lambda c: _post_msgpack(c, "a%3Bb", []), 400,
     "Run id 'a;b' is not allowed: it contains ';'"),
    ("create run id", lambda c: c.post(f"{PROJECT}/runs", json={"id": "a b "}),
     400, "Run id 'a b ' is not allowed"),
    ("create body", lambda c: c.post(f"{PROJECT}/runs", json=[1]),
     400, "Body must be a JSON object, not list"),
    ("resume", lambda c: c.post(f"{PROJECT}/runs", json={"id": "a", "resume": 3}),
     400, "resume=3 is not understood"),
    ("patch field", lambda c: c.patch(f"{PROJECT}/runs/r1", json={"state": "x"}),
     400, "Cannot change ['state'] of a run"),
    ("patch missing", lambda c: c.patch(f"{PROJECT}/runs/zz", json={"group": "x"}),
     404, "not found"),
    ("traversal", lambda c: c.put(f"{PROJECT}/runs/r1/files/a/%2E%2E/%2E%2E/x",
                                  content=b"x"),
     400, "File path 'a/../../x' is not allowed"),
    ("absolute", lambda c: c.put(f"{PROJECT}/runs/r1/files//etc/x", content=b"x"),
     400, "is not allowed: use a relative path"),
    ("oversized file", lambda c: c.put(f"{PROJECT}/runs/r1/files/big",
                                       content=b"x" * (MAX_FILE + 1)),
     413, f"File is larger than {MAX_FILE} bytes"),
    ("oversized stream", lambda c: c.put(f"{PROJECT}/runs/r1/files/big",
                                         content=iter([b"x" * 600] * 2)),
     413, f"File is larger than {MAX_FILE} bytes"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("send", "status", "message"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_malformed_requests_are_4xx_in_the_error_shape(
    server: tuple[httpx.Client, Path], send: Any, status: int, message: str
) -> None:
    client, store_dir = server
    _post_msgpack(client, "r1", _records())
    _assert_error(send(client), status, message)
    assert not list(store_dir.glob("runs/**/big")), "no partial file is left"
