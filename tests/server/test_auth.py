"""Team mode on a real server: keys, teams, 404 for other teams' projects, the UI
session with CSRF, the write rate limit, hostile input and security headers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from runfold.errors import ProjectNotFound
from runfold.server.auth import BAD_CSRF, BAD_KEY, KEY_REQUIRED
from runfold.server.headers import API_CSP, PAGE_CSP
from runfold.store import open_store
from tests.conftest import run_script
from tests.server.test_server_command import _free_port
from tests.store.conftest import POSTGRES_URL, _postgres_schema

MISSING = str(ProjectNotFound("alpha"))


class TeamServer:
    """uvicorn serving ``create_app(store, team_mode=True)`` on a loopback port,
    with users alice (team vision), bob (team speech) and a revoked key."""

    def __init__(self, root: Path, **options: Any) -> None:
        import uvicorn

        from runfold.server import create_app

        self.store = open_store(root / "runfold.db")
        self.keys = {}
        for user, team in (("alice", "vision"), ("bob", "speech")):
            self.store.create_user(user)
            self.store.create_team(team)
            self.store.add_member(team, user)
            self.keys[user] = self.store.create_key(user)[1]
        info, self.keys["revoked"] = self.store.create_key("alice")
        self.store.revoke_key(info.id)
        app = create_app(self.store, team_mode=True, **options)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            assert self._thread.is_alive(), "the team server did not start"
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def client(self, user: str | None = None) -> httpx.Client:
        headers = {"authorization": f"Bearer {self.keys[user]}"} if user else {}
        return httpx.Client(base_url=f"{self.url}/api/v1", headers=headers)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.store.close()


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    server = TeamServer(tmp_path_factory.mktemp("team"))
    with server.client("alice") as alice:
        _write_run(alice, "alpha", "r1", notes="<script>alert(1)</script>")
    yield server
    server.stop()


def _write_run(client: httpx.Client, project: str, run_id: str, **fields: Any) -> None:
    created = client.post(f"/projects/{project}/runs", json={"id": run_id})
    assert created.status_code == 200, created.text
    records = [
        [1, "run", {"name": run_id, "group": "g", **fields}],
        [2, "config", {"lr": 0.1, "net": {"w": 64}}],
        [3, "history", [[0, 1.0, {"loss": 1.0}], [1, 2.0, {"loss": 0.5}]]],
    ]
    written = client.post(f"/projects/{project}/runs/{run_id}/records", json=records)
    assert written.json() == {"last_seq": 3}, written.text


@pytest.mark.parametrize(
    ("user", "message"),
    [(None, KEY_REQUIRED), ("revoked", BAD_KEY), ("wrong", BAD_KEY)],
)
def test_api_call_is_401_when_the_key_is_missing_wrong_or_revoked(
    team: TeamServer, user: str | None, message: str
) -> None:
    team.keys["wrong"] = "rf_" + "x" * 43
    with team.client(user) as client:
        for method, path in (("GET", "/projects"), ("GET", "/projects/alpha/runs"),
                             ("POST", "/projects/alpha/runs/r9/records")):  # fmt: skip
            response = client.request(method, path, json=[])
            assert response.status_code == 401
            assert response.json() == {
                "ok": False, "error": message, "errors": [message], "status": 401
            }  # fmt: skip
            assert response.headers["www-authenticate"].startswith("Bearer")
    assert "runfold admin key create" in message and "runfold login" in message


def test_other_teams_project_is_404_like_a_missing_one(team: TeamServer) -> None:
    with team.client("bob") as bob:
        for method, path, body in (
            ("GET", "/projects/alpha/runs", None),
            ("GET", "/projects/alpha/runs/r1", None),
            ("GET", "/projects/alpha/series?metric=loss", None),
            ("POST", "/projects/alpha/runs", {"id": "r2"}),
            ("POST", "/projects/alpha/runs/r1/records", [[4, "finish", {}]]),
            ("PATCH", "/projects/alpha/runs/r1", {"notes": "mine now"}),
            ("PUT", "/projects/alpha/runs/r1/files/x.txt", None),
        ):
            response = bob.request(method, path, json=body)
            assert (response.status_code, response.json()["error"]) == (404, MISSING)
        assert bob.get("/projects").json() == {"projects": []}
        missing = bob.get("/projects/nothing-here/runs").json()["error"]
        assert missing == MISSING.replace("alpha", "nothing-here")
    with team.client("alice") as alice:
        run = alice.get("/projects/alpha/runs/r1").json()
        assert run["notes"] == "<script>alert(1)</script>" and run["state"] == "running"
        assert [p["name"] for p in alice.get("/projects").json()["projects"]] == [
            "alpha"
        ]


def test_new_project_belongs_to_the_callers_team(team: TeamServer) -> None:
    with team.client("bob") as bob:
        _write_run(bob, "beta", "r1")
        assert [p["name"] for p in bob.get("/projects").json()["projects"]] == ["beta"]
    with team.client("alice") as alice:
        assert alice.get("/projects/beta/runs").status_code == 404
        assert alice.get("/auth/session").json()["teams"] == ["vision"]


def test_cookie_login_needs_csrf_token_for_writes(team: TeamServer) -> None:
    with team.client() as browser:
        bad = browser.post(
            "/auth/login", json={"user": "bob", "key": team.keys["alice"]}
        )
        assert bad.status_code == 401 and not browser.cookies
        login = browser.post(
            "/auth/login", json={"user": "alice", "key": team.keys["alice"]}
        )
        assert login.status_code == 200, login.text
        cookie = login.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        csrf = login.json()["csrf_token"]
        assert browser.get("/projects/alpha/runs").json()["total"] >= 1
        patch = {"notes": "edited in the UI"}
        refused = browser.patch("/projects/alpha/runs/r1", json=patch)
        assert (refused.status_code, refused.json()["error"]) == (403, BAD_CSRF)
        wrong = browser.patch(
            "/projects/alpha/runs/r1", json=patch, headers={"X-CSRF-Token": "0" * 64}
        )
        assert wrong.status_code == 403
        ok = browser.patch(
            "/projects/alpha/runs/r1", json=patch, headers={"X-CSRF-Token": csrf}
        )
        assert ok.status_code == 200, ok.text
        home = httpx.get(team.url, cookies=browser.cookies).text
        assert 'src="/static/app.js"' in home and "auth/login" not in home
        out = browser.post("/auth/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 200 and not browser.cookies
        assert browser.get("/projects").status_code == 401


def test_home_page_in_team_mode_asks_for_a_login(team: TeamServer) -> None:
    page = httpx.get(team.url)
    assert 'action="/api/v1/auth/login"' in page.text and "alpha" not in page.text


def test_form_login_from_another_site_is_refused(team: TeamServer) -> None:
    form = {"user": "alice", "key": team.keys["alice"]}
    with team.client() as browser:
        evil = browser.post("/auth/login", data=form, headers={"origin": "http://evil"})
        assert evil.status_code == 403
        ours = browser.post("/auth/login", data=form, headers={"origin": team.url})
        assert ours.status_code == 303 and browser.cookies.get("runfold_session")


def test_security_headers_on_page_and_api(team: TeamServer) -> None:
    page = httpx.get(team.url)
    api = httpx.get(f"{team.url}/api/v1/projects")
    for response in (page, api):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    assert page.headers["content-security-policy"] == PAGE_CSP
    assert api.headers["content-security-policy"] == API_CSP


def test_hostile_names_filters_and_paths_are_harmless(team: TeamServer) -> None:
    with team.client("alice") as alice:
        project = 'q" OR 1=1 --<script>'
        _write_run(alice, project, "r1", notes="'); DROP TABLE runs; --")
        hostile = [
            "{\"config.lr' OR '1'='1\": {\"$eq\": 1}}",
            '{"group": "g\' OR 1=1 --"}',
            '{"$or": [{"name": {"$in": ["x\\"; DELETE FROM runs; --"]}}]}',
        ]
        for filters in hostile:
            response = alice.get(
                f"/projects/{project}/runs", params={"filters": filters}
            )
            assert response.status_code in (200, 400), response.text
            assert response.status_code == 400 or response.json()["total"] == 0
        assert alice.get(f"/projects/{project}/runs").json()["total"] == 1
        for path in ("..%2F..%2Fescape.txt", "a/%2E%2E/%2E%2E/x", "%2E%2E"):
            put = alice.put(f"/projects/{project}/runs/r1/files/{path}", content=b"x")
            assert put.status_code in (400, 404), put.text
        assert not list(Path(team.store.path).parent.rglob("escape.txt"))
        cookies = _login(alice, team)
        page = httpx.get(team.url, cookies=cookies).text
        assert project not in page  # the shell carries no user text; the UI renders
        names = httpx.get(f"{team.url}/api/v1/projects", cookies=cookies).json()
        assert project in [p["name"] for p in names["projects"]]  # data, as text
    with team.client("bob") as bob:
        assert bob.get(f"/projects/{project}/runs").status_code == 404


def _login(client: httpx.Client, team: TeamServer) -> httpx.Cookies:
    with team.client() as browser:
        browser.post("/auth/login", json={"user": "alice", "key": team.keys["alice"]})
        return browser.cookies


def test_write_rate_limit_is_429_then_recovers(tmp_path: Path) -> None:
    # a slow refill (2 per second), so a loaded machine cannot refill the bucket
    # between the four quick writes
    server = TeamServer(tmp_path, rate_limit=2.0, rate_burst=3)
    try:
        with server.client("alice") as alice:
            codes = [alice.post("/projects/rl/runs", json={"id": "r"}).status_code
                     for _ in range(4)]  # fmt: skip
            assert codes == [200, 200, 200, 429]
            limited = alice.post("/projects/rl/runs", json={"id": "r"})
            assert limited.headers["retry-after"] == "1"
            assert "Too many writes with this API key" in limited.json()["error"]
            assert alice.get("/projects").status_code == 200  # reads are not limited
            with server.client("bob") as bob:  # another key has its own bucket
                assert (
                    bob.post("/projects/rb/runs", json={"id": "r"}).status_code == 200
                )
            time.sleep(0.6)
            assert alice.post("/projects/rl/runs", json={"id": "r"}).status_code == 200
    finally:
        server.stop()


def test_team_api_never_answers_5xx_with_a_valid_key(team: TeamServer) -> None:
    schema = schemathesis.openapi.from_url(f"{team.url}/api/openapi.json")
    headers = {"authorization": f"Bearer {team.keys['alice']}"}
    operations = [r.ok() for r in schema.include(path_regex="^/api/v1/").get_all_operations()]  # fmt: skip
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            if case.path_parameters and len(repr(case.query)) % 2 == 0:
                case.path_parameters["project"] = "alpha"
                if "run_id" in case.path_parameters:
                    case.path_parameters["run_id"] = "r1"
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    conn, schema = _postgres_schema()
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    conn.close()


SDK_CLIENT = """
import runfold
run = runfold.init(project="vision-exp", group="g", id="online1")
for step in range(300):
    run.log({"loss": 1.0 / (step + 1), "acc": step / 300})
