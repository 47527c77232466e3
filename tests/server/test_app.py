"""The app's frame: projects, the plain home page, the one error body, limits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

import runfold
from tests.conftest import LiveServer


def _seed(project: str = "p") -> None:
    for group in ("a", "b"):
        run = runfold.init(project=project, group=group, reinit=True, dir=None)
        run.log({"loss": 1.0})
        run.finish()


@pytest.fixture
def seeded(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    _seed()
    return live_server


def test_projects_lists_run_and_group_counts(seeded: LiveServer) -> None:
    body = httpx.get(f"{seeded.url}/api/v1/projects").json()
    assert [(p["name"], p["runs"], p["groups"]) for p in body["projects"]] == [
        ("p", 2, 2)
    ]


def test_metrics_lists_logged_keys(seeded: LiveServer) -> None:
    assert httpx.get(f"{seeded.url}/api/v1/projects/p/metrics").json() == {
        "metrics": ["loss"]
    }


@pytest.mark.parametrize(
    "path", ["/", "/projects/p", "/projects/p/groups/a%20b", "/projects/p/runs/r1"]
)
def test_ui_paths_serve_the_app_shell_under_a_strict_csp(
    seeded: LiveServer, path: str
) -> None:
    response = httpx.get(f"{seeded.url}{path}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js"></script>' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    "asset", ["/static/app.js", "/static/vendor/preact-11.2.0.mjs", "/static/app.css"]
)
def test_ui_assets_are_served_with_their_types(seeded: LiveServer, asset: str) -> None:
    response = httpx.get(f"{seeded.url}{asset}")
    kind = "text/css" if asset.endswith(".css") else "text/javascript"
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)


def test_unknown_project_is_404_in_the_error_shape(seeded: LiveServer) -> None:
    response = httpx.get(f"{seeded.url}/api/v1/projects/nope/metrics")
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error": "Project 'nope' not found. List projects with: runfold projects",
        "errors": ["Project 'nope' not found. List projects with: runfold projects"],
        "status": 404,
    }


def test_unknown_endpoint_is_404_in_the_error_shape(seeded: LiveServer) -> None:
    response = httpx.get(f"{seeded.url}/api/v1/nothing")
    assert response.status_code == 404
    assert (
        response.json()["error"]
        == "No such endpoint: GET /api/v1/nothing. See /api/docs."
    )


def test_openapi_schema_is_served(seeded: LiveServer) -> None:
    schema = httpx.get(f"{seeded.url}/api/openapi.json").json()
    assert "/api/v1/projects" in schema["paths"]


def test_oversized_body_is_413_before_it_is_read(tmp_path: Path) -> None:
    from runfold.server import create_app
    from runfold.store import open_store

    store = open_store(tmp_path / "s.db")
    app = create_app(store, max_body_bytes=1000)

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t"
        ) as client:
            return await client.post("/api/v1/projects", content=b"x" * 5000)

    response = asyncio.run(post())
    store.close()
    assert response.status_code == 413
    assert response.json()["error"] == (
        "Request body is larger than 1000 bytes. Send smaller batches."
    )
