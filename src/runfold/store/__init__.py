"""Stores: ``open_store(url)`` returns the backend for a URL or path."""

from __future__ import annotations

from pathlib import Path

from .base import ProjectRow, RunRow, Store

__all__ = ["open_store", "Store", "RunRow", "ProjectRow"]


def open_store(url: str | Path) -> Store:
    """Open a store: a path or ``sqlite:///path`` is the embedded SQLite store."""
    text = str(url)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    from .sqlite import SQLiteStore

    return SQLiteStore(text)
