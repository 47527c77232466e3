"""Team mode in the store: users, teams, memberships, API keys, UI sessions, and
the team that owns each project (migration 0002). A part of ``SQLStore``
(``sql.py``), so both backends share this SQL.

Keys and session tokens are stored as their SHA-256 only. They are 256-bit random
tokens (``secrets.token_urlsafe(32)``), so a fast hash is enough: nobody can search
that space, which is what slow, salted password hashes (bcrypt, argon2) defend
against for low-entropy passwords. An unsalted digest also lets a request find its
key with one indexed lookup, and costs microseconds per request instead of the
~100 ms a password hash is tuned to take.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from typing import Any

from ..errors import Conflict, NotFound, UsageError
from .rows import Caller, KeyInfo
from .sqlbase import SQLBase

__all__ = ["AccountsMixin", "Caller", "KeyInfo", "KEY_PREFIX", "hash_token"]

KEY_PREFIX = "rf_"
SESSION_SECONDS = 7 * 24 * 3600
# last_used_at is a convenience for `runfold admin key list`: write it at most
# once a minute per key, not on every request.
_LAST_USED_EVERY_S = 60.0
_SHOWN_PREFIX = 10  # "rf_" + 7 characters: enough to tell keys apart in a list
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

NO_USER = "No user {name!r}. Create it with: runfold admin user create {name}"
NO_TEAM = "No team {name!r}. Create it with: runfold admin team create {name}"
NO_KEY = (
    "No API key with id {key_id}. List a user's keys with: runfold admin key list USER"
)
USER_EXISTS = (
    "User {name!r} already exists. List its keys with: runfold admin key list {name}"
)
TEAM_EXISTS = (
    "Team {name!r} already exists. Add users with: runfold admin team add {name} USER"
)
ALREADY_MEMBER = "User {user!r} is already in team {team!r}."
NO_PROJECT = "Project {name!r} not found. List projects with: runfold projects"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(kind: str, value: str) -> str:
    why = None
    if not value or value != value.strip():
        why = "it is empty or has surrounding whitespace"
    elif _CONTROL.search(value):
        why = "it contains control characters"
    elif len(value) > 64:
        why = "it is longer than 64 characters"
    if why:
        raise UsageError(f"{kind} name {value!r} is not allowed: {why}.")
    return value


class AccountsMixin(SQLBase):
    """The account methods of ``SQLStore`` (``AccountStore`` in ``base.py``)."""

    # ---- admin --------------------------------------------------------------

    def create_user(self, name: str) -> int:
        """Add a user; raises Conflict when the name is taken."""
        return self._create_named("users", _check_name("User", name), USER_EXISTS)

    def create_team(self, name: str) -> int:
        """Add a team; raises Conflict when the name is taken."""
        return self._create_named("teams", _check_name("Team", name), TEAM_EXISTS)

    def _create_named(self, table: str, name: str, taken: str) -> int:
        with self._write() as cur:
            if self._one(cur, f"SELECT id FROM {table} WHERE name = ?", (name,)):
                raise Conflict(taken.format(name=name))
            self._exec(
                cur,
                f"INSERT INTO {table} (name, created_at) VALUES (?, ?)",
                (name, time.time()),
            )
            return int(
                self._one(cur, f"SELECT id FROM {table} WHERE name = ?", (name,))[0]
            )

    def _id_of(self, cur: Any, table: str, name: str, missing: str) -> int:
        found = self._one(cur, f"SELECT id FROM {table} WHERE name = ?", (name,))
        if found is None:
            raise NotFound(missing.format(name=name))
        return int(found[0])

    def add_member(self, team: str, user: str, *, default: bool = False) -> None:
        """Put ``user`` in ``team``. Their first team (or ``default=True``) becomes
        the team that owns the projects they create."""
        with self._write() as cur:
            team_id = self._id_of(cur, "teams", team, NO_TEAM)
            user_id = self._id_of(cur, "users", user, NO_USER)
            member = self._one(
                cur,
                "SELECT 1 FROM memberships WHERE team_id = ? AND user_id = ?",
                (team_id, user_id),
            )
            if member and not default:
                raise Conflict(ALREADY_MEMBER.format(user=user, team=team))
            if not member:
                self._exec(
                    cur,
                    "INSERT INTO memberships (team_id, user_id, created_at) "
                    "VALUES (?, ?, ?)",
                    (team_id, user_id, time.time()),
                )
            self._exec(
                cur,
                "UPDATE users SET default_team_id = ? WHERE id = ? AND "
                "(default_team_id IS NULL OR ?)",
                (team_id, user_id, bool(default)),
            )

    def create_key(self, user: str, name: str | None = None) -> tuple[KeyInfo, str]:
        """A new API key for ``user``: its info and the key itself, which is never
        stored and cannot be shown again."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with self._write() as cur:
            user_id = self._id_of(cur, "users", user, NO_USER)
            self._exec(
                cur,
                "INSERT INTO api_keys (user_id, name, key_hash, prefix, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, name, hash_token(secret), secret[:_SHOWN_PREFIX], now),
            )
            found = self._one(
                cur, "SELECT id FROM api_keys WHERE key_hash = ?", (hash_token(secret),)
            )
        info = KeyInfo(
            int(found[0]), user, name, secret[:_SHOWN_PREFIX], now, None, None
        )
        return info, secret

    def list_keys(self, user: str) -> list[KeyInfo]:
        with self._read() as cur:
            user_id = self._id_of(cur, "users", user, NO_USER)
            rows = self._all(
                cur,
                "SELECT id, name, prefix, created_at, last_used_at, revoked_at "
                "FROM api_keys WHERE user_id = ? ORDER BY id",
                (user_id,),
            )
        return [KeyInfo(r[0], user, *r[1:]) for r in rows]

    def revoke_key(self, key_id: int) -> KeyInfo:
        """Revoke a key (and the UI sessions opened with it); raises NotFound."""
        with self._write() as cur:
            found = self._one(
                cur,
                "SELECT k.id, u.name, k.name, k.prefix, k.created_at, k.last_used_at, "
                "k.revoked_at FROM api_keys k JOIN users u ON u.id = k.user_id "
                "WHERE k.id = ?",
                (key_id,),
            )
            if found is None:
                raise NotFound(NO_KEY.format(key_id=key_id))
            key = KeyInfo(*found)  # as it was: revoked_at None when revoked now
            if key.revoked_at is None:
                self._exec(
                    cur,
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ?",
                    (time.time(), key_id),
                )
                self._exec(cur, "DELETE FROM sessions WHERE key_id = ?", (key_id,))
        return key

    def assign_project(self, project: str, team: str) -> None:
        """Give ``project`` to ``team`` (projects made before team mode have none)."""
        with self._write() as cur:
            team_id = self._id_of(cur, "teams", team, NO_TEAM)
            self._id_of(cur, "projects", project, NO_PROJECT)
            self._exec(
                cur,
                "UPDATE projects SET team_id = ? WHERE name = ?",
                (team_id, project),
            )

    # ---- requests -----------------------------------------------------------

    def caller_for_key(self, secret: str) -> Caller | None:
        """The caller an API key stands for; None when it is unknown or revoked."""
        sql = (
            "SELECT k.id, k.user_id, u.name, u.default_team_id, k.last_used_at "
            "FROM api_keys k JOIN users u ON u.id = k.user_id "
            "WHERE k.key_hash = ? AND k.revoked_at IS NULL"
        )
        return self._caller(sql, (hash_token(secret),))

    def caller_for_session(self, token: str) -> Caller | None:
        """The caller of a UI session; None when unknown, expired or its key revoked."""
        sql = (
            "SELECT k.id, k.user_id, u.name, u.default_team_id, k.last_used_at "
            "FROM sessions s JOIN api_keys k ON k.id = s.key_id "
            "JOIN users u ON u.id = k.user_id WHERE s.token_hash = ? "
            "AND k.revoked_at IS NULL AND s.expires_at > ?"
        )
        return self._caller(sql, (hash_token(token), time.time()))

    def _caller(self, sql: str, params: tuple[Any, ...]) -> Caller | None:
        with self._read() as cur:
            found = self._one(cur, sql, params)
            if found is None:
                return None
            key_id, user_id, user, default_team, last_used = found
            teams = self._all(
                cur, "SELECT team_id FROM memberships WHERE user_id = ?", (user_id,)
            )
        now = time.time()
        if last_used is None or now - last_used > _LAST_USED_EVERY_S:
            with self._write() as cur:
                self._exec(
                    cur,
                    "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                    (now, key_id),
                )
        return Caller(
            user_id, user, key_id, frozenset(t[0] for t in teams), default_team
        )

    def create_session(self, user: str, secret: str) -> tuple[Caller, str] | None:
        """Log ``user`` in with one of their keys: the caller and a new session
        token, or None when the key is not theirs (or unknown, or revoked)."""
        caller = self.caller_for_key(secret)
        if caller is None or caller.user != user:
            return None
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._write() as cur:
            self._exec(cur, "DELETE FROM sessions WHERE expires_at < ?", (now,))
            self._exec(
                cur,
                "INSERT INTO sessions (token_hash, key_id, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (hash_token(token), caller.key_id, now, now + SESSION_SECONDS),
            )
        return caller, token

    def delete_session(self, token: str) -> None:
        with self._write() as cur:
            self._exec(
                cur, "DELETE FROM sessions WHERE token_hash = ?", (hash_token(token),)
            )

    def project_owner(self, project: str) -> tuple[bool, int | None]:
        """(whether the project exists, the id of its team or None)."""
        with self._read() as cur:
            found = self._one(
                cur, "SELECT team_id FROM projects WHERE name = ?", (project,)
            )
        return (found is not None, found[0] if found else None)

    def claim_project(self, project: str, team_id: int) -> int | None:
        """Create ``project`` owned by ``team_id`` unless it exists; return the id
        of the team that owns it now (another team's, or None, when it existed)."""
        with self._write() as cur:
            self._exec(
                cur,
                "INSERT INTO projects (name, created_at, team_id) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (project, time.time(), team_id),
            )
            found = self._one(
                cur, "SELECT team_id FROM projects WHERE name = ?", (project,)
            )
        return found[0]

    def team_project_names(self, team_ids: Iterable[int]) -> set[str]:
        ids = sorted(team_ids)
        if not ids:
            return set()
        with self._read() as cur:
            rows = self._all(
                cur,
                f"SELECT name FROM projects WHERE team_id IN ({', '.join('?' * len(ids))})",
                tuple(ids),
            )
        return {r[0] for r in rows}

    def team_names(self, team_ids: Iterable[int]) -> list[str]:
        ids = sorted(team_ids)
        if not ids:
            return []
        with self._read() as cur:
            rows = self._all(
                cur,
                f"SELECT name FROM teams WHERE id IN ({', '.join('?' * len(ids))}) "
                "ORDER BY name",
                tuple(ids),
            )
        return [r[0] for r in rows]
