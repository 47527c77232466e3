"""The web UI's files (``web/static``), served from memory.

The workspace page loads about 75 modules on an empty cache. Starlette's
``StaticFiles`` stats and reads each file in a worker thread per request, ~2.5 ms of
the server's time a file on the 2-core dev machine, and the page's modules queued
behind one another (issue 20: the last module arrived 1.3 s after the page was
asked for). Here each file is read once, kept with its gzip form and an ETag, and
answered without a thread: a browser that has it is told 304 Not Modified; one
that accepts gzip gets the packed bytes. A file changed on disk (a developer
editing the UI) is read again: each request stats it, a few microseconds.

Every answer says ``Cache-Control: no-cache``: the browser keeps the file but asks
again each load (a 304 is a few hundred bytes), so an upgrade of Runfold is seen
on the next load, never a module of the old version beside one of the new.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from .compression import accepts_gzip, gzip_bytes

__all__ = ["MemoryStatic"]

_PACKED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
_MIN_PACKED = 1024  # smaller files gain too little


@dataclass(frozen=True)
class _File:
    body: bytes
    packed: bytes | None  # gzip form, when it is worth it
    media_type: str
    etag: str
    stamp: tuple[int, int]  # the file's mtime (ns) and size when read


class MemoryStatic:
    """An ASGI app answering GET and HEAD for the files under ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory).resolve()
        self._files: dict[str, _File | None] = {}
        self._lock = threading.Lock()

    def _load(self, path: str) -> _File | None:
        with self._lock:
            kept = self._files.get(path)
        if kept is not None and _stamp(self.directory / path.lstrip("/")) == kept.stamp:
            return kept
        found = self._read(path)
        with self._lock:
            self._files[path] = found
        return found

    def _read(self, path: str) -> _File | None:
        target = (self.directory / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.directory) or not target.is_file():
            return None
        stamp = _stamp(target)
        body = target.read_bytes()
        media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix in (".js", ".mjs"):
            media_type = "text/javascript"  # module scripts need a JavaScript type
        packs = media_type.startswith(_PACKED_TYPES) and len(body) >= _MIN_PACKED
        packed = gzip_bytes(body) if packs else None
        if packed is not None and len(packed) >= len(body):
            packed = None
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        return _File(body, packed, media_type, etag, stamp)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _answer(send, 405, b"Method Not Allowed", [(b"allow", b"GET, HEAD")])
            return
        # under a Mount, the path goes on from the mount's (root_path)
        path, root = scope["path"], scope.get("root_path", "")
        found = self._load(
            path[len(root) :] if root and path.startswith(root) else path
        )
        if found is None:
            await _answer(send, 404, b"Not Found", [])
            return
        headers = [(b"etag", found.etag.encode()), (b"cache-control", b"no-cache"),
                   (b"vary", b"Accept-Encoding")]  # fmt: skip
        match = Headers(scope=scope).get("if-none-match", "")
        if found.etag in (tag.strip() for tag in match.split(",")):
            await _answer(send, 304, b"", headers, empty=True)
            return
        body = found.body
        if found.packed is not None and accepts_gzip(scope):
            body = found.packed
            headers.append((b"content-encoding", b"gzip"))
        content_type = found.media_type
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        headers.append((b"content-type", content_type.encode()))
        await _answer(
            send, 200, b"" if method == "HEAD" else body, headers, length=len(body)
        )


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]],
    length: int | None = None, empty: bool = False,
) -> None:  # fmt: skip
    if not empty:
        size = len(body) if length is None else length
        headers = [*headers, (b"content-length", str(size).encode())]
        if status >= 400:
            headers.append((b"content-type", b"text/plain; charset=utf-8"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
