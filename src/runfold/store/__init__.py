"""Stores: ``open_store(url)`` returns the backend for a URL or path."""

from __future__ import annotations

from pathlib import Path

from .base import AccountStore, ProjectRow, ReportStore, RunRow, RunStore, Store

__all__ = [
    "open_store", "Store", "RunStore", "ReportStore", "AccountStore", "RunRow",
    "ProjectRow",
]  # fmt: skip


def open_store(url: str | Path) -> Store:
    """Open a store: a path or ``sqlite:///path`` is the embedded SQLite store,
    ``postgresql://user@host/db`` the PostgreSQL one (needs ``runfold[postgres]``).
    Raises StoreError when it cannot be opened."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg  # noqa: F401 - PostgresStore imports it only when opened
            import psycopg_pool  # noqa: F401

            from .postgres import PostgresStore
        except ImportError:  # pragma: no cover - depends on the install
            from ..errors import StoreError

            raise StoreError(
                "PostgreSQL needs psycopg: pip install 'runfold[postgres]'"
            ) from None
        return PostgresStore(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    from .sqlite import SQLiteStore

    return SQLiteStore(text)
