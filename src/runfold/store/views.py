"""Workspace views in the store (migrations 0008 and 0009). A part of ``SQLStore``
(``sql.py``), so both backends share this SQL.

A project has named views (``views``: a name, its author and a spec) that anyone
who may read the project can open, and each user has their own workspace
(``workspaces``, one row per project, owner and scope; the owner is ``""`` off team
mode), saved as they edit it. The scope names the page: ``""`` the project's
workspace, ``"group:<name>"`` the page of one of its groups. A spec is the JSON the web UI made (its layout of
sections and panels, and the address's view parameters); the store checks only
that it is a JSON object of a bounded size, and keeps it as given.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from ..errors import NotFound, UsageError
from .sqlbase import SQLBase

__all__ = [
    "ViewsMixin", "ViewRow", "view_fields", "check_scope", "MAX_SPEC_BYTES", "MAX_NAME",
    "GROUP_SCOPE",
]  # fmt: skip

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_ID_LENGTH = 8
MAX_NAME = 200
MAX_SPEC_BYTES = 512 * 1024

NO_VIEW = (
    "View {view_id!r} not found in project {project!r}: it may have been deleted. "
    "Open the project's views from the Views menu of its workspace."
)
BAD_SPEC = "A view's spec must be a JSON object (its layout and view); got {kind}."
BIG_SPEC = (
    "This view's spec is {size} bytes; a view holds at most {limit} bytes. "
    "Remove some panels or sections and save again."
)


@dataclass
class ViewRow:
    id: str
    project: str
    name: str
    author: str | None
    created_at: float
    updated_at: float
    spec: dict[str, Any] | None = None  # None in lists


def view_fields(view: ViewRow) -> dict[str, Any]:
    """A view as the API's JSON: without ``spec`` when it has none (lists)."""
    out: dict[str, Any] = {
        "id": view.id, "project": view.project, "name": view.name,
        "author": view.author, "created_at": view.created_at,
        "updated_at": view.updated_at,
    }  # fmt: skip
    if view.spec is not None:
        out["spec"] = view.spec
    return out


def check_name(name: Any) -> str:
    """A view's name: any text, kept verbatim, but not empty, not NUL, not too
    long, and valid Unicode."""
    if not isinstance(name, str):
        raise UsageError(f"A view's name must be a string; got {name!r}.")
    why = None
    if not name.strip():
        why = "it is empty"
    elif "\x00" in name:
        why = "it contains a NUL character"
    elif len(name) > MAX_NAME:
        why = f"it is longer than {MAX_NAME} characters"
    else:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            why = "it contains a lone surrogate (not valid Unicode text)"
    if why:
        raise UsageError(f"The view name {name[:80]!r} is not allowed: {why}.")
    return name


GROUP_SCOPE = "group:"
MAX_SCOPE = len(GROUP_SCOPE) + 1000
BAD_SCOPE = (
    "A workspace's scope is '' (the project's workspace) or 'group:<group name>' "
    "(a group page's); got {scope!r:.80}."
)


def check_scope(scope: Any) -> str:
    """The page a workspace belongs to: ``""`` or ``"group:<name>"``."""
    ok = isinstance(scope, str) and (
        scope == "" or (scope.startswith(GROUP_SCOPE) and len(scope) > len(GROUP_SCOPE))
    )
    if not ok or len(scope) > MAX_SCOPE or "\x00" in scope:
        raise UsageError(BAD_SCOPE.format(scope=scope))
    try:
        scope.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(BAD_SCOPE.format(scope=scope)) from None
    return str(scope)


def encode_spec(spec: Any) -> str:
    """The spec as compact JSON text; UsageError unless it is an object that fits."""
    if not isinstance(spec, dict):
        raise UsageError(BAD_SPEC.format(kind=type(spec).__name__))
    try:
        text = json.dumps(
            spec, separators=(",", ":"), allow_nan=False, ensure_ascii=False
        )
        size = len(
            text.encode("utf-8")
        )  # a lone surrogate cannot be sent back: refused
    except (TypeError, ValueError, UnicodeEncodeError) as e:
        raise UsageError(f"A view's spec must be plain JSON text: {e}.") from None
    if "\\u0000" in text:
        raise UsageError("A view's spec may not contain NUL characters.")
    if size > MAX_SPEC_BYTES:
        raise UsageError(BIG_SPEC.format(size=size, limit=MAX_SPEC_BYTES))
    return text


def _new_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


_COLUMNS = "id, name, author, created_at, updated_at"


