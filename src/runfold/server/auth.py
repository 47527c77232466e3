"""Team mode: who is calling, what they may see, and how fast they may write.

``authorize`` is a dependency of every /api/v1 router (but login and logout). Off
team mode it does nothing: ``runfold ui`` and a plain ``runfold server`` stay
keyless. In team mode a request carries either

* ``Authorization: Bearer <key>`` (the SDK, ``runfold sync``, scripts): no CSRF
  token, since a browser never adds that header to a cross-site request; or
* the UI's session cookie (``POST /api/v1/auth/login``; HttpOnly, SameSite=Strict).
  Then a POST, PUT, PATCH or DELETE must also send the ``X-CSRF-Token`` header equal
  to the ``runfold_csrf`` cookie (double submit). The token is derived from the
  session token, so it cannot be set by a sibling subdomain either.

A project belongs to one team. A project of another team, or of none, reads as
missing (404 with the missing-project message, never 403): callers learn nothing
about names they cannot see. Creating a run in a new project gives the project to
the caller's default team (their first team, or the one set with
``runfold admin team add TEAM USER --default``).

Everything lives in the database (keys, sessions, ownership) except the rate
limit's token buckets, which are per process: with N workers a key may write up to
N times the limit, which is still a bound.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from typing import Any

from fastapi import Request

from ..errors import AuthError, Forbidden, ProjectNotFound, RateLimited
from ..settings import validate_project

__all__ = [
    "authorize", "caller_of", "visible_projects", "csrf_token_for", "RateLimiter",
    "SESSION_COOKIE", "CSRF_COOKIE", "CSRF_HEADER", "KEY_REQUIRED", "BAD_KEY",
    "BAD_CSRF",
]  # fmt: skip

SESSION_COOKIE = "runfold_session"
CSRF_COOKIE = "runfold_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes that may create the project they name (the first records of a run).
_CREATING_ROUTES = frozenset({"create_run", "post_records", "create_sweep"})

_HOW_TO_GET_A_KEY = (
    "An admin creates one with: runfold admin key create USER; save it with: "
    "runfold login --base-url URL (the SDK then sends it, or set RUNFOLD_API_KEY)."
)
KEY_REQUIRED = (
    "This Runfold server is in team mode: send an API key as 'Authorization: "
    "Bearer <key>', or log in to the UI. " + _HOW_TO_GET_A_KEY
)
BAD_KEY = "The API key is wrong or has been revoked. " + _HOW_TO_GET_A_KEY
BAD_SESSION = "Your session has expired or was ended; log in again."
BAD_CSRF = (
    f"Missing or wrong {CSRF_HEADER} header: a write with the session cookie must "
    f"send the value of the {CSRF_COOKIE!r} cookie (also in the login reply) in it."
)
NO_TEAM = (
    "User {user!r} is in no team, so new projects have no owner. Add them to one "
    "with: runfold admin team add TEAM {user}"
)
SEVERAL_TEAMS = (
    "User {user!r} is in several teams ({teams}) and has no default for new "
    "projects. Set one with: runfold admin team add TEAM {user} --default"
)
TOO_MANY_WRITES = (
    "Too many writes with this API key: the server allows {rate:g} per second "
    "(bursts of {burst}). Retry after {wait:.1f} s; the SDK retries by itself."
)


def csrf_token_for(session_token: str) -> str:
    return hashlib.sha256(b"runfold-csrf:" + session_token.encode()).hexdigest()


class RateLimiter:
    """A token bucket per key: ``rate`` tokens a second, at most ``burst`` saved."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """Spend one token of ``key``'s bucket: 0.0, or the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthError(KEY_REQUIRED)
    return value.strip()


def _authenticate(request: Request) -> tuple[Any, str | None]:
    """(caller, session token or None for a key); AuthError when neither works."""
    store = request.app.state.store
    key = _bearer(request)
    if key is not None:
        caller = store.caller_for_key(key)
        if caller is None:
            raise AuthError(BAD_KEY)
        return caller, None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        caller = store.caller_for_session(token)
        if caller is None:
            raise AuthError(BAD_SESSION)
        return caller, token
    raise AuthError(KEY_REQUIRED)


def _check_csrf(request: Request, token: str) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = csrf_token_for(token)
    if not (
        hmac.compare_digest(sent.encode(), expected.encode())
        and hmac.compare_digest(cookie.encode(), expected.encode())
    ):
        raise Forbidden(BAD_CSRF)


def _team_for_new_project(request: Request, caller: Any) -> int:
    if caller.default_team_id in caller.team_ids:
        return int(caller.default_team_id)
    if len(caller.team_ids) == 1:
        return int(next(iter(caller.team_ids)))
    if not caller.team_ids:
        raise Forbidden(NO_TEAM.format(user=caller.user))
    teams = ", ".join(request.app.state.store.team_names(caller.team_ids))
    raise Forbidden(SEVERAL_TEAMS.format(user=caller.user, teams=teams))


def _check_project(request: Request, caller: Any, project: str) -> None:
    store = request.app.state.store
    exists, owner = store.project_owner(project)
    route = request.scope.get("route")
    creating = request.method == "POST" and getattr(route, "name", "") in (
        _CREATING_ROUTES
    )
    if not exists and creating:
        validate_project(project)
        owner = store.claim_project(project, _team_for_new_project(request, caller))
    if owner is None or owner not in caller.team_ids:
        raise ProjectNotFound(project)


def authorize(request: Request) -> None:
    """The team-mode gate of every /api/v1 route (a no-op off team mode)."""
    state = request.app.state
    if not state.team_mode:
        return
    caller, session = _authenticate(request)
    request.state.caller = caller
    if request.method not in SAFE_METHODS:
        if session is not None:
            _check_csrf(request, session)
        wait = state.rate_limiter.take(caller.key_id)
        if wait > 0:
            limiter = state.rate_limiter
            raise RateLimited(
                TOO_MANY_WRITES.format(
                    rate=limiter.rate, burst=limiter.burst, wait=wait
                ),
                retry_after=max(1, math.ceil(wait)),
            )
    project = request.path_params.get("project")
    if project is not None:
        _check_project(request, caller, project)


def caller_of(request: Request) -> Any:
    """The caller ``authorize`` found, or None off team mode."""
    return getattr(request.state, "caller", None)


def visible_projects(request: Request, rows: list[Any]) -> list[Any]:
    """Project rows the caller may see: all off team mode, else their teams'."""
    caller = caller_of(request)
    if not request.app.state.team_mode:
        return rows
    if caller is None:
        return []
    names = request.app.state.store.team_project_names(caller.team_ids)
    return [r for r in rows if r.name in names]
