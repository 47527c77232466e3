"""A real server on loopback over SQLite or PostgreSQL (``server``, parametrized),
for the hardening tests of issue 18: what one backend refuses the other must too.
The store and the server are the remote-Api tests' (``_backend``, ``_serving``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.test_api_remote import _backend, _serving


@dataclass
class Served:
    url: str
    store: Any
    files: Path
    backend: str


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    files = tmp_path / "server-files"
    files.mkdir()
    with _backend(request.param, files) as store, _serving(store, files) as url:
        yield Served(url, store, files, request.param)
