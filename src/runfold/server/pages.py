"""Pages the server answers besides the UI's own: the interactive API docs, and the
UI's "not found" page for an address that is no page.

``/api/docs`` loads the vendored swagger-ui-dist (``web/static/vendor``) and a small
script of ours that starts it (``web/static/docs.js``), so it works with no network
and under the same strict Content-Security-Policy as the UI's pages (FastAPI's own
docs page starts Swagger UI with an inline script, from a CDN).

A browser that opens an unknown address (not under /api/ or /static/) gets the UI's
page with status 404, which shows "Not found" with a way back, instead of the JSON
error an API client gets.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

__all__ = ["mount_pages", "DOCS_PATH", "SWAGGER_JS", "SWAGGER_CSS"]

DOCS_PATH = "/api/docs"
SWAGGER_JS = "/static/vendor/swagger-ui-bundle-5.36.0.js"
SWAGGER_CSS = "/static/vendor/swagger-ui-5.36.0.css"

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Runfold API</title>
<link rel="stylesheet" href="{SWAGGER_CSS}">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
<div id="swagger-ui" data-openapi="/api/openapi.json"></div>
<script src="{SWAGGER_JS}"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


def _docs() -> HTMLResponse:
    return HTMLResponse(_PAGE, headers={"Cache-Control": "no-cache"})


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return (
        request.method in ("GET", "HEAD")
        and not path.startswith(("/api/", "/static/"))
        and "text/html" in request.headers.get("accept", "")
    )


def mount_pages(app: FastAPI, ui_page: Callable[[Request], Response]) -> None:
    """Serve the docs page at /api/docs (create the app with ``docs_url=None``) and
    ``ui_page`` (status 404) to a browser asking for an unknown address. Call it
    after the error handlers are installed: other errors still go to them."""
    app.add_api_route(DOCS_PATH, _docs, methods=["GET"], include_in_schema=False)
    json_error = app.exception_handlers[HTTPException]

    async def not_found(request: Request, exc: Exception) -> Response:
        if (
            isinstance(exc, HTTPException)
            and exc.status_code == 404
            and _wants_page(request)
        ):
            page = ui_page(request)
            page.status_code = 404
            return page
        answer = json_error(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(HTTPException, not_found)
