"""Issue 18, server items 8, 10, 11 and 12, against real servers on loopback over
SQLite and over PostgreSQL: every bad request gets a 4xx in the one error shape
(no 500s), the console route cannot be led out of the run by a symlink, login
needs JSON (or the home page's own form) and this server's Origin, runs that do
not exist take no heartbeats or files, names and metric keys have a length limit,
an oversized chunked body is 413, and run files cannot run as scripts or pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest

from runfold.server.routes.files import FILE_CSP
from tests.hardening.conftest import Served
from tests.server.test_auth import TeamServer
from tests.test_api_remote import _backend, _serving

P = "/api/v1/projects/p"


def _deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def _records(seq: int, kind: str, body: Any) -> dict[str, Any]:
    return {"json": [[seq, kind, body]]}


def _json(text: str) -> dict[str, Any]:
    return {"content": text.encode(), "headers": {"content-type": "application/json"}}


# (name, method, path, request arguments, the status it must get)
PROBES: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("nul-run-name", "post", f"{P}/runs/n1/records", _records(1, "run", {"name": "a\x00"}), 400),
    ("nul-update-notes", "post", f"{P}/runs/ok/records", _records(2, "update", {"notes": "\x00"}), 400),
    ("nul-metric-key", "post", f"{P}/runs/n2/records",
     _records(1, "history", [[0, 1.0, {"a\x00": 1.0}]]), 400),
    ("deep-config-json", "post", f"{P}/runs/d1/records",
     _json('[[1,"config",' + _deep(100) + "]]"), 400),
    ("deeper-than-python", "post", f"{P}/runs/d2/records",
     _json('[[1,"config",' + _deep(5000) + "]]"), 400),
    ("deep-config-msgpack", "post", f"{P}/runs/d3/records", {
        "content": msgpack.packb([[1, "config", json.loads(_deep(100))]]),
        "headers": {"content-type": "application/msgpack"}}, 400),
    ("deep-patch-config", "patch", f"{P}/runs/ok", _json('{"config":' + _deep(900) + "}"), 400),
    ("deep-create", "post", f"{P}/runs", _json('{"id":"x","resume":' + "[" * 5000 + "]" * 5000 + "}"), 400),
    ("nul-patch-name", "patch", f"{P}/runs/ok", {"json": {"name": "a\x00"}}, 400),
    ("null-patch-name", "patch", f"{P}/runs/ok", {"json": {"name": None}}, 400),
    ("long-patch-group", "patch", f"{P}/runs/ok", {"json": {"group": "g" * 257}}, 400),
    ("nul-file-put", "put", f"{P}/runs/ok/files/a%00b", {"content": b"x"}, 400),
    ("nul-file-get", "get", f"{P}/runs/ok/files/a%00b", {}, 404),
    ("nul-project-get", "get", "/api/v1/projects/a%00/runs", {}, 0),
    ("nul-report-title", "post", f"{P}/reports", {"json": {"title": "a\x00", "blocks": []}}, 400),
    ("deep-report", "post", f"{P}/reports", _json('{"title":"t","blocks":' + "[" * 5000 + "]" * 5000 + "}"), 0),
    ("nul-sweep-name", "post", f"{P}/sweeps", {"json": {"config": {
        "method": "grid", "name": "a\x00", "parameters": {"x": {"values": [1]}}}}}, 0),
    ("missing-run-heartbeat", "post", f"{P}/runs/nope/heartbeat", {}, 404),
    ("missing-run-file", "put", f"{P}/runs/nope/files/a.txt", {"content": b"x"}, 404),
    ("long-run-name", "post", f"{P}/runs/l1/records", _records(1, "run", {"name": "n" * 257}), 400),
    ("long-group", "post", f"{P}/runs/l2/records", _records(1, "run", {"name": "n", "group": "g" * 257}), 400),
    ("long-metric-key", "post", f"{P}/runs/l3/records",
     _records(1, "history", [[0, 1.0, {"k" * 257: 1.0}]]), 400),
    ("long-histogram-key", "post", f"{P}/runs/l4/records",
     _records(1, "histogram", [[0, 1.0, {"k" * 257: {"bins": [0, 1], "counts": [1]}}]]), 400),
    ("bad-lost-marker", "post", f"{P}/runs/m1/records", _records(3, "lost", {"first": 9}), 400),
]  # fmt: skip


@pytest.fixture
def probed(server: Served) -> Served:
    made = httpx.post(
        f"{server.url}{P}/runs/ok/records", json=[[1, "run", {"name": "ok"}]]
    )
    assert made.status_code == 200, made.text
    return server


@pytest.mark.parametrize("probe", PROBES, ids=[p[0] for p in PROBES])
def test_bad_request_gets_a_4xx_with_a_message_on_both_backends(
    probed: Served, probe: tuple[str, str, str, dict[str, Any], int]
) -> None:
    """Issue 18: a NUL in a file path, deeply nested JSON, a NUL name on
    PostgreSQL ... answered 500. A probe whose status is 0 may be any 4xx (the
    backends differ in which, but never 5xx)."""
    _, method, path, kwargs, status = probe
    answer = httpx.request(method.upper(), f"{probed.url}{path}", timeout=30, **kwargs)
    if status:
        assert answer.status_code == status, answer.text
    else:
        assert 400 <= answer.status_code < 500 or answer.status_code == 200, answer.text
    if answer.status_code >= 400:
        body = answer.json()
        assert body["ok"] is False and body["status"] == answer.status_code
        assert body["error"] and body["errors"]


def test_lost_marker_moves_ingest_past_records_gone_for_good(server: Served) -> None:
    url = f"{server.url}{P}/runs/lm/records"
    rows = [[0, 1.0, {"x": 1.0}]]
    assert httpx.post(url, json=[[1, "run", {"name": "lm"}]]).json() == {"last_seq": 1}
    gap = httpx.post(url, json=[[5, "history", rows]])
    assert gap.json() == {"last_seq": 1}  # records 2-4 have not arrived
    moved = httpx.post(url, json=[[4, "lost", {"first": 2}], [5, "history", rows]])
    assert moved.json() == {"last_seq": 5}
    assert server.store.get_run("p", "lm").meta["lost_records"] == 3


# ---- 10: one path check for files and the console log -----------------------------


def _run_dir(server: Served, run_id: str) -> Path:
    made = httpx.post(
        f"{server.url}{P}/runs/{run_id}/records", json=[[1, "run", {"name": run_id}]]
    )
    assert made.status_code == 200
    path = server.files / "runs" / "p" / run_id
    (path / "files").mkdir(parents=True)
    return path


@pytest.mark.parametrize("where", ["output.log", "files/output.log"])
def test_console_route_does_not_follow_a_symlink_out_of_the_run(
    server: Served, tmp_path: Path, where: str
) -> None:
    """Issue 18: a symlinked output.log served /etc/passwd."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:secret\n")
    run = _run_dir(server, "sym1")
    (run / where).symlink_to(secret)

    answer = httpx.get(f"{server.url}{P}/runs/sym1/output")
    files = httpx.get(f"{server.url}{P}/runs/sym1/files/output.log")

    assert answer.status_code == 200 and "secret" not in answer.text
    assert answer.json()["total"] == 0
    assert files.status_code == 404