run.finish()
"""


def test_sdk_logs_through_team_server_on_postgres_with_a_key(
    postgres_url: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from runfold.cli import cli

    runner = CliRunner()
    for args in (["user", "create", "alice"], ["team", "create", "vision"],
                 ["team", "add", "vision", "alice"]):  # fmt: skip
        assert (
            runner.invoke(cli, ["admin", "--database", postgres_url, *args]).exit_code
            == 0
        )
    created = runner.invoke(
        cli, ["admin", "--database", postgres_url, "key", "create", "alice"]
    )
    key = next(w for w in created.output.split() if w.startswith("rf_"))
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "runfold.cli", "server", "--team", "--database",
         postgres_url, "--files", str(tmp_path / "files"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v1/projects", timeout=1).status_code == 401:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(
                    "runfold server --team did not start\n"
                    + "\n".join(proc.communicate())
                )
            time.sleep(0.1)
        run_script(SDK_CLIENT, env={"RUNFOLD_BASE_URL": url, "RUNFOLD_API_KEY": key})
        auth = {"authorization": f"Bearer {key}"}
        history = httpx.get(
            f"{url}/api/v1/projects/vision-exp/runs/online1/history", headers=auth
        ).json()
        assert history["keys"]["loss"]["steps"] == list(range(300))
        run = httpx.get(f"{url}/api/v1/projects/vision-exp/runs/online1", headers=auth)
        assert run.json()["state"] == "finished"
        denied = run_script(
            SDK_CLIENT.replace("online1", "online2"),
            env={"RUNFOLD_BASE_URL": url, "RUNFOLD_API_KEY": "rf_nope"},
            check=False,
        )
        assert denied.returncode == 1 and "(401: The API key is wrong" in denied.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert os.environ.get("RUNFOLD_TEAM_MODE") is None
