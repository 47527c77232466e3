"""The views API on a real server: named views (create, list, read, rename,
replace, delete) and the caller's own workspace; errors in the one shape; in team
mode each user has their own workspace, named views are their team's, and another
team sees neither."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import runfold
from tests.conftest import LiveServer, sdk_environment
from tests.server.test_auth import TeamServer, _write_run

P = "p"
SPEC = {"layout": {"sections": []}, "query": "by=config.lr"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("views")
    with pytest.MonkeyPatch.context() as mp:
        sdk_environment(mp, root / "store")
        run = runfold.init(project=P, reinit=True)
        run.log({"loss": 1.0})
        run.finish()
    live = LiveServer(root / "store").start()
    yield live
    live.stop()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/api/v1/projects/{P}") as c:
        yield c


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response: httpx.Response, status: int) -> str:
    body = response.json()
    assert response.status_code == status, response.text
    assert set(body) == {"ok", "error", "errors", "status"} and not body["ok"]
    return str(body["error"])


def test_named_views_round_trip(client: httpx.Client) -> None:
    made = _ok(client.post("/views", json={"name": "by lr", "spec": SPEC}))
    assert set(made) == {"id", "project", "name", "author", "created_at",
                         "updated_at", "spec"}  # fmt: skip
    assert (made["name"], made["spec"], made["author"]) == ("by lr", SPEC, None)
    listed = _ok(client.get("/views"))["views"]
    assert [v["id"] for v in listed] == [made["id"]] and "spec" not in listed[0]
    assert _ok(client.get(f"/views/{made['id']}")) == made
    renamed = _ok(client.put(f"/views/{made['id']}", json={"name": "lr study"}))
    assert (renamed["name"], renamed["spec"]) == ("lr study", SPEC)
    other = {"layout": None, "query": ""}
    assert (
        _ok(client.put(f"/views/{made['id']}", json={"spec": other}))["spec"] == other
    )
    assert _ok(client.delete(f"/views/{made['id']}")) == {"ok": True}
    assert "not found" in _error(client.get(f"/views/{made['id']}"), 404)


def test_bad_requests_are_400_with_what_to_fix(client: httpx.Client) -> None:
    assert "view name" in _error(
        client.post("/views", json={"name": " ", "spec": {}}), 400
    )
    _error(client.post("/views", json={"name": "x", "spec": [1]}), 400)
    _error(client.post("/views", json={"name": "x", "spec": {}, "extra": 1}), 400)
    lone = '{"name": "x", "spec": {"s": "\\ud800"}}'  # a lone surrogate: not text
    headers = {"content-type": "application/json"}
    _error(client.post("/views", content=lone, headers=headers), 400)
    _error(
        client.put("/workspace", content='{"spec": {"s": "\\udfff"}}', headers=headers),
        400,
    )
    big = {"name": "x", "spec": {"s": "x" * (600 * 1024)}}
    assert "at most" in _error(client.post("/views", json=big), 400)
    with httpx.Client(base_url=str(client.base_url).replace(f"/{P}", "/nope")) as c:
        _error(c.get("/views"), 404)
        _error(c.get("/workspace"), 404)


def test_the_workspace_is_saved_replaced_and_reset(client: httpx.Client) -> None:
    assert _ok(client.get("/workspace")) == {"spec": None}
    assert _ok(client.put("/workspace", json={"spec": SPEC})) == {"spec": SPEC}
    assert _ok(client.get("/workspace")) == {"spec": SPEC}
    assert _ok(client.put("/workspace", json={"spec": None})) == {"spec": None}
    assert _ok(client.get("/workspace")) == {"spec": None}


def test_a_group_page_keeps_its_own_workspace(client: httpx.Client) -> None:
    group = {"layout": {"sections": [], "removed": ["loss"]}}
    assert _ok(client.put("/workspace", json={"spec": SPEC})) == {"spec": SPEC}
    scoped = {"scope": "group:exp 1"}
    assert _ok(client.get("/workspace", params=scoped)) == {"spec": None}
    _ok(client.put("/workspace", params=scoped, json={"spec": group}))
    assert _ok(client.get("/workspace", params=scoped)) == {"spec": group}
    assert _ok(client.get("/workspace")) == {"spec": SPEC}  # the project's: as it was
    assert _ok(client.get("/workspace", params={"scope": "group:x"})) == {"spec": None}
    _ok(client.put("/workspace", params=scoped, json={"spec": None}))
    assert _ok(client.get("/workspace", params=scoped)) == {"spec": None}
    assert _ok(client.get("/workspace")) == {"spec": SPEC}
    assert "group:<group name>" in _error(
        client.get("/workspace", params={"scope": "run:abc"}), 400
    )
    _ok(client.put("/workspace", json={"spec": None}))


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    server = TeamServer(Path(tmp_path_factory.mktemp("team-views")))
    server.store.create_user("carol")
    server.store.add_member("vision", "carol")
    server.keys["carol"] = server.store.create_key("carol")[1]
    with server.client("alice") as alice:
        _write_run(alice, "shared", "r1")
    yield server
    server.stop()


def test_team_mode_workspaces_are_per_user_and_views_per_team(
    team: TeamServer,
) -> None:
    with team.client("alice") as alice, team.client("carol") as carol:
        _ok(alice.put("/projects/shared/workspace", json={"spec": SPEC}))
        assert _ok(carol.get("/projects/shared/workspace")) == {"spec": None}
        assert _ok(alice.get("/projects/shared/workspace")) == {"spec": SPEC}
        made = _ok(
            alice.post("/projects/shared/views", json={"name": "v", "spec": SPEC})
        )
        assert made["author"] == "alice"
        assert _ok(carol.get(f"/projects/shared/views/{made['id']}"))["spec"] == SPEC
        saved = _ok(
            carol.put(f"/projects/shared/views/{made['id']}", json={"name": "w"})
        )
        assert (saved["name"], saved["author"]) == ("w", "alice")  # who made it
    with team.client("bob") as bob:  # another team: the project reads as missing
        _error(bob.get("/projects/shared/views"), 404)
        _error(bob.get(f"/projects/shared/views/{made['id']}"), 404)
        _error(bob.put("/projects/shared/workspace", json={"spec": SPEC}), 404)
    with httpx.Client(base_url=f"{team.url}/api/v1") as anonymous:
        _error(anonymous.get("/projects/shared/views"), 401)
