"""The reports API on a real server: create, read, list, update with versions,
restore, delete; 400 (bad blocks), 404 and 409 in the one error shape; hostile
text stored verbatim; the author in team mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import runfold
from runfold.reports import CHART_DEFAULTS
from tests.conftest import LiveServer, sdk_environment
from tests.server.test_auth import TeamServer, _write_run

P = "p"
HOSTILE = (
    '<script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3)) '
    "\u202e 🦀 é ' \" \\ {{7*7}} ${x}"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as mp:
        sdk_environment(mp, root / "store")
        for group in ("a", "b"):
            run = runfold.init(project=P, group=group, reinit=True)
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
    assert body == {"ok": False, "error": body["error"], "errors": body["errors"],
                    "status": status}  # fmt: skip
    return str(body["error"])


def test_create_read_and_list(client: httpx.Client) -> None:
    blocks = [
        {"type": "markdown", "text": "# Findings\n\nlr 0.1 wins."},
        {"type": "chart", "metrics": ["loss"], "by": ["group"],
         "settings": {"shading": "std", "smoothing": 0.5}},
        {"type": "runs", "filters": {"group": "a"}, "q": "config.lr>0.01",
         "by": ["group"], "columns": ["config.lr", "summary.loss"]},
        {"type": "group", "group": "a"},
        {"type": "file", "run": "abc", "path": "media/plot.png"},
    ]  # fmt: skip
    made = _ok(client.post("/reports", json={"title": "Study", "group": "a",
                                             "blocks": blocks}))  # fmt: skip
    assert set(made) == {"id", "project", "group", "title", "author", "created_at",
                         "updated_at", "version", "blocks"}  # fmt: skip
    assert (made["project"], made["group"], made["title"], made["author"],
            made["version"]) == (P, "a", "Study", None, 1)  # fmt: skip
    # Missing settings take the workspace defaults; missing fields their empty value.
    assert made["blocks"][1] == {
        "type": "chart", "metrics": ["loss"], "by": ["group"], "filters": None,
        "settings": {**CHART_DEFAULTS, "shading": "std", "smoothing": 0.5},
    }  # fmt: skip
    assert made["blocks"][0] == blocks[0] and made["blocks"][2:] == blocks[2:]
    assert _ok(client.get(f"/reports/{made['id']}")) == made
    listed = _ok(client.get("/reports"))["reports"]
    mine = next(r for r in listed if r["id"] == made["id"])
    assert mine == {k: v for k, v in made.items() if k != "blocks"}


def test_list_by_group_and_newest_first(client: httpx.Client) -> None:
    a = _ok(client.post("/reports", json={"title": "on a", "group": "a"}))
    b = _ok(client.post("/reports", json={"title": "on b", "group": "b"}))
    _ok(client.put(f"/reports/{a['id']}", json={"title": "on a, again"}))
    ids = [r["id"] for r in _ok(client.get("/reports"))["reports"]]
    assert ids.index(a["id"]) < ids.index(b["id"])
    on_b = _ok(client.get("/reports", params={"group": "b"}))["reports"]
    assert [r["id"] for r in on_b] == [b["id"]]
    assert all(
        r["group"] == "a" for r in _ok(client.get("/reports?group=a"))["reports"]
    )


def test_update_versions_and_restore(client: httpx.Client) -> None:
    made = _ok(client.post("/reports", json={
        "title": "v1", "blocks": [{"type": "markdown", "text": "one"}]}))  # fmt: skip
    rid = made["id"]
    v2 = _ok(client.put(f"/reports/{rid}", json={
        "blocks": [{"type": "markdown", "text": "two"}], "base_version": 1}))  # fmt: skip
    assert (v2["version"], v2["title"], v2["blocks"][0]["text"]) == (2, "v1", "two")
    v3 = _ok(client.put(f"/reports/{rid}", json={"title": "v3", "group": "b"}))
    assert (v3["version"], v3["group"], v3["blocks"]) == (3, "b", v2["blocks"])
    v4 = _ok(client.put(f"/reports/{rid}", json={"group": None}))
    assert v4["group"] is None and v4["title"] == "v3"
    old = _ok(client.get(f"/reports/{rid}", params={"version": 1}))
    assert (old["version"], old["title"], old["blocks"]) == (1, "v1", made["blocks"])
    versions = _ok(client.get(f"/reports/{rid}/versions"))["versions"]
    assert [(v["version"], v["title"]) for v in versions] == [
        (4, "v3"), (3, "v3"), (2, "v1"), (1, "v1")]  # fmt: skip
    assert set(versions[0]) == {"version", "updated_at", "author", "title"}
    restored = _ok(client.post(f"/reports/{rid}/restore", json={"version": 1}))
    assert (restored["version"], restored["title"], restored["group"],
            restored["blocks"]) == (5, "v1", None, made["blocks"])  # fmt: skip
    assert _ok(client.get(f"/reports/{rid}"))["version"] == 5


def test_stale_base_version_is_409(client: httpx.Client) -> None:
    rid = _ok(client.post("/reports", json={"title": "t"}))["id"]
    _ok(client.put(f"/reports/{rid}", json={"title": "theirs", "base_version": 1}))
    message = _error(
        client.put(f"/reports/{rid}", json={"title": "mine", "base_version": 1}), 409
    )
    assert "changed since you opened it" in message and "version 2" in message
    assert _ok(client.get(f"/reports/{rid}"))["title"] == "theirs"


def test_delete(client: httpx.Client) -> None:
    rid = _ok(client.post("/reports", json={"title": "gone soon"}))["id"]
    assert _ok(client.delete(f"/reports/{rid}")) == {"ok": True}
    assert rid in _error(client.get(f"/reports/{rid}"), 404)
    assert rid not in [r["id"] for r in _ok(client.get("/reports"))["reports"]]
    _error(client.delete(f"/reports/{rid}"), 404)


def test_missing_project_report_and_version_are_404(
    client: httpx.Client, server: LiveServer
) -> None:
    other = f"{server.url}/api/v1/projects/nope/reports"
    assert "Project 'nope' not found" in _error(httpx.get(other), 404)
    assert "Project 'nope'" in _error(httpx.post(other, json={"title": "t"}), 404)
    message = _error(client.get("/reports/zzzzzzzz"), 404)
    assert message == (
        "Report 'zzzzzzzz' not found in project 'p'. List its reports with: "
        "runfold report list p"
    )
    rid = _ok(client.post("/reports", json={"title": "t"}))["id"]
    assert "no version 3" in _error(client.get(f"/reports/{rid}?version=3"), 404)
    _error(client.post(f"/reports/{rid}/restore", json={"version": 3}), 404)
    _error(client.get("/reports/zzzzzzzz/versions"), 404)
    _error(client.put("/reports/zzzzzzzz", json={"title": "x"}), 404)


@pytest.mark.parametrize(
    ("blocks", "says"),
    [
        ([{"type": "video"}], "Block 1 has type 'video'; a block's type is one of "
                              "markdown, chart, runs, group, file."),
        ([{"text": "x"}], "Block 1 has type None"),
        (["text"], "Block 1 must be an object"),
        ({"type": "markdown"}, "blocks must be a list"),
        ([{"type": "markdown"}], "Block 1 (markdown): text must be given"),
        ([{"type": "markdown", "text": 3}], "text must be a string"),
        ([{"type": "markdown", "text": "x", "html": "<b>"}],
         "unknown field(s) html; a markdown block takes: text"),
        ([{"type": "markdown", "text": "ok"}, {"type": "chart", "metrics": []}],
         "Block 2 (chart): metrics must be a list of non-empty strings (at least one)"),
        ([{"type": "chart", "metrics": ["loss"], "settings": {"line": "avg"}}],
         "settings.line must be one of mean, median, min, max; got 'avg'"),
        ([{"type": "chart", "metrics": ["loss"], "settings": {"shading": "x"}}],
         "settings.shading must be one of none, minmax, std, stderr, members"),
        ([{"type": "chart", "metrics": ["loss"], "settings": {"smoothing": 1}}],
         "settings.smoothing must be a number from 0 up to (not including) 1"),
        ([{"type": "chart", "metrics": ["loss"], "settings": {"max": 0}}],
         "settings.max must be a whole number from 1 to 500"),
        ([{"type": "chart", "metrics": ["loss"], "settings": {"log": "yes"}}],
         "settings.log must be true or false"),
        ([{"type": "chart", "metrics": ["loss"], "settings": {"colour": "red"}}],
         "unknown setting(s) colour; chart settings are line, shading, x"),
        ([{"type": "chart", "metrics": ["loss"], "by": ["flavour"]}],
         "Cannot group or filter by 'flavour'"),
        ([{"type": "runs", "filters": {"config.lr": {"$bigger": 1}}}],
         "Unknown filter operator '$bigger'"),
        ([{"type": "runs", "filters": [1]}], "filters must be a run filter object"),
        ([{"type": "group", "group": ""}], "group must be a non-empty string"),
        ([{"type": "file", "run": "r", "path": "../../etc/passwd"}],
         "path must be a relative path inside the run's files"),
        ([{"type": "file", "run": "r", "path": "/etc/passwd"}], "no leading /"),
    ],
)  # fmt: skip
def test_bad_blocks_are_400_saying_what_is_allowed(
    client: httpx.Client, blocks: Any, says: str
) -> None:
    message = _error(
        client.post("/reports", json={"title": "t", "blocks": blocks}), 400
    )
    assert says in message
    rid = _ok(client.post("/reports", json={"title": "t"}))["id"]
    assert says in _error(client.put(f"/reports/{rid}", json={"blocks": blocks}), 400)
    assert _ok(client.get(f"/reports/{rid}"))["version"] == 1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "title"),
        ({"title": ""}, "The report's title '' is not allowed: it is empty."),
        ({"title": "t", "colour": 1}, "colour"),
        ({"title": "a\u0000b"}, "NUL"),
        ({"title": "t", "group": "  "}, "group"),
    ],
)
def test_bad_report_fields_are_400(client: httpx.Client, body: Any, says: str) -> None:
    assert says in _error(client.post("/reports", json=body), 400)


def test_non_finite_numbers_and_lone_surrogates_are_400(client: httpx.Client) -> None:
    nan_filter = (
        '{"title": "t", "blocks": [{"type": "runs", "filters": {"config.lr": NaN}}]}'
    )
    response = client.post("/reports", content=nan_filter,
                           headers={"content-type": "application/json"})  # fmt: skip
    assert "no JSON form" in _error(response, 400)
    surrogate = '{"title": "t", "blocks": [{"type": "markdown", "text": "\\ud800"}]}'
    response = client.post("/reports", content=surrogate,
                           headers={"content-type": "application/json"})  # fmt: skip
    assert "lone surrogate" in _error(response, 400)


def test_hostile_strings_are_stored_verbatim(client: httpx.Client) -> None:
    blocks = [
        {"type": "markdown", "text": HOSTILE},
        {"type": "chart", "metrics": [HOSTILE], "by": ["group"],
         "settings": {"x": HOSTILE}},
        {"type": "runs", "q": HOSTILE, "columns": [f"config.{HOSTILE}"]},
        {"type": "group", "group": HOSTILE},
        {"type": "file", "run": HOSTILE, "path": "a/" + HOSTILE.replace("/", "")},
    ]  # fmt: skip
    made = _ok(client.post("/reports", json={"title": HOSTILE, "group": HOSTILE,
                                             "blocks": blocks}))  # fmt: skip
    read = _ok(client.get(f"/reports/{made['id']}"))
    assert read["title"] == HOSTILE and read["group"] == HOSTILE
    assert read["blocks"][0]["text"] == HOSTILE
    assert read["blocks"][1]["metrics"] == [HOSTILE]
    assert read["blocks"][1]["settings"]["x"] == HOSTILE
    assert read["blocks"][2]["q"] == HOSTILE
    assert read["blocks"][3]["group"] == HOSTILE
    assert read["blocks"][4]["run"] == HOSTILE
    listed = _ok(client.get("/reports", params={"group": HOSTILE}))["reports"]
    assert [r["title"] for r in listed] == [HOSTILE]


def test_ui_pages_are_served(server: LiveServer) -> None:
    for path in (f"/projects/{P}/reports", f"/projects/{P}/reports/abc12345"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    server = TeamServer(Path(tmp_path_factory.mktemp("team-reports")))
    with server.client("alice") as alice:
        _write_run(alice, "alpha", "r1")
    yield server
    server.stop()


def test_team_mode_records_the_author_and_hides_other_teams(team: TeamServer) -> None:
    with team.client("alice") as alice, team.client("bob") as bob:
        made = _ok(alice.post("/projects/alpha/reports", json={"title": "mine"}))
        assert made["author"] == "alice"
        edited = _ok(alice.put(f"/projects/alpha/reports/{made['id']}",
                               json={"title": "edited"}))  # fmt: skip
        assert edited["author"] == "alice"  # the report's author: who created it
        versions = _ok(alice.get(f"/projects/alpha/reports/{made['id']}/versions"))
        assert [v["author"] for v in versions["versions"]] == ["alice", "alice"]
        _error(bob.get("/projects/alpha/reports"), 404)
        _error(bob.get(f"/projects/alpha/reports/{made['id']}"), 404)
        _error(bob.post("/projects/alpha/reports", json={"title": "x"}), 404)
    with httpx.Client(base_url=f"{team.url}/api/v1") as anonymous:
        _error(anonymous.get("/projects/alpha/reports"), 401)
