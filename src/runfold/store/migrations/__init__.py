"""Numbered schema migrations, one folder per dialect with the same numbers."""

from __future__ import annotations

from importlib import resources

__all__ = ["load_migrations"]


def load_migrations(dialect: str) -> list[tuple[int, list[str]]]:
    """``[(version, statements)]`` in order, for ``sqlite`` or ``postgres``."""
    folder = resources.files(__package__) / dialect
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            script = entry.read_text("utf-8")
            statements = [s for s in script.split(";") if s.strip()]
            found.append((int(entry.name.split("_", 1)[0]), statements))
    return sorted(found)
