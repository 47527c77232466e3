"""The ``store`` fixture: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests use 127.0.0.1:5432/test (or RUNFOLD_TEST_POSTGRES), each in its own
schema, dropped afterwards. Without a server they skip, unless
RUNFOLD_REQUIRE_POSTGRES=1 (CI) makes them fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runfold.store import open_store

# Read at import: the autouse runfold_dir fixture clears RUNFOLD_* variables
# before any test runs, and CI's "PostgreSQL is required" must survive that.
POSTGRES_URL = os.environ.get(
    "RUNFOLD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("RUNFOLD_REQUIRE_POSTGRES") == "1"


def _postgres_schema() -> tuple[Any, str]:
    try:
        import psycopg

        conn = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any reason means "no server here"
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here but unreachable: {exc}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {exc}")
    schema = "t_" + secrets.token_hex(6)
    conn.execute(f'CREATE SCHEMA "{schema}"')
    return conn, schema


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        s = open_store(tmp_path / "runfold.db")
        yield s
        s.close()
        return
    from runfold.store.postgres import PostgresStore

    conn, schema = _postgres_schema()
    s = PostgresStore(POSTGRES_URL, schema=schema, max_size=2)
    yield s
    s.close()
    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    conn.close()
