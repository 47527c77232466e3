"""The embedded SQLite store: WAL, many writer processes, migrations on open.

Every write runs in ``BEGIN IMMEDIATE`` so a writer takes the lock before reading
what it will change (no deadlocking upgrade from a read lock), and a long busy
timeout makes concurrent processes queue instead of failing with "database is
locked". One connection per store object, guarded by a lock, so the SDK's writer
thread and the caller's thread can share it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .sql import SQLStore

__all__ = ["SQLiteStore"]

BUSY_TIMEOUT_S = 120.0
MMAP_BYTES = 1 << 30
CACHE_KIB = 32 << 10  # SQLite's page cache, per connection


class SQLiteStore(SQLStore):
    dialect = "sqlite"
    path: Path  # the database file; saved files live beside it

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            # Reads copy pages straight from the mapped file instead of a read()
            # per 4 KiB page into a 2 MiB cache: a cold grouped read of 10,000
            # runs reads ~160 MiB of history (issue 19). Stores on network
            # filesystems get no store (sdk/init.py): SQLite is unsafe there anyway.
            self._conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            self._conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"Cannot open the store at {str(self.path)!r}: {exc}. Check that the "
                "directory is writable, or choose another with RUNFOLD_DIR."
            ) from exc
        self._lock = threading.RLock()
        self._migrate()

    def _lock_migrations(self, cur: Any) -> None:
        return None  # _write's BEGIN IMMEDIATE already holds the only write lock

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self._lock:
            cur = self._conn.cursor()
            self._begin(cur)
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def _begin(self, cur: sqlite3.Cursor) -> None:
        # The busy timeout covers BEGIN IMMEDIATE; loop anyway in case another
        # process holds the lock longer than that (a huge batch on a slow disk).
        deadline = time.monotonic() + 10 * BUSY_TIMEOUT_S
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN")
            try:
                yield cur
            finally:
                cur.execute("COMMIT")
                cur.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
