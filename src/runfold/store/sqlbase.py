"""What every part of the SQL store stands on: transactions, SQL helpers, migrations.

``SQLStore`` (``sql.py``) is composed of parts, one per concern: run writes
(``writes.py``), run reads (``reads.py``), accounts and reports. Each part
subclasses ``SQLBase`` and uses only what it declares here; a backend
(``sqlite.py``, ``postgres.py``) supplies the transactions and, where its driver
differs, the placeholder style and blob type. SQL uses ``?`` placeholders.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from ..errors import ProjectNotFound

__all__ = ["SQLBase", "id_chunks"]

IN_IDS = 500  # ids per IN (...) list


def id_chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in lists of at most ``IN_IDS``, under SQLite's limit on parameters."""
    for i in range(0, len(ids), IN_IDS):
        yield ids[i : i + IN_IDS]


_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version BIGINT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
)


class SQLBase:
    """A DB-API connection seen through transactions and three query helpers."""

    dialect = "sql"
    # Appended to a SELECT that reads a row it will change: PostgreSQL locks the
    # row (" FOR UPDATE"); SQLite's BEGIN IMMEDIATE already serialises writers.
    _for_update = ""

    # ---- a backend supplies these, or overrides them -------------------------

    def _write(self) -> AbstractContextManager[Any]:
        """A cursor in a write transaction, committed on exit."""
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Any]:
        """A cursor in a read transaction (one consistent snapshot)."""
        raise NotImplementedError

    def _lock_migrations(self, cur: Any) -> None:
        """Keep two processes opening a new store from migrating it at once."""

    def _blob(self, value: Any) -> bytes:
        return bytes(value)

    def _exec(self, cur: Any, sql: str, params: tuple[Any, ...]) -> None:
        cur.execute(sql, params)

    def _one(self, cur: Any, sql: str, params: tuple[Any, ...]) -> Any:
        cur.execute(sql, params)
        return cur.fetchone()

    def _all(self, cur: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
        cur.execute(sql, params)
        return cur.fetchall()

    def _in_ids(self, ids: list[int]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """``ids`` as ``(condition, params)`` pairs to put after a column:
        ``IN (?, ...)`` of at most ``IN_IDS`` each (``id_chunks``). PostgreSQL
        takes them all as one array."""
        for chunk in id_chunks(ids):
            yield f"IN ({', '.join('?' * len(chunk))})", tuple(chunk)

    def _all_binary(self, cur: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """``_all`` for rows of blobs and numbers, which PostgreSQL sends in binary
        (as text a blob crosses as hex, twice its size, and numbers are parsed)."""
        return self._all(cur, sql, params)

    # ---- shared by the parts -------------------------------------------------

    def _migrate(self) -> None:
        """Apply the dialect's numbered migrations this store has not had yet."""
        from .migrations import load_migrations

        with self._write() as cur:
            self._lock_migrations(cur)
            self._exec(cur, _MIGRATIONS_TABLE, ())
            done = {
                version
                for (version,) in self._all(
                    cur, "SELECT version FROM schema_migrations", ()
                )
            }
            for version, statements in load_migrations(self.dialect):
                if version in done:
                    continue
                for statement in statements:
                    self._exec(cur, statement, ())
                self._exec(
                    cur,
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (version, time.time()),
                )

    def _project_id(self, cur: Any, project: str, *, create: bool) -> int:
        """The project's id; ``create`` adds a missing project, otherwise
        ProjectNotFound."""
        sql = "SELECT id FROM projects WHERE name = ?"
        found = self._one(cur, sql, (project,))
        if found is None:
            if not create:
                raise ProjectNotFound(project)
            self._exec(
                cur,
                "INSERT INTO projects (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (project, time.time()),
            )
            found = self._one(cur, sql, (project,))
        return found[0]
