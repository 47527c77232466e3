"""Artifacts (issue 17): versions, aliases and lineage, kept at ingest.

An ``artifact`` record (``artifacts.records``) is applied in the same write
transaction as the rest of its run's batch: the name is created with its type,
the version found by its digest or given the name's next number (``v0``,
``v1`` ...; logging the same content again gives the version it already has),
``latest`` and the record's aliases are moved to it, and the run is linked to it
as the run that ``logged``, ``used`` or ``linked`` it. The files are not rows:
they are content-addressed files beside the store (``artifacts.blobs``), stored
before the record was taken (``artifacts.records.store_files``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..artifacts.manifest import check_alias, check_name, is_sha256
from ..errors import NotFound, UsageError
from .artifactrows import ArtifactLink, ArtifactRow, ArtifactVersionRow
from .base import UNCHANGED
from .sqlbase import SQLBase

__all__ = ["ArtifactsMixin"]

_VERSION = re.compile(r"^v(\d{1,18})$")  # a BIGINT's worth
_SELECT_VERSION = (
    "SELECT v.id, a.name, a.type, v.version, v.digest, v.description, v.metadata, "
    "v.size, v.file_count, v.created_at, r.id, "
    "(SELECT COUNT(*) FROM artifact_runs u WHERE u.version_id = v.id AND u.role = 'used') "
    "FROM artifact_versions v JOIN artifacts a ON a.id = v.artifact_id "
    "LEFT JOIN runs r ON r.pk = v.run_pk"
)
NO_ARTIFACT = (
    "Project {project!r} has no artifact {name!r}. Its artifacts are listed by "
    "runfold.Api().artifacts() and `runfold artifact ls {project}`."
)
NO_VERSION = (
    "Artifact {name!r} of project {project!r} has no version {alias!r}; its "
    "versions are v0 … and its aliases {aliases}."
)
OTHER_TYPE = (
    "Artifact {name!r} of project {project!r} is a {had!r}, not a {wanted!r}: a "
    "name keeps its type. Give the {wanted} another name."
)


class ArtifactsMixin(SQLBase):
    """Artifact versions written at ingest, read by name, alias and run."""

    # ---- ingest ---------------------------------------------------------------

    def _ingest_artifacts(
        self, cur: Any, row: dict[str, Any], bodies: list[dict[str, Any]], now: float
    ) -> None:
        for body in bodies:
            self._apply_artifact(cur, row, body, now)

    def _apply_artifact(
        self, cur: Any, row: dict[str, Any], body: dict[str, Any], now: float
    ) -> None:
        action, name = body["action"], body["name"]
        at = float(body["at"]) if body.get("at") is not None else now
        project_id = row["project_id"]
        if body.get("digest") is None:  # a use by alias: the version must exist
            found = self._one(
                cur, "SELECT id FROM artifacts WHERE project_id = ? AND name = ?",
                (project_id, name),
            )  # fmt: skip
            if found is None:
                (project,) = self._one(
                    cur, "SELECT name FROM projects WHERE id = ?", (project_id,)
                )
                raise UsageError(NO_ARTIFACT.format(project=project, name=name))
            try:
                version_id = self._version_id(cur, found[0], body["alias"], name)
            except NotFound as exc:  # a record the store cannot take: refused
                raise UsageError(str(exc)) from None
            self._link(cur, version_id, row["pk"], "used", at)
            return
        artifact_id = self._artifact_id(cur, project_id, name, body.get("type"), at)
        found = self._one(
            cur,
            "SELECT id, run_pk FROM artifact_versions WHERE artifact_id = ? AND digest = ?",
            (artifact_id, body["digest"]),
        )
        creator = row["pk"] if action == "log" else None
        if found is None:
            (number,) = self._one(
                cur, f"SELECT next_version FROM artifacts WHERE id = ?{self._for_update}",
                (artifact_id,),
            )  # fmt: skip
            self._exec(
                cur, "UPDATE artifacts SET next_version = ? WHERE id = ?",
                (number + 1, artifact_id),
            )  # fmt: skip
            self._exec(
                cur,
                "INSERT INTO artifact_versions (artifact_id, version, digest, "
                "description, metadata, size, file_count, created_at, run_pk) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (artifact_id, number, body["digest"], body.get("description"),
                 json.dumps(body.get("metadata") or {}, default=str),
                 int(body.get("size", 0)), int(body.get("files", 0)), at, creator),
            )  # fmt: skip
            (version_id,) = self._one(
                cur,
                "SELECT id FROM artifact_versions WHERE artifact_id = ? AND digest = ?",
                (artifact_id, body["digest"]),
            )
            new = True
        else:
            version_id, new = found[0], False
            if found[1] is None and creator is not None:  # used first, logged now
                self._exec(
                    cur, "UPDATE artifact_versions SET run_pk = ? WHERE id = ?",
                    (creator, version_id),
                )  # fmt: skip
        role = {"log": "logged", "use": "used", "link": "linked"}[action]
        if action != "use" or new:
            for alias in ["latest", *(body.get("aliases") or [])]:
                self._set_alias(cur, artifact_id, alias, version_id)
        self._link(cur, version_id, row["pk"], role, at)

    def _artifact_id(
        self, cur: Any, project_id: int, name: str, kind: str | None, at: float
    ) -> int:
        sql = "SELECT id, type FROM artifacts WHERE project_id = ? AND name = ?"
        found = self._one(cur, sql, (project_id, name))
        if found is None:
            self._exec(
                cur,
                "INSERT INTO artifacts (project_id, name, type, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (project_id, name, kind or "unspecified", at),
            )
            found = self._one(cur, sql, (project_id, name))
        if kind is not None and found[1] != kind:
            (project,) = self._one(
                cur, "SELECT name FROM projects WHERE id = ?", (project_id,)
            )
            raise UsageError(
                OTHER_TYPE.format(name=name, project=project, had=found[1], wanted=kind)
            )
        return int(found[0])

    def _set_alias(
        self, cur: Any, artifact_id: int, alias: str, version_id: int
    ) -> None:
        self._exec(
            cur,
            "INSERT INTO artifact_aliases (artifact_id, alias, version_id) VALUES "
            "(?, ?, ?) ON CONFLICT (artifact_id, alias) DO UPDATE SET "
            "version_id = excluded.version_id",
            (artifact_id, alias, version_id),
        )

    def _link(
        self, cur: Any, version_id: int, run_pk: int, role: str, at: float
    ) -> None:
        self._exec(
            cur,
            "INSERT INTO artifact_runs (version_id, run_pk, role, at) VALUES "
            "(?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (version_id, run_pk, role, at),
        )

    def _version_id(self, cur: Any, artifact_id: int, alias: str, name: str) -> int:
        number = _VERSION.match(alias)
        if number:
            sql, key = "version = ?", int(number.group(1))
        elif is_sha256(alias):
            sql, key = "digest = ?", alias  # type: ignore[assignment]
        else:
            found = self._one(
                cur,
                "SELECT version_id FROM artifact_aliases WHERE artifact_id = ? AND alias = ?",
                (artifact_id, alias),
            )
            sql = ""
        if sql:
            found = self._one(
                cur, f"SELECT id FROM artifact_versions WHERE artifact_id = ? AND {sql}",
                (artifact_id, key),
            )  # fmt: skip
        if found is None:
            project = self._one(
                cur, "SELECT p.name FROM artifacts a JOIN projects p ON p.id = "
                "a.project_id WHERE a.id = ?", (artifact_id,),
            )[0]  # fmt: skip
            aliases = [a for (a,) in self._all(
                cur, "SELECT alias FROM artifact_aliases WHERE artifact_id = ? "
                "ORDER BY alias", (artifact_id,),
            )]  # fmt: skip
            raise NotFound(NO_VERSION.format(
                name=name, project=project, alias=alias, aliases=", ".join(aliases) or "none",
            ))  # fmt: skip
        return int(found[0])

    # ---- reads ----------------------------------------------------------------

    def _collection(self, cur: Any, project: str, name: str) -> int:
        project_id = self._project_id(cur, project, create=False)
        found = self._one(
            cur, "SELECT id FROM artifacts WHERE project_id = ? AND name = ?",
            (project_id, name),
        )  # fmt: skip
        if found is None:
            raise NotFound(NO_ARTIFACT.format(project=project, name=name))
        return int(found[0])

    def _versions(
        self, cur: Any, project: str, where: str, params: tuple[Any, ...]
    ) -> list[tuple[int, ArtifactVersionRow]]:
        rows = self._all(cur, f"{_SELECT_VERSION} WHERE {where}", params)
        ids = [r[0] for r in rows]
        aliases: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for version_id, alias in self._all(
                cur, f"SELECT version_id, alias FROM artifact_aliases WHERE "
                f"version_id IN ({marks}) ORDER BY alias", tuple(chunk),
            ):  # fmt: skip
                aliases.setdefault(int(version_id), []).append(alias)
        return [
            (int(r[0]), ArtifactVersionRow(
                project=project, name=r[1], type=r[2], version=int(r[3]), digest=r[4],
                description=r[5], metadata=json.loads(r[6]), size=int(r[7]),
                file_count=int(r[8]), created_at=float(r[9]), logged_by=r[10],
                aliases=aliases.get(int(r[0]), []), used=int(r[11]),
            ))
            for r in rows
        ]  # fmt: skip

    def list_artifacts(
        self, project: str, type: str | None = None
    ) -> list[ArtifactRow]:  # noqa: A002
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            kind = "" if type is None else " AND a.type = ?"
            rows = self._all(
                cur,
                "SELECT a.name, a.type, a.created_at, (SELECT COUNT(*) FROM "
                "artifact_versions v WHERE v.artifact_id = a.id), v.version, "
                "v.created_at, v.size FROM artifacts a LEFT JOIN artifact_aliases l "
                "ON l.artifact_id = a.id AND l.alias = 'latest' LEFT JOIN "
                "artifact_versions v ON v.id = l.version_id "
                f"WHERE a.project_id = ?{kind} ORDER BY a.type, a.name",
                (project_id,) if type is None else (project_id, type),
            )
        return [
            ArtifactRow(project, name, kind_, float(created), int(count),
                        None if latest is None else int(latest),
                        None if updated is None else float(updated), int(size or 0))
            for name, kind_, created, count, latest, updated, size in rows
            if count
        ]  # fmt: skip

    def artifact_versions(self, project: str, name: str) -> list[ArtifactVersionRow]:
        with self._read() as cur:
            artifact_id = self._collection(cur, project, name)
            found = self._versions(
                cur, project, "v.artifact_id = ? ORDER BY v.version", (artifact_id,)
            )
        return [row for _, row in found]

    def get_artifact_version(
        self, project: str, name: str, alias: str = "latest"
    ) -> ArtifactVersionRow:
        with self._read() as cur:
            artifact_id = self._collection(cur, project, name)
            version_id = self._version_id(cur, artifact_id, alias, name)
            return self._versions(cur, project, "v.id = ?", (version_id,))[0][1]

    def artifact_links(
        self, project: str, *, name: str | None = None,
        run_ids: list[str] | None = None,
    ) -> list[ArtifactLink]:  # fmt: skip
        where, params = ["a.project_id = ?"], []
        if name is not None:
            where.append("a.name = ?")
            params.append(name)
        out: list[ArtifactLink] = []
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            chunks = [None] if run_ids is None else [
                run_ids[i : i + 500] for i in range(0, len(run_ids), 500)
            ]  # fmt: skip
            for chunk in chunks:
                runs = "" if chunk is None else (
                    f" AND r.id IN ({', '.join('?' * len(chunk))})"
                )  # fmt: skip
                rows = self._all(
                    cur,
                    'SELECT u.version_id, u.role, u.at, r.id, r.name, r."group", '
                    "r.state FROM artifact_runs u JOIN runs r ON r.pk = u.run_pk JOIN "
                    "artifact_versions v ON v.id = u.version_id JOIN artifacts a ON "
                    f"a.id = v.artifact_id WHERE {' AND '.join(where)}{runs} "
                    "ORDER BY u.at, r.id",
                    (project_id, *params, *(chunk or ())),
                )
                ids = sorted({int(r[0]) for r in rows})
                versions: dict[int, ArtifactVersionRow] = {}
                for start in range(0, len(ids), 500):
                    part = ids[start : start + 500]
                    marks = ", ".join("?" * len(part))
                    versions.update(self._versions(
                        cur, project, f"v.id IN ({marks})", tuple(part)
                    ))  # fmt: skip
                out += [
                    ArtifactLink(role, float(at), run_id, run_name, group, state,
                                 versions[int(version_id)])
                    for version_id, role, at, run_id, run_name, group, state in rows
                ]  # fmt: skip
        return out

    def artifact_digests(self, project: str) -> set[str]:
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            rows = self._all(
                cur, "SELECT v.digest FROM artifact_versions v JOIN artifacts a ON "
                "a.id = v.artifact_id WHERE a.project_id = ?", (project_id,),
            )  # fmt: skip
        return {digest for (digest,) in rows}

    # ---- edits ------------------------------------------------------------------

    def update_artifact_version(
        self, project: str, name: str, version: str, *,
        aliases: list[str] | None = None, description: Any = UNCHANGED,
        metadata: dict[str, Any] | None = None,
    ) -> ArtifactVersionRow:  # fmt: skip
        for alias in aliases or ():
            if alias != "latest":
                check_alias(alias)
        with self._write() as cur:
            artifact_id = self._collection(cur, project, name)
            version_id = self._version_id(cur, artifact_id, version, name)
            if aliases is not None:
                kept = set(aliases)
                for (alias,) in self._all(
                    cur, "SELECT alias FROM artifact_aliases WHERE version_id = ?",
                    (version_id,),
                ):  # fmt: skip
                    if alias not in kept and alias != "latest":
                        self._exec(
                            cur, "DELETE FROM artifact_aliases WHERE artifact_id = ? "
                            "AND alias = ?", (artifact_id, alias),
                        )  # fmt: skip
                for alias in kept:
                    self._set_alias(cur, artifact_id, alias, version_id)
            if description is not UNCHANGED:
                self._exec(
                    cur, "UPDATE artifact_versions SET description = ? WHERE id = ?",
                    (description, version_id),
                )  # fmt: skip
            if metadata is not None:
                self._exec(
                    cur, "UPDATE artifact_versions SET metadata = ? WHERE id = ?",
                    (json.dumps(metadata, default=str), version_id),
                )  # fmt: skip
            (number,) = self._one(
                cur, "SELECT version FROM artifact_versions WHERE id = ?", (version_id,)
            )
        return self.get_artifact_version(project, name, f"v{number}")

    def delete_artifact_version(self, project: str, name: str, version: str) -> None:
        check_name(name)
        with self._write() as cur:
            artifact_id = self._collection(cur, project, name)
            version_id = self._version_id(cur, artifact_id, version, name)
            was_latest = self._one(
                cur, "SELECT 1 FROM artifact_aliases WHERE artifact_id = ? AND "
                "alias = 'latest' AND version_id = ?", (artifact_id, version_id),
            ) is not None  # fmt: skip
            for table in ("artifact_aliases", "artifact_runs"):
                self._exec(
                    cur, f"DELETE FROM {table} WHERE version_id = ?", (version_id,)
                )
            self._exec(cur, "DELETE FROM artifact_versions WHERE id = ?", (version_id,))
            newest = self._one(
                cur, "SELECT id FROM artifact_versions WHERE artifact_id = ? "
                "ORDER BY version DESC LIMIT 1", (artifact_id,),
            )  # fmt: skip
            if was_latest and newest is not None:
                self._set_alias(cur, artifact_id, "latest", newest[0])
