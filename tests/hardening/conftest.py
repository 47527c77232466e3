"""A real server on loopback over SQLite or PostgreSQL (``server``, parametrized),
for the hardening tests of issue 18: what one backend refuses the other must too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.store.conftest import POSTGRES_URL, _postgres_schema


@dataclass
class Served:
    url: str
    store: Any
    files: Path
    backend: str


def serve_store(
    store: Any, files: Path, backend: str, **options: Any
) -> Iterator[Served]:
    """uvicorn serving ``create_app(store)`` on a free loopback port, in a thread."""
    import uvicorn

    from runfold.server import create_app

    app = create_app(store, files_dir=files, **options)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start within 10 s")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://127.0.0.1:{port}", store, files, backend)
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    files = tmp_path / "server-files"
    files.mkdir()
    if request.param == "sqlite":
        from runfold.store import open_store

        store = open_store(files / "runfold.db")
        yield from serve_store(store, files, "sqlite")
        store.close()
        return
    from runfold.store.postgres import PostgresStore

    conn, schema = _postgres_schema()
    store = PostgresStore(POSTGRES_URL, schema=schema, max_size=2)
    try:
        yield from serve_store(store, files, "postgres")
    finally:
        store.close()
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()
