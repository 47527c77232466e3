"""``create_app(store)``: the FastAPI app over one store."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..api import Api
from ..errors import PayloadTooLarge, UsageError
from ..query import ReadCache
from ..store.base import Store
from .auth import SESSION_COOKIE, RateLimiter, authorize
from .compression import CompressJSON
from .errors import error_body, install_error_handlers
from .headers import SecurityHeaders
from .hosts import HostCheck
from .openapi import answers, document_answers
from .pages import mount_pages
from .preload import PAGE_MODULES, page_html
from .routes import artifacts as artifact_routes
from .routes import auth, files, groups, ingest, media, projects, reports, runs, series
from .routes import sweeps as sweep_routes
from .routes import views as view_routes
from .routes.ingest import MAX_FILE_BYTES
from .staticfiles import MemoryStatic

__all__ = ["create_app", "app_from_env", "MAX_BODY_BYTES"]

MAX_BODY_BYTES = 64 * 1024 * 1024
API_PREFIX = "/api/v1"
# Encoded answers the server keeps (least recently used dropped first).
ANSWERS_BYTES = 64 << 20
WEB_DIR = Path(str(resources.files("runfold.web") / "static"))


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before reading them all.

    File uploads (``PUT .../files/...``) are streamed to disk and enforce their own,
    larger limit, so they pass through."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_file_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge(_too_large_message(self.limit))
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        import json

        body = json.dumps(error_body(413, _too_large_message(self.limit))).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


class _TooLarge(PayloadTooLarge):
    """Raised while the body is read; FastAPI may wrap it in a 400, which the
    error handlers unwrap (server/errors.py)."""


def _too_large_message(limit: int) -> str:
    return f"Request body is larger than {limit} bytes. Send smaller batches."


def _is_file_upload(scope: Scope) -> bool:
    return scope.get("method") == "PUT" and "/files/" in scope.get("path", "")


# The page depends on the session (login form or UI): never reuse it unasked.
_REVALIDATE = {"Cache-Control": "no-cache"}


def _ui_page(request: Request) -> Response:
    """The web UI's page; in team mode without a session, the login form. The
    page names the modules of the page at this address (preload.py)."""
    state = request.app.state
    if state.team_mode:
        token = request.cookies.get(SESSION_COOKIE)
        if token is None or state.store.caller_for_session(token) is None:
            return HTMLResponse(auth.login_page(), headers=_REVALIDATE)
    route = request.scope.get("route")
    module = PAGE_MODULES.get(getattr(route, "path", ""))
    if module is None:  # the "not found" page: app.js alone
        return FileResponse(
            WEB_DIR / "index.html", media_type="text/html", headers=_REVALIDATE
        )
    return HTMLResponse(page_html(WEB_DIR, module), headers=_REVALIDATE)


# The UI's pages: each serves the one HTML page; the front end routes by path.
UI_PATHS = tuple(PAGE_MODULES)


def _mount_ui(app: FastAPI) -> None:
    mimetypes.add_type("text/javascript", ".mjs")  # module scripts need a JS type
    app.mount("/static", MemoryStatic(WEB_DIR), name="static")
    for path in UI_PATHS:
        app.add_api_route(path, _ui_page, methods=["GET"], include_in_schema=False)


def create_app(
    store: Store,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    files_dir: Path | None = None,
    team_mode: bool = False,
    rate_limit: float = 50.0,
    rate_burst: int = 200,
    allowed_hosts: Sequence[str] = (),
) -> FastAPI:
    """The Runfold app over ``store``: JSON API under /api/v1, schema at
    /api/openapi.json, a plain page at /. Run files live under ``files_dir``
    (default: beside an SQLite store's file; a PostgreSQL store needs one).

    ``team_mode``: every /api/v1 call needs an API key or a UI session, projects
    are private to their team, and each key may write ``rate_limit`` times a
    second (bursts of ``rate_burst``; 0 turns the limit off). See server/auth.py.

    Requests must name the server in their Host header: a loopback name or the
    address they came in on, with its port, or one of ``allowed_hosts`` (``*``
    turns the check off). See server/hosts.py."""
    if files_dir is None:
        if store.path is None:
            raise UsageError(
                "A server over PostgreSQL needs a directory for run files: "
                "runfold server --files DIR."
            )
        files_dir = Path(store.path).parent
    app = FastAPI(
        title="Runfold",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # served from the package: mount_pages (server/pages.py)
        redoc_url=None,
    )
    app.state.store = store
    app.state.api = Api(store=store)
    # encoded answers (a page of series is a few MB of JSON), kept while their runs
    # are unchanged: the web layer's bytes live here, not in the library's Api
    app.state.answers = ReadCache(ANSWERS_BYTES)
    app.state.max_file_bytes = max_file_bytes
    app.state.files_dir = Path(files_dir)
    app.state.team_mode = team_mode
    app.state.rate_limiter = RateLimiter(rate_limit, rate_burst)
    install_error_handlers(app)
    gate = [Depends(authorize)]
    gated = answers(401, 403, 429)  # what the gate answers (429: writes only)
    app.include_router(auth.public_router, prefix=API_PREFIX)
    for module in (auth, projects, runs, files, groups, series, media, ingest, reports):
        app.include_router(
            module.router, prefix=API_PREFIX, dependencies=gate, responses=gated
        )
    app.include_router(
        sweep_routes.router, prefix=API_PREFIX, dependencies=gate, responses=gated
    )
    app.include_router(
        artifact_routes.router, prefix=API_PREFIX, dependencies=gate, responses=gated
    )
    app.include_router(
        view_routes.router, prefix=API_PREFIX, dependencies=gate, responses=gated
    )
    mount_pages(app, _ui_page)
    document_answers(app)

    _mount_ui(app)

    # JSON answers gzip-compressed (server/compression.py); added first, so it is
    # the innermost: the security headers are set on what it sends
    app.add_middleware(CompressJSON)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_middleware(HostCheck, allowed=tuple(allowed_hosts))  # before the body
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """The app factory ``runfold server`` gives each uvicorn worker process (a
    worker also watches that its parent lives: server/parent.py)."""
    from ..settings import server_options, server_store
    from ..store import open_store
    from .parent import watch_parent

    watch_parent()
    database, files = server_store()
    options = server_options()
    return create_app(
        open_store(database),
        files_dir=Path(files) if files else None,
        team_mode=options.team_mode,
        rate_limit=options.rate_limit,
        rate_burst=options.rate_burst,
        allowed_hosts=options.allowed_hosts,
    )
