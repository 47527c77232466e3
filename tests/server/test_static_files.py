"""The web UI's files (server/staticfiles.py): served from memory with their types,
gzip when asked, an ETag that answers 304, nothing outside the UI's folder, and a
file changed on disk served anew."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from runfold.server.app import WEB_DIR
from runfold.server.staticfiles import MemoryStatic
from tests.conftest import LiveServer


def test_a_module_comes_gzipped_with_its_type_and_an_etag(
    live_server: LiveServer,
) -> None:
    url = f"{live_server.url}/static/vendor/uplot-1.6.32.mjs"
    response = httpx.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "no-cache"
    on_disk = (WEB_DIR / "vendor/uplot-1.6.32.mjs").read_bytes()
    assert response.content == on_disk  # httpx unpacks it
    assert int(response.headers["content-length"]) < len(on_disk) / 2
    plain = httpx.get(url, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == on_disk
    # the browser's copy is still good: 304, no body
    again = httpx.get(url, headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    # the page's security headers are on these answers too
    assert again.headers["x-content-type-options"] == "nosniff"


def test_head_unknown_and_outside_paths(live_server: LiveServer) -> None:
    head = httpx.head(f"{live_server.url}/static/app.css")
    assert head.status_code == 200
    assert head.headers["content-type"] == "text/css; charset=utf-8"
    assert head.content == b""
    for path in ("/static/nope.js", "/static/../server/app.py", "/static/%2e%2e/__init__.py",
                 "/static/lib"):  # fmt: skip
        assert httpx.get(f"{live_server.url}{path}").status_code == 404, path
    post = httpx.post(f"{live_server.url}/static/app.js")
    assert post.status_code == 405


def test_a_file_changed_on_disk_is_served_anew(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("export const a = 1;\n")
    app = Starlette(routes=[Mount("/static", MemoryStatic(tmp_path))])
    client = TestClient(app)
    first = client.get("/static/a.js")
    assert first.text == "export const a = 1;\n"
    (tmp_path / "a.js").write_text("export const a = 22;\n")
    second = client.get(
        "/static/a.js", headers={"if-none-match": first.headers["etag"]}
    )
    assert second.status_code == 200
    assert second.text == "export const a = 22;\n"
    assert second.headers["etag"] != first.headers["etag"]


@pytest.mark.parametrize("size", [10, 5000])
def test_small_files_are_not_packed(tmp_path: Path, size: int) -> None:
    (tmp_path / "x.css").write_text("a" * size)
    client = TestClient(Starlette(routes=[Mount("/s", MemoryStatic(tmp_path))]))
    response = client.get("/s/x.css", headers={"accept-encoding": "gzip"})
    assert response.text == "a" * size
    assert (response.headers.get("content-encoding") == "gzip") == (size >= 1024)
