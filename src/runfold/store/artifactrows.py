"""The plain data the store returns about artifacts (issue 17). No SQL here.

``base.py`` re-exports these beside ``ArtifactStore``, the interface that
returns them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ArtifactRow", "ArtifactVersionRow", "ArtifactLink", "version_fields"]


@dataclass
class ArtifactRow:
    """A name in a project: its type, how many versions it has, and its newest
    (``latest`` alias) version's number and time."""

    project: str
    name: str
    type: str
    created_at: float
    versions: int
    latest: int | None
    updated_at: float | None
    size: int  # the latest version's


@dataclass
class ArtifactVersionRow:
    project: str
    name: str
    type: str
    version: int
    digest: str
    description: str | None
    metadata: dict[str, Any]
    size: int
    file_count: int
    created_at: float
    logged_by: str | None  # the id of the run that logged it first
    aliases: list[str] = field(default_factory=list)
    used: int = 0  # how many runs used it

    @property
    def label(self) -> str:
        """``v3``."""
        return f"v{self.version}"


@dataclass
class ArtifactLink:
    """One edge of the lineage: a run that ``logged``, ``used`` or ``linked``
    an artifact version, and when; with the run's name, group and state."""

    role: str
    at: float
    run_id: str
    run_name: str
    run_group: str | None
    run_state: str
    version: ArtifactVersionRow


def version_fields(row: ArtifactVersionRow) -> dict[str, Any]:
    """A version as the HTTP API's JSON (and the remote Api reads it back)."""
    return {
        "project": row.project, "name": row.name, "type": row.type,
        "version": row.version, "label": row.label, "digest": row.digest,
        "description": row.description, "metadata": row.metadata, "size": row.size,
        "file_count": row.file_count, "created_at": row.created_at,
        "logged_by": row.logged_by, "aliases": list(row.aliases), "used": row.used,
    }  # fmt: skip


def version_row(d: dict[str, Any]) -> ArtifactVersionRow:
    """``version_fields`` read back."""
    return ArtifactVersionRow(
        project=d["project"], name=d["name"], type=d["type"], version=d["version"],
        digest=d["digest"], description=d["description"],
        metadata=d["metadata"] if isinstance(d["metadata"], dict)
        else json.loads(d["metadata"]),
        size=d["size"], file_count=d["file_count"], created_at=d["created_at"],
        logged_by=d["logged_by"], aliases=list(d["aliases"]), used=d.get("used", 0),
    )  # fmt: skip
