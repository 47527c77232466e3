"""The Host-header check: the server answers only the names it was started for.

Without it, DNS rebinding lets any web page read and change a keyless server: the
page's own name (``evil.example``) is made to resolve to 127.0.0.1, and the
browser, seeing the same origin, lets the page read the answers. Such a request
still carries ``Host: evil.example:8765``, so it is refused here (400).

Allowed by default: ``localhost``, ``127.0.0.1``, ``[::1]`` and the address the
request came in on (the server's own side of the connection), with any port: no
attacker can make a browser send these names for a page of theirs, and an SSH
tunnel or a container's port mapping (``ssh -L 9000:localhost:8765``) reaches the
server under another port. More with ``--allowed-host`` (``allowed`` here), each
one of:

- ``name``: that name, with any port (a reverse proxy's public name);
- ``name:port``: that name with that port only;
- ``*.example.com``: any name under example.com, any port;
- ``*``: any Host at all (the check is off).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import UsageError
from .errors import error_body

__all__ = ["HostCheck", "check_allowed_host", "LOOPBACK_NAMES", "BAD_HOST"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
BAD_HOST = (
    "Host {host!r} is not a name this server answers to (a guard against DNS "
    "rebinding); it answers to {served} and the names given with --allowed-host. "
    "If you reach it by that name, restart it with --allowed-host {name}."
)
BAD_PATTERN = (
    "{value!r} is not a host name; give a name (runfold.example.com), a name and "
    "port (myhost:8765), a domain's names (*.example.com) or * for any."
)


def check_allowed_host(value: str) -> str:
    """``value`` as HostCheck compares it (lower case); UsageError unless it is a
    host name, a name and port, ``*.domain`` or ``*``."""
    text = value.strip().lower()
    if text == "*":
        return text
    wildcard = text.startswith("*.")
    name, port = _split(text[2:] if wildcard else text)
    bad = (
        not name
        or any(c.isspace() or c in "/,@?#\\\"'*" for c in name)
        or (":" in name and not (name.startswith("[") and name.endswith("]")))
        or (wildcard and port is not None)
    )
    if bad:
        raise UsageError(BAD_PATTERN.format(value=value))
    return text


def _split(host: str) -> tuple[str, int | None]:
    """``Host`` as (name, port): ``[::1]:8765`` -> ("[::1]", 8765)."""
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and (not name.startswith("[") or name.endswith("]")):
        return name, int(port)
    return host, None


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


class HostCheck:
    """Refuse (400) requests whose Host header is not an allowed name; see the
    module docstring for what is allowed."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str] = ()) -> None:
        self.app = app
        patterns = [check_allowed_host(v) for v in allowed]
        self.any_host = "*" in patterns
        self.exact = {p for p in patterns if not p.startswith("*.")}
        self.domains = tuple(p[1:] for p in patterns if p.startswith("*."))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.any_host:
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers") or []).get(b"host")
        if host is None:  # HTTP/1.0 without Host: not a browser's request
            await self.app(scope, receive, send)
            return
        text = host.decode("latin-1").strip().lower()
        served = self._served(scope)
        if self._allows(text, served):
            await self.app(scope, receive, send)
            return
        await self._refuse(send, text, served)

    def _served(self, scope: Scope) -> list[str]:
        """The names any request may use: loopback and the address it came to."""
        names = list(LOOPBACK_NAMES)
        server = scope.get("server")
        if server and server[0] and _bracketed(str(server[0])).lower() not in names:
            names.append(_bracketed(str(server[0])).lower())
        return names

    def _allows(self, host: str, served: list[str]) -> bool:
        if host in self.exact:
            return True
        name, _ = _split(host)
        return (
            name in served
            or name in self.exact
            or bool(self.domains and name.endswith(self.domains))
        )

    async def _refuse(self, send: Send, host: str, served: list[str]) -> None:
        where = ", ".join(served)
        message = BAD_HOST.format(host=host, served=where, name=_split(host)[0])
        body = json.dumps(error_body(400, message)).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})