class ViewsMixin(SQLBase):
    """The view methods of ``SQLStore`` (``ViewStore`` in ``base.py``)."""

    # ---- named views ---------------------------------------------------------

    def list_views(self, project: str) -> list[ViewRow]:
        """The project's named views (no specs), by name (any case), then age.
        Sorted here: the two backends' collations order text differently."""
        with self._read() as cur:
            project_id = self._project_id(cur, project, create=False)
            rows = self._all(
                cur, f"SELECT {_COLUMNS} FROM views WHERE project_id = ?", (project_id,)
            )
        views = [ViewRow(r[0], project, *r[1:]) for r in rows]
        return sorted(views, key=lambda v: (v.name.casefold(), v.name, v.created_at))

    def get_view(self, project: str, view_id: str) -> ViewRow:
        """One named view with its spec; NotFound."""
        with self._read() as cur:
            return self._view(cur, project, view_id)

    def create_view(
        self, project: str, name: str, spec: dict[str, Any], *,
        author: str | None = None,
    ) -> ViewRow:  # fmt: skip
        """A new named view in an existing project (ProjectNotFound)."""
        check_name(name)
        text = encode_spec(spec)
        now = time.time()
        with self._write() as cur:
            project_id = self._project_id(cur, project, create=False)
            view_id = _new_id()
            while self._one(
                cur,
                "SELECT 1 FROM views WHERE project_id = ? AND id = ?",
                (project_id, view_id),
            ):
                view_id = _new_id()
            self._exec(
                cur,
                "INSERT INTO views (project_id, id, name, author, spec, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (project_id, view_id, name, author, text, now, now),
            )
            return self._view(cur, project, view_id)

    def update_view(
        self, project: str, view_id: str, *, name: str | None = None,
        spec: dict[str, Any] | None = None,
    ) -> ViewRow:  # fmt: skip
        """Rename a view and/or replace its spec (its author stays who made it);
        NotFound."""
        if name is not None:
            check_name(name)
        text = None if spec is None else encode_spec(spec)
        with self._write() as cur:
            old = self._view(cur, project, view_id)
            self._exec(
                cur,
                "UPDATE views SET name = ?, spec = COALESCE(?, spec), updated_at = ? "
                "WHERE project_id = ? AND id = ?",
                (
                    old.name if name is None else name,
                    text,
                    max(time.time(), old.created_at),
                    self._project_id(cur, project, create=False),
                    view_id,
                ),
            )
            return self._view(cur, project, view_id)

    def delete_view(self, project: str, view_id: str) -> None:
        """Remove a named view; NotFound."""
        with self._write() as cur:
            self._view(cur, project, view_id)
            self._exec(
                cur,
                "DELETE FROM views WHERE project_id = ? AND id = ?",
                (self._project_id(cur, project, create=False), view_id),
            )

    def _view(self, cur: Any, project: str, view_id: str) -> ViewRow:
        found = self._one(
            cur,
            f"SELECT {_COLUMNS}, spec FROM views WHERE project_id = ? AND id = ?",
            (self._project_id(cur, project, create=False), view_id),
        )
        if found is None:
            raise NotFound(NO_VIEW.format(view_id=view_id, project=project))
        view_id, name, author, created_at, updated_at, spec = found
        return ViewRow(
            view_id, project, name, author, created_at, updated_at, json.loads(spec)
        )

    # ---- each user's own workspace ------------------------------------------

    def get_workspace(
        self, project: str, owner: str, scope: str = ""
    ) -> dict[str, Any] | None:
        """The workspace ``owner`` saved for the page ``scope`` of the project, or
        None (ProjectNotFound)."""
        check_scope(scope)
        with self._read() as cur:
            found = self._one(
                cur,
                "SELECT spec FROM workspaces "
                "WHERE project_id = ? AND owner = ? AND scope = ?",
                (self._project_id(cur, project, create=False), owner, scope),
            )
        return None if found is None else json.loads(found[0])  # type: ignore[no-any-return]

    def save_workspace(
        self, project: str, owner: str, spec: dict[str, Any] | None, scope: str = ""
    ) -> None:
        """Keep ``owner``'s workspace of the page ``scope`` in the project; None
        removes it (back to the automatic one)."""
        check_scope(scope)
        text = None if spec is None else encode_spec(spec)
        with self._write() as cur:
            project_id = self._project_id(cur, project, create=False)
            if text is None:
                self._exec(
                    cur,
                    "DELETE FROM workspaces "
                    "WHERE project_id = ? AND owner = ? AND scope = ?",
                    (project_id, owner, scope),
                )
                return
            self._exec(
                cur,
                "INSERT INTO workspaces (project_id, owner, scope, spec, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, owner, scope) "
                "DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
                (project_id, owner, scope, text, time.time()),
            )
