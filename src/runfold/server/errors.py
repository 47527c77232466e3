"""Every 4xx and 5xx leaves the server as one JSON shape:

    {"ok": false, "error": "what was wrong and what to do", "errors": [...], "status": N}

A 500 logs its traceback here and tells the client only to look at the server log.
Two kinds of failure are the request's fault wherever they happen, and answer 400
(issue 18, "13 requests answer 500"): JSON nested past the interpreter's recursion
limit, and text with NUL, which PostgreSQL cannot take (the routes that write
refuse both first; this is the net under the rest). An error raised while the
body was read (a body past the size limit: 413) keeps its own status, not the
400 FastAPI wraps it in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import AuthError, RateLimited, RunfoldError

__all__ = ["error_body", "install_error_handlers", "INTERNAL_ERROR"]

logger = logging.getLogger("runfold.server")
INTERNAL_ERROR = "Internal error; see the server log."
TOO_DEEP = (
    "The request nests lists or objects too deeply to be read; flatten it "
    "(e.g. config keys like 'a.b.c')."
)
NUL_TEXT = (
    "The request holds text with a NUL character ('\\x00'), which Runfold does not "
    "store or look up (PostgreSQL cannot); remove it."
)


def error_body(
    status: int, message: str, errors: list[str] | None = None
) -> dict[str, Any]:
    return {
        "ok": False,
        "error": message,
        "errors": errors or [message],
        "status": status,
    }


def _respond(
    status: int,
    message: str,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, message, errors), status_code=status, headers=headers
    )


def _headers(exc: RunfoldError) -> dict[str, str] | None:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(int(exc.retry_after))}
    if isinstance(exc, AuthError):
        return {"WWW-Authenticate": 'Bearer realm="runfold"'}
    return None


def _validation_message(error: dict[str, Any]) -> str:
    where = ".".join(
        str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")
    )
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))


def allowed_methods(routes: Iterable[Any], path: str) -> list[str]:
    """Every method some route takes at ``path``, for a 405's ``Allow`` header
    (Starlette names only the first route's, while a path's GET and POST often
    live in two routers). Included routers are searched through (FastAPI keeps
    their routes behind ``effective_candidates``)."""
    found: set[str] = set()
    for route in routes:
        if hasattr(route, "effective_candidates"):
            found.update(allowed_methods(route.effective_candidates(), path))
        elif getattr(route, "methods", None) and route.path_regex.match(path):
            found.update(route.methods)
    if "GET" in found:
        found.add("HEAD")
    return sorted(found)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RunfoldError)
    async def runfold_error(request: Request, exc: RunfoldError) -> JSONResponse:
        if exc.status >= 500:
            logger.exception("store error on %s %s", request.method, request.url.path)
        return _respond(exc.status, str(exc), headers=_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(
        request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        errors = [_validation_message(e) for e in exc.errors()]
        return _respond(400, "Invalid request: " + "; ".join(errors), errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        cause = exc.__cause__
        if isinstance(cause, RunfoldError) and exc.status_code == 400:
            return await runfold_error(request, cause)  # raised reading the body
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = (
                f"No such endpoint: {request.method} {request.url.path}. See /api/docs."
            )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            message = (
                f"{request.method} is not allowed on {request.url.path}. See /api/docs."
            )
            allowed = allowed_methods(request.app.router.routes, request.url.path)
            headers["Allow"] = ", ".join(allowed)
        return _respond(exc.status_code, message, headers=headers or None)

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> JSONResponse:
        return _respond(400, TOO_DEEP)

    _install_postgres_handler(app)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(500, INTERNAL_ERROR)


def _install_postgres_handler(app: FastAPI) -> None:
    """psycopg's ``DataError`` for a NUL in text: 400 (without PostgreSQL support
    installed there is nothing to catch)."""
    try:
        from psycopg import DataError
    except ImportError:
        return

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> JSONResponse:
        if "NUL" in str(exc):
            return _respond(400, NUL_TEXT)
        logger.exception("database error on %s %s", request.method, request.url.path)
        return _respond(500, INTERNAL_ERROR)
