"""Gzip for the API's JSON answers (issue 20: a page of chart series is megabytes
of numbers, and compresses about sevenfold).

Only JSON is compressed, and only when the client accepts gzip and the answer is
at least ``minimum_size`` bytes. Everything else goes out as the route made it:
run files, media and artifact downloads are ``FileResponse``s that answer Range
requests (``206 Partial Content``) and carry ``Accept-Ranges`` and
``Content-Disposition``; compressing them would break ranges and their
``Content-Length``, and images, audio and video are compressed already. So an
answer that is partial, already encoded, streamed (more than one body message),
a download (``Content-Disposition``) or ranged (``Accept-Ranges``) passes
untouched, whatever its type. Starlette's ``GZipMiddleware`` decides by content
type alone, and a run's ``.json`` file is ``application/json`` too.
"""

from __future__ import annotations

import gzip
from functools import partial

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CompressJSON", "MINIMUM_SIZE", "LEVEL", "accepts_gzip", "gzip_bytes", "gzipped_json",
]  # fmt: skip

MINIMUM_SIZE = 1024  # smaller answers gain too little for the work and the header
# zlib's fastest level. A chart's series over 1,000 runs (1.35 MB of JSON) becomes
# 584 KB in 15 ms at level 1, 516 KB in 80 ms at level 6 (the default); the runs
# table's 1,000 runs (742 KB) 129 KB in 5 ms, 101 KB in 11 ms. Floats' digits
# compress little; the time is better spent sending.
LEVEL = 1
_IN_THREAD = 256 * 1024  # bigger bodies are compressed off the event loop
_PASS = (b"content-encoding", b"content-disposition", b"accept-ranges")


def accepts_gzip(scope: Scope) -> bool:
    """Whether the request's Accept-Encoding takes gzip (and not with q=0)."""
    for part in Headers(scope=scope).get("accept-encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00")
    return False


def gzip_bytes(body: bytes, level: int = LEVEL) -> bytes:
    """``body`` gzip-compressed (no time stamp: the same body, the same bytes)."""
    return gzip.compress(body, level, mtime=0)


def gzipped_json(packed: bytes) -> Response:
    """An answer of JSON compressed already (by ``gzip_bytes``, and kept)."""
    headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(packed, media_type="application/json", headers=headers)


def _is_json(raw: list[tuple[bytes, bytes]]) -> bool:
    kind = dict(raw).get(b"content-type", b"").split(b";")[0].strip().lower()
    return kind == b"application/json"


class CompressJSON:
    def __init__(
        self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE, level: int = LEVEL
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = accepts_gzip(scope)
        start: Message | None = None  # held until the body says what to do
        passing = False

        async def compressing(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                raw = message.setdefault("headers", [])
                names = {name.lower() for name, _ in raw}
                if (
                    message["status"] == 206
                    or not _is_json(raw)
                    or any(name in names for name in _PASS)
                ):
                    passing = True
                    await send(message)
                else:
                    start = message
                return
            if passing or start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held, start = start, None
            body = message.get("body", b"")
            headers = MutableHeaders(raw=held["headers"])
            headers.add_vary_header("Accept-Encoding")
            if (
                wanted
                and not message.get("more_body")
                and len(body) >= self.minimum_size
            ):
                packed = await self._compress(body)
                headers["Content-Encoding"] = "gzip"
                headers["Content-Length"] = str(len(packed))
                message = {**message, "body": packed}
            passing = True  # the rest of a streamed body goes as it comes
            await send(held)
            await send(message)

        await self.app(scope, receive, compressing)

    async def _compress(self, body: bytes) -> bytes:
        pack = partial(gzip_bytes, body, self.level)
        return (
            pack() if len(body) < _IN_THREAD else await anyio.to_thread.run_sync(pack)
        )
