"""UI login for team mode: a session cookie opened with a user's API key.

    POST /api/v1/auth/login    {"user": "alice", "key": "rf_..."} (JSON, or a form)
    POST /api/v1/auth/logout
    GET  /api/v1/auth/session  who the key or session belongs to

Login sets ``runfold_session`` (HttpOnly, SameSite=Strict; Secure over https) and
``runfold_csrf`` (readable by the page, which sends it back as X-CSRF-Token on
writes). A form post (the home page's login form) is answered with a redirect to /.

Login CSRF (issue 18: a cross-site ``text/plain`` post holding JSON logged the
visitor in as the attacker): the body must be ``application/json`` (a page of
another site cannot send that without a CORS preflight, which this server never
grants) or the home page's form, which must come with this server's own
``Origin`` (or ``Referer``); any ``Origin`` sent must be this server's.
"""

from __future__ import annotations

import hmac
import html
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from ...errors import AuthError, Forbidden, UsageError
from ..auth import (
    BAD_CSRF,
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    caller_of,
    csrf_token_for,
)
from ..openapi import answers
from .ingest import RawBody

__all__ = ["router", "public_router", "BAD_LOGIN", "NOT_TEAM_MODE"]

public_router = APIRouter(tags=["auth"])  # login and logout: no key needed
router = APIRouter(tags=["auth"])  # behind the team-mode gate

BAD_LOGIN = (
    "Wrong user or API key (or the key was revoked). Log in with your user name "
    "and a key from: runfold admin key create USER"
)
NOT_TEAM_MODE = "This server is not in team mode: no login is needed."
BAD_LOGIN_BODY = 'Send {"user": NAME, "key": API_KEY} as JSON, or a form.'
CROSS_SITE_LOGIN = "Login forms are accepted only from this server's own pages."
LOGIN_TYPE = (
    'Send the login as application/json ({{"user": NAME, "key": API_KEY}}), '
    "not {value!r}."
)


_LOGIN_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Runfold: log in</title>"
    '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    "<h1>Runfold</h1><p>This server is in team mode. Log in with your user name and "
    "an API key (an admin creates one with <code>runfold admin key create "
    "USER</code>).</p>{error}"
    '<form method=post action="/api/v1/auth/login">'
    "<label>User <input name=user autocomplete=username required></label> "
    "<label>API key <input name=key type=password autocomplete=current-password "
    "required></label> <button>Log in</button></form>"
)


def login_page(error: str | None = None) -> str:
    """The team server's login form (the UI's page until there is a session)."""
    shown = f"<p role=alert><strong>{html.escape(error)}</strong></p>" if error else ""
    return _LOGIN_PAGE.format(error=shown)


class LoginIn(BaseModel):
    user: str
    key: str


class SessionOut(BaseModel):
    ok: bool
    user: str | None
    teams: list[str]
    csrf_token: str | None = None
    team_mode: bool = True


def _login_fields(body: bytes, content_type: str) -> tuple[str, str, bool]:
    """(user, key, whether it came from a form)."""
    kind = content_type.split(";")[0].strip().lower()
    is_form = kind == "application/x-www-form-urlencoded"
    if not is_form and kind != "application/json":
        raise HTTPException(415, LOGIN_TYPE.format(value=content_type or "none"))
    try:
        if is_form:
            value: Any = dict(parse_qsl(body.decode("utf-8")))
        else:
            value = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise UsageError(BAD_LOGIN_BODY) from None
    if not isinstance(value, dict):
        raise UsageError(BAD_LOGIN_BODY)
    user, key = value.get("user"), value.get("key")
    if not isinstance(user, str) or not isinstance(key, str) or not user or not key:
        raise UsageError(BAD_LOGIN_BODY)
    return user, key.strip(), is_form


def _check_same_origin(request: Request, *, required: bool) -> None:
    """A form can be posted from any site (login CSRF): accept ours only; a form
    that says nothing of where it comes from is refused (``required``)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None and not required:
        return
    if origin is None or urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden(CROSS_SITE_LOGIN)


@public_router.post(
    "/auth/login",
    response_model=SessionOut,
    responses=answers(401, 403, 415),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": LoginIn.model_json_schema()}}}},
)  # fmt: skip
def login(request: Request, body: RawBody) -> Response:
    """Open a UI session with a user's name and one of their API keys."""
    if not request.app.state.team_mode:
        raise UsageError(NOT_TEAM_MODE)
    user, key, is_form = _login_fields(body, request.headers.get("content-type", ""))
    _check_same_origin(request, required=is_form)
    store = request.app.state.store
    opened = store.create_session(user, key)
    if opened is None and is_form:  # a person at the form: show it again, with why
        return HTMLResponse(login_page(BAD_LOGIN), status_code=401)
    if opened is None:
        raise AuthError(BAD_LOGIN)
    caller, token = opened
    csrf = csrf_token_for(token)
    response: Response
    if is_form:
        response = RedirectResponse("/", status_code=303)
    else:
        response = Response(
            json.dumps({"ok": True, "user": caller.user, "csrf_token": csrf,
                        "teams": store.team_names(caller.team_ids)}),
            media_type="application/json",
        )  # fmt: skip
    secure = request.url.scheme == "https"
    for name, value, http_only in (
        (SESSION_COOKIE, token, True),
        (CSRF_COOKIE, csrf, False),
    ):
        response.set_cookie(
            name, value, max_age=7 * 24 * 3600, path="/", secure=secure,
            httponly=http_only, samesite="strict",
        )  # fmt: skip
    return response


@public_router.post("/auth/logout", responses=answers(403))
def logout(request: Request) -> Response:
    """End the UI session (with its X-CSRF-Token) and clear its cookies."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and request.app.state.team_mode:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_token_for(token).encode()):
            raise Forbidden(BAD_CSRF)
        request.app.state.store.delete_session(token)
    response = Response(json.dumps({"ok": True}), media_type="application/json")
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", samesite="strict")
    return response


@router.get("/auth/session", response_model=SessionOut)
def session(request: Request) -> dict[str, Any]:
    """The user and teams behind this request's key or session cookie; on a keyless
    server (not team mode) ``user`` is null and ``team_mode`` false."""
    if not request.app.state.team_mode:
        return {"ok": True, "user": None, "teams": [], "team_mode": False}
    caller = caller_of(request)
    if caller is None:  # authorize has already refused a request without a caller
        raise UsageError(NOT_TEAM_MODE)
    token = request.cookies.get(SESSION_COOKIE)
    return {
        "ok": True,
        "user": caller.user,
        "teams": request.app.state.store.team_names(caller.team_ids),
        "csrf_token": csrf_token_for(token) if token else None,
        "team_mode": True,
    }
