"""Reports in the store (migration 0004): a project's write-ups, every saved version
kept. A part of ``SQLStore`` (``sql.py``), so both backends share this SQL.

A save never changes an old version: it adds version N + 1 to ``report_versions``
and moves the report's row (latest title, group, version, updated_at) along, in one
transaction. Restoring version K is a save of K's title, group and blocks. Blocks
are stored as the JSON the caller validated (``runfold.reports.validate_blocks``);
the store does not look inside them.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from ..errors import Conflict, NotFound, UsageError
from .base import UNCHANGED
from .rows import ReportRow, ReportVersion
from .sqlbase import SQLBase

__all__ = ["ReportsMixin", "ReportRow", "ReportVersion", "report_fields"]

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_ID_LENGTH = 8
MAX_TITLE = 500

NO_REPORT = (
    "Report {report_id!r} not found in project {project!r}. List its reports with: "
    "runfold report list {project}"
)
NO_VERSION = (
    "Report {report_id!r} has no version {version}; its versions are 1 to {latest}."
)
STALE = (
    "Report {report_id!r} changed since you opened it: you edited version {base}, "
    "and version {latest} has been saved since. Reload it, redo your change, and "
    "save again."
)


def report_fields(report: ReportRow) -> dict[str, Any]:
    """A report as the API's JSON: without ``blocks`` when it has none (lists)."""
    out: dict[str, Any] = {
        "id": report.id, "project": report.project, "group": report.group,
        "title": report.title, "author": report.author,
        "created_at": report.created_at, "updated_at": report.updated_at,
        "version": report.version,
    }  # fmt: skip
    if report.blocks is not None:
        out["blocks"] = report.blocks
    return out


