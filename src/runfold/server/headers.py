"""Security headers on every response (issue 7).

Every response: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
``Referrer-Policy: same-origin``. Runfold's own HTML pages get a strict
Content-Security-Policy (scripts, styles and images from this server only, no
framing, forms post only here); JSON gets ``default-src 'none'``. The interactive
API docs (/api/docs) are one of those pages: Swagger UI is served from the package
(server/pages.py), so they load nothing from elsewhere.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeaders", "PAGE_CSP", "API_CSP"]

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                headers += [h for h in _ALWAYS if h[0] not in names]
                if b"content-security-policy" not in names:
                    kind = dict(headers).get(b"content-type", b"")
                    csp = PAGE_CSP if kind.startswith(b"text/html") else API_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