def test_console_route_still_reads_the_runs_own_log(server: Served) -> None:
    run = _run_dir(server, "log1")
    (run / "output.log").write_text("epoch 1\nepoch 2\n")
    answer = httpx.get(f"{server.url}{P}/runs/log1/output")
    assert answer.json()["lines"] == ["epoch 1", "epoch 2"]


# ---- 12: run files are downloads, never scripts or pages ------------------------


@pytest.mark.parametrize(
    ("name", "served_as"),
    [("evil.js", "application/octet-stream"), ("evil.html", "application/octet-stream"),
     ("evil.svg", "application/octet-stream"), ("plot.png", "image/png")],
)  # fmt: skip
def test_run_files_are_served_as_sandboxed_downloads(
    server: Served, name: str, served_as: str
) -> None:
    run = _run_dir(server, "dl1")
    (run / "files" / name).write_bytes(b"alert(document.cookie)")

    answer = httpx.get(f"{server.url}{P}/runs/dl1/files/{name}")

    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == served_as
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == FILE_CSP


def _chunks(size: int) -> Iterator[bytes]:
    for _ in range(size // 1000):
        yield b"x" * 1000


@pytest.fixture
def small_body_server(tmp_path: Path) -> Iterator[Served]:
    from runfold.store import open_store

    store = open_store(tmp_path / "runfold.db")
    with _serving(store, tmp_path, max_body_bytes=10_000) as url:
        yield Served(url, store, tmp_path, "sqlite")
    store.close()


@pytest.mark.parametrize(
    "path",
    [f"{P}/runs/c1/records", f"{P}/runs", f"{P}/reports", f"{P}/sweeps"],
)  # fmt: skip
def test_an_oversized_chunked_body_is_413(small_body_server: Served, path: str) -> None:
    answer = httpx.post(
        f"{small_body_server.url}{path}", content=_chunks(50_000),
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 413, answer.text
    assert answer.json()["status"] == 413


# ---- 11: login CSRF --------------------------------------------------------------


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    server = TeamServer(tmp_path_factory.mktemp("team"))
    yield server
    server.stop()


def _login(team: TeamServer, **kwargs: Any) -> httpx.Response:
    with httpx.Client(base_url=f"{team.url}/api/v1") as browser:
        answer = browser.post("/auth/login", **kwargs)
        answer.read()
        assert bool(browser.cookies.get("runfold_session")) == (
            answer.status_code in (200, 303)
        )
        return answer


def test_login_sent_as_text_plain_from_another_site_is_refused(
    team: TeamServer,
) -> None:
    """Issue 18: a cross-origin login sent as text/plain was accepted and set the
    session cookie (login CSRF)."""
    body = json.dumps({"user": "alice", "key": team.keys["alice"]})
    for headers in ({"content-type": "text/plain", "origin": "http://evil"},
                    {"content-type": "text/plain"}, {}):  # fmt: skip
        answer = _login(team, content=body, headers=headers)
        assert answer.status_code == 415, answer.text
        assert "application/json" in answer.json()["error"]


def test_login_with_json_needs_this_servers_origin_when_one_is_sent(
    team: TeamServer,
) -> None:
    creds = {"user": "alice", "key": team.keys["alice"]}
    assert (
        _login(team, json=creds, headers={"origin": "http://evil"}).status_code == 403
    )
    assert _login(team, json=creds, headers={"origin": "null"}).status_code == 403
    assert _login(team, json=creds, headers={"origin": team.url}).status_code == 200
    assert _login(team, json=creds).status_code == 200  # scripts send no Origin


def test_login_form_needs_this_servers_origin(team: TeamServer) -> None:
    form = {"user": "alice", "key": team.keys["alice"]}
    assert _login(team, data=form).status_code == 403  # says not where it is from
    referer = {"referer": f"{team.url}/projects"}
    assert _login(team, data=form, headers=referer).status_code == 303


# ---- the schemathesis run on PostgreSQL -------------------------------------------


def _poisoned(value: Any) -> Any:
    """``value`` with a NUL in every string and its objects nested 70 deep."""
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, list):
        return [_poisoned(v) for v in value]
    if isinstance(value, dict):
        poisoned = {k: _poisoned(v) for k, v in value.items()}
        return {**poisoned, "deep": json.loads(_deep(70))} if poisoned else poisoned
    return value


def test_write_api_never_answers_5xx_on_postgres(tmp_path: Path) -> None:
    """Schemathesis over every /api/v1 operation of a server on PostgreSQL, where
    generated text used to reach the database and fail there: a third of the cases
    get a NUL in each string and deeply nested objects in their body, a third a
    NUL in each path parameter."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    with _backend("postgres", tmp_path) as store, _serving(store, tmp_path) as url:
        served = Served(url, store, tmp_path, "postgres")
        httpx.post(
            f"{served.url}{P}/runs/ok/records", json=[[1, "run", {"name": "ok"}]]
        )
        schema = schemathesis.openapi.from_url(f"{served.url}/api/openapi.json")
        operations = [
            r.ok() for r in schema.include(path_regex="^/api/v1/").get_all_operations()
        ]
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=15, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def check(case: Any) -> None:
                mode = len(repr(case.query)) % 3
                if case.path_parameters and mode < 2:
                    case.path_parameters["project"] = "p"
                    if "run_id" in case.path_parameters:
                        case.path_parameters["run_id"] = "ok"
                if mode == 1:  # the seeded run, with poisoned text
                    case.body = _poisoned(case.body)
                elif mode == 2 and case.path_parameters:
                    case.path_parameters = _poisoned(case.path_parameters)
                case.call_and_validate(checks=[not_a_server_error])

            check()


def test_sync_does_not_upload_a_symlinked_console_log(tmp_path: Path) -> None:
    from runfold.sdk.uploads import run_files

    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    run = tmp_path / "run"
    (run / "files").mkdir(parents=True)
    (run / "output.log").symlink_to(secret)
    assert run_files(run) == {}
    (run / "output.log").unlink()
    (run / "output.log").write_text("epoch 1\n")
    assert run_files(run) == {"output.log": run / "output.log"}
