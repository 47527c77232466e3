"""Fixtures for the artifact tests: files to log, a real server on loopback over
SQLite or PostgreSQL (counting the artifact files uploaded to it). The artifacts
page's browser test is tests/browser/test_artifacts_page.py, beside the browser
fixtures: one Playwright per process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runfold.artifacts.blobs import BlobStore, blob_root
from tests.test_api_remote import _backend


def write_tree(root: Path, files: dict[str, bytes | str]) -> Path:
    """Files under ``root`` (paths with '/'); returns ``root``."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        path.write_bytes(data)
    return root


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its '/' path, with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file()
    }  # fmt: skip


def blob_count(files_dir: Path, project: str) -> int:
    return sum(1 for _ in BlobStore(blob_root(files_dir, project)).blobs())


class Uploads:
    """ASGI middleware counting ``PUT .../artifact-store/files/<sha>`` by sha."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.puts: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] == "PUT"
            and "/artifact-store/files/" in path
        ):
            self.puts.append(path.rsplit("/", 1)[-1])
        await self.app(scope, receive, send)


class Served:
    def __init__(self, store: Any, files: Path, **options: Any) -> None:
        from runfold.server import create_app

        self.store, self.files, self.options = store, files, options
        self.app = Uploads(create_app(store, files_dir=files, **options))
        self.url = ""
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self, port: int = 0) -> Served:
        import uvicorn

        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert self._thread.is_alive() and time.monotonic() < deadline, "no server"
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(10)
            self._server = None


# A store on ``sqlite`` (in ``root``) or ``postgres`` (a schema of its own).
backend = _backend


@pytest.fixture(autouse=True)
def _private_cache(
    runfold_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Downloads cached under the test's folder, default downloads under its cwd."""
    monkeypatch.setenv("RUNFOLD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def a_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A store on SQLite, then on PostgreSQL."""
    with backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """A real server on loopback over SQLite or PostgreSQL, its files in its own
    folder, counting the artifact files uploaded to it."""
    root = tmp_path / f"server-{request.param}"
    root.mkdir()
    with backend(request.param, root) as opened:
        served = Served(opened, root / "files").start()
        yield served
        served.stop()


@pytest.fixture
def online(server: Served, monkeypatch: pytest.MonkeyPatch) -> Served:
    """The SDK streams to ``server`` (online mode), with a short finish timeout."""
    monkeypatch.setenv("RUNFOLD_MODE", "online")
    monkeypatch.setenv("RUNFOLD_BASE_URL", server.url)
    monkeypatch.setenv("RUNFOLD_FLUSH_SECONDS", "0.05")
    return server