def check_text(what: str, value: Any, *, optional: bool = False) -> str | None:
    """A title or group name: any text (kept verbatim), but not empty, not NUL
    (PostgreSQL cannot store it) and no lone surrogate (not encodable)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        kind = "a string or null" if optional else "a string"
        raise UsageError(f"The report's {what} must be {kind}; got {value!r}.")
    why = None
    if not value.strip():
        why = "it is empty"
    elif "\x00" in value:
        why = "it contains a NUL character"
    elif len(value) > MAX_TITLE:
        why = f"it is longer than {MAX_TITLE} characters"
    else:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            why = "it contains a lone surrogate (not valid Unicode text)"
    if why:
        raise UsageError(f"The report's {what} {value[:80]!r} is not allowed: {why}.")
    return value


def _new_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


class ReportsMixin(SQLBase):
    """The report methods of ``SQLStore`` (``ReportStore`` in ``base.py``)."""

    # ---- reads --------------------------------------------------------------

    def list_reports(self, project: str, group: str | None = None) -> list[ReportRow]:
        """The project's reports (latest versions, no blocks), newest updated
        first; with ``group``, only the reports about that group."""
        sql = (
            'SELECT id, "group", title, author, created_at, updated_at, version '
            "FROM reports WHERE project_id = ?"
        )
        with self._read() as cur:
            params: tuple[Any, ...] = (self._project_id(cur, project, create=False),)
            if group is not None:
                sql += ' AND "group" = ?'
                params += (group,)
            rows = self._all(cur, sql + " ORDER BY updated_at DESC, pk DESC", params)
        return [ReportRow(r[0], project, *r[1:]) for r in rows]

    def get_report(
        self, project: str, report_id: str, version: int | None = None
    ) -> ReportRow:
        """The latest version of a report, or ``version``; NotFound for either."""
        with self._read() as cur:
            head = self._head(cur, project, report_id)
            return self._version_row(cur, project, head, version or head["version"])

    def report_versions(self, project: str, report_id: str) -> list[ReportVersion]:
        """Every saved version of a report, newest first."""
        with self._read() as cur:
            head = self._head(cur, project, report_id)
            rows = self._all(
                cur,
                "SELECT version, saved_at, author, title FROM report_versions "
                "WHERE report_pk = ? ORDER BY version DESC",
                (head["pk"],),
            )
        return [ReportVersion(*r) for r in rows]

    def _head(
        self, cur: Any, project: str, report_id: str, *, lock: bool = False
    ) -> dict[str, Any]:
        # A save locks the report's row (PostgreSQL): two saves at once get
        # versions N + 1 and N + 2, or a Conflict for the stale one.
        locking = self._for_update if lock else ""
        found = self._one(
            cur,
            "SELECT pk, created_at, author, version FROM reports "
            f"WHERE project_id = ? AND id = ?{locking}",
            (self._project_id(cur, project, create=False), report_id),
        )
        if found is None:
            raise NotFound(NO_REPORT.format(report_id=report_id, project=project))
        pk, created_at, author, version = found
        return {"pk": pk, "id": report_id, "created_at": created_at,
                "author": author, "version": version}  # fmt: skip

    def _version_row(
        self, cur: Any, project: str, head: dict[str, Any], version: int
    ) -> ReportRow:
        found = self._one(
            cur,
            'SELECT title, "group", blocks, saved_at FROM report_versions '
            "WHERE report_pk = ? AND version = ?",
            (head["pk"], version),
        )
        if found is None:
            raise NotFound(NO_VERSION.format(
                report_id=head["id"], version=version, latest=head["version"]
            ))  # fmt: skip
        title, group, blocks, saved_at = found
        return ReportRow(
            id=head["id"], project=project, group=group, title=title,
            author=head["author"], created_at=head["created_at"], updated_at=saved_at,
            version=version, blocks=json.loads(blocks),
        )  # fmt: skip

    # ---- writes -------------------------------------------------------------

    def create_report(
        self, project: str, title: str, *, group: str | None = None,
        blocks: Sequence[dict[str, Any]] = (), author: str | None = None,
    ) -> ReportRow:  # fmt: skip
        """A new report, version 1, in an existing project (ProjectNotFound)."""
        check_text("title", title)
        check_text("group", group, optional=True)
        now = time.time()
        with self._write() as cur:
            project_id = self._project_id(cur, project, create=False)
            report_id = _new_id()
            while self._one(
                cur,
                "SELECT 1 FROM reports WHERE project_id = ? AND id = ?",
                (project_id, report_id),
            ):
                report_id = _new_id()
            self._exec(
                cur,
                'INSERT INTO reports (project_id, id, "group", title, author, '
                "created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                (project_id, report_id, group, title, author, now, now),
            )
            head = self._head(cur, project, report_id)
            self._add_version(cur, head, 1, title, group, list(blocks), author, now)
            return self._version_row(cur, project, head, 1)

    def update_report(
        self, project: str, report_id: str, *, title: str | None = None,
        group: str | None = UNCHANGED, blocks: Sequence[dict[str, Any]] | None = None,
        base_version: int | None = None, author: str | None = None,
    ) -> ReportRow:  # fmt: skip
        """Save a new version: the latest one with ``title``, ``group`` and
        ``blocks`` replaced where given. With ``base_version`` (the version the
        editor started from), Conflict when another save came in between."""
        if title is not None:
            check_text("title", title)
        if group is not UNCHANGED:
            check_text("group", group, optional=True)
        with self._write() as cur:
            head = self._head(cur, project, report_id, lock=True)
            latest = self._version_row(cur, project, head, head["version"])
            if base_version is not None and base_version != head["version"]:
                raise Conflict(STALE.format(
                    report_id=report_id, base=base_version, latest=head["version"]
                ))  # fmt: skip
            return self._save(
                cur, project, head,
                latest.title if title is None else title,
                latest.group if group is UNCHANGED else group,
                latest.blocks if blocks is None else list(blocks), author,
            )  # fmt: skip

    def restore_report(
        self, project: str, report_id: str, version: int, *, author: str | None = None
    ) -> ReportRow:
        """A new latest version whose title, group and blocks are ``version``'s."""
        with self._write() as cur:
            head = self._head(cur, project, report_id, lock=True)
            old = self._version_row(cur, project, head, version)
            return self._save(
                cur, project, head, old.title, old.group, old.blocks, author
            )

    def delete_report(self, project: str, report_id: str) -> None:
        """Remove a report and all its versions."""
        with self._write() as cur:
            head = self._head(cur, project, report_id)
            self._exec(
                cur, "DELETE FROM report_versions WHERE report_pk = ?", (head["pk"],)
            )
            self._exec(cur, "DELETE FROM reports WHERE pk = ?", (head["pk"],))

    def _save(
        self, cur: Any, project: str, head: dict[str, Any], title: str,
        group: str | None, blocks: Any, author: str | None,
    ) -> ReportRow:  # fmt: skip
        version = head["version"] + 1
        now = max(time.time(), head["created_at"])
        self._add_version(cur, head, version, title, group, blocks, author, now)
        self._exec(
            cur,
            'UPDATE reports SET title = ?, "group" = ?, updated_at = ?, version = ? '
            "WHERE pk = ?",
            (title, group, now, version, head["pk"]),
        )
        return self._version_row(cur, project, {**head, "version": version}, version)

    def _add_version(
        self, cur: Any, head: dict[str, Any], version: int, title: str,
        group: str | None, blocks: list[Any], author: str | None, now: float,
    ) -> None:  # fmt: skip
        self._exec(
            cur,
            'INSERT INTO report_versions (report_pk, version, title, "group", author, '
            "blocks, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (head["pk"], version, title, group, author,
             json.dumps(blocks, separators=(",", ":"), allow_nan=False), now),
        )  # fmt: skip
