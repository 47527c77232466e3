"""The PostgreSQL store for a team server: a psycopg 3 connection pool.

Same schema (its own dialect of each numbered migration), same SQL as SQLite from
``sql.py``. Several server processes may share one database: migrations run under
an advisory lock, and ingest locks the run's row (``FOR UPDATE``) so two processes
never apply the same records twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import StoreError
from .sql import SQLStore

__all__ = ["PostgresStore"]

_MIGRATION_LOCK = 7_411_853  # an arbitrary advisory-lock key for Runfold's schema
_METRIC_IDS = "SELECT id FROM metrics WHERE key = ?"  # each project's own


class PostgresStore(SQLStore):
    dialect = "postgres"
    _for_update = " FOR UPDATE"

    def __init__(
        self, url: str, *, schema: str | None = None, max_size: int = 8
    ) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self.schema = schema
        self._sql_cache: dict[str, str] = {}

        def configure(conn: Any) -> None:
            if schema:
                conn.execute(f'SET search_path TO "{schema}"')
                conn.commit()

        try:
            # ``check``: a connection is tested (an empty query) as it leaves the
            # pool, so one that PostgreSQL dropped (a restart, a failover, an idle
            # timeout) is replaced there instead of failing the request that drew
            # it. A connection that breaks mid-transaction fails that request (a
            # 500, which clients retry) and the pool discards it on return.
            self._pool = ConnectionPool(
                url, min_size=1, max_size=max_size, configure=configure, open=True,
                # A request that cannot get a connection within 10 s fails (a 5xx
                # clients retry with backoff) instead of queueing ever longer.
                timeout=10, check=ConnectionPool.check_connection,
            )  # fmt: skip
            self._pool.wait(timeout=30)
        except (psycopg.Error, OSError, Exception) as exc:
            raise StoreError(
                f"Cannot connect to PostgreSQL at {_safe_url(url)}: {exc}. Check that "
                "the server runs and the URL (user, host, database) is right."
            ) from exc
        self._migrate()

    def _sql(self, sql: str) -> str:
        # Our SQL uses "?" placeholders and never a literal "?" or "%".
        out = self._sql_cache.get(sql)
        if out is None:
            out = self._sql_cache[sql] = sql.replace("?", "%s")
        return out

    def _exec(self, cur: Any, sql: str, params: tuple[Any, ...]) -> None:
        cur.execute(self._sql(sql), params)

    def _one(self, cur: Any, sql: str, params: tuple[Any, ...]) -> Any:
        cur.execute(self._sql(sql), params)
        return cur.fetchone()

    def _all(self, cur: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
        cur.execute(self._sql(sql), params)
        return cur.fetchall()

    def _in_ids(self, ids: list[int]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        # One array parameter: a statement of 500 placeholders cost psycopg
        # ~3 ms to convert, 20 of them per grouped read of 10,000 runs.
        if ids:
            yield "= ANY(?)", (list(ids),)

    def _all_binary(self, cur: Any, sql: str, params: tuple[Any, ...]) -> list[Any]:
        # In the text format a bytea crosses the socket as hex, twice its size,
        # and is decoded again here: a cold grouped read of 10,000 runs moved
        # 160 MB for 80 MB of values; their 10,000 rows of reductions were read
        # in 35 ms, 14 in binary (issue 19).
        cur.execute(self._sql(sql), params, binary=True)
        return cur.fetchall()

    def _chunk_rows(self, run_pks: list[int], key: str) -> list[Any]:
        # By binary COPY (store/pgcopy.py): the value arrays come as views of the
        # messages that carry them, not a ``bytes`` each copied out of a libpq
        # result (the largest read a grouped chart makes: 80 MB for 10,000 runs
        # × 1,000 steps).
        from .pgcopy import copy_rows, int_array

        if not run_pks:
            return []
        with self._read() as cur:
            ids = [i for (i,) in self._all(cur, _METRIC_IDS, (key,))]
            if not ids:
                return []
            query = (  # ints only in the text: COPY takes no parameters
                "SELECT t.run_pk, t.first_step, t.n, t.steps, t.vals "
                f"FROM history_chunks t WHERE t.metric_id = ANY({int_array(ids)}) "
                f"AND t.run_pk = ANY({int_array(run_pks)}) "
                "ORDER BY t.run_pk, t.first_seq"
            )
            return copy_rows(cur, query, ints=3)

    def _lock_migrations(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            # A writer waiting on a run's row lock (a resent batch whose first copy
            # is still being applied) gives up after 10 s rather than hold a pooled
            # connection; its client retries with backoff and ingest is idempotent.
            cur.execute("SET LOCAL lock_timeout = '10s'")
            yield cur

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    @property
    def path(self) -> None:
        """No local file: a team server keeps files in its own directory."""
        return None

    def close(self) -> None:
        self._pool.close()


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return repr(url)
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return repr(f"{scheme}://{user}@{host}")
