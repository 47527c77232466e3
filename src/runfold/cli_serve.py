"""``runfold ui`` and ``runfold server``: serve a store's API and web UI.

Both check their port first by binding it as uvicorn will (``SO_REUSEADDR``, so a
restart is not refused while the last connections sit in TIME_WAIT), and answer
only requests whose Host names them (``--allowed-host`` adds names; see
server/hosts.py). The workers of ``runfold server --workers N`` end with it, even
when it is killed (server/parent.py).
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Any

import click

from .clitools import DIR_HELP, store_dir, user_errors

__all__ = ["ui", "server", "PORT_IN_USE"]

PORT_IN_USE = (
    "Port {port} on {host} is in use (another runfold {command}?). Stop it, or pass "
    "another port: runfold {command} --port {next}"
)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_PORT = click.IntRange(0, 65535)


def _allowed_hosts(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    from .errors import UsageError
    from .server.hosts import check_allowed_host

    try:
        return tuple(check_allowed_host(v) for v in values)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


allowed_host_option = click.option(
    "--allowed-host", "allowed_hosts", multiple=True, callback=_allowed_hosts,
    metavar="NAME",
    help="Also answer requests for this Host name (repeatable): a proxy's public "
    "name, NAME:PORT, *.example.com, or * for any. By default only localhost, "
    "127.0.0.1, [::1] and the address served (a guard against DNS rebinding).",
)  # fmt: skip


def bind_port(host: str, port: int, command: str) -> socket.socket:
    """``host:port`` bound as uvicorn binds it (``SO_REUSEADDR``: a port whose last
    connections sit in TIME_WAIT is free); a ClickException when it is taken."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise click.BadParameter(
            f"cannot serve on {host!r}: {exc}.", param_hint="--host"
        ) from None
    # IPv4 first, as uvicorn's own bind (a name like localhost may list ::1 first)
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    family, _, proto, _, address = infos[0]
    # the protocol named (IPPROTO_TCP, not 0): asyncio turns Nagle off
    # (TCP_NODELAY) only on connections from such a socket; without it every
    # response after a connection's first waited ~40 ms for a delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(PORT_IN_USE.format(
                port=port, host=host, command=command, next=port + 1
            )) from None  # fmt: skip
        raise click.ClickException(
            f"Cannot serve on {host}:{port}: {exc.strerror or exc}."
        ) from None
    return sock


def _has_display() -> bool:
    import sys

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@click.command()
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=_PORT,
              help="Port (0: any free one).")  # fmt: skip
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@allowed_host_option
def ui(
    directory: str | None, host: str, port: int, no_browser: bool,
    allowed_hosts: tuple[str, ...],
) -> None:  # fmt: skip
    """Serve the store's API (and the web UI) on http://HOST:PORT."""
    import uvicorn

    from .server import create_app
    from .store import open_store

    path = store_dir(directory)
    sock = bind_port(host, port, "ui")  # served as bound: port 0 is a real port here
    with user_errors():
        store = open_store(path / "runfold.db")
    app = create_app(store, allowed_hosts=allowed_hosts)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    url = f"http://{_url_host(host)}:{sock.getsockname()[1]}/"
    click.echo(f"Runfold is serving {path} at {url} (Ctrl-C stops it).")
    if not no_browser and _has_display():
        import threading
        import webbrowser

        # Open once the server listens; never a console browser in this terminal.
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    server.run(sockets=[sock])
    store.close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@click.command()
@click.option("--database", help="postgresql://user@host/db, or a SQLite file "
              "(default: the local store).")  # fmt: skip
@click.option("--files", "files_dir", help="Directory for run files (needed with "
              "PostgreSQL; default: beside the SQLite file).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535),
              help="Port.")  # fmt: skip
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Server processes.")  # fmt: skip
@click.option("--team", "team_mode", is_flag=True, help="Team mode: every API call "
              "needs a key (runfold admin), projects are private to their team.")  # fmt: skip
@allowed_host_option
@click.option("--dir", "directory", help=DIR_HELP)
def server(
    database: str | None, files_dir: str | None, host: str, port: int, workers: int,
    team_mode: bool, allowed_hosts: tuple[str, ...], directory: str | None,
) -> None:  # fmt: skip
    """Run the server: the JSON API over SQLite or PostgreSQL, in one or more
    processes that share the database."""
    import uvicorn

    from .server.parent import PARENT_ENV
    from .store import open_store

    os.environ.pop(PARENT_ENV, None)  # set below, for this server's own workers
    database = database or str(store_dir(directory) / "runfold.db")
    os.environ["RUNFOLD_DATABASE"] = database
    if files_dir:
        os.environ["RUNFOLD_FILES"] = str(Path(files_dir).resolve())
    if team_mode:
        os.environ["RUNFOLD_TEAM_MODE"] = "1"
    if allowed_hosts:
        os.environ["RUNFOLD_ALLOWED_HOSTS"] = ",".join(allowed_hosts)
    bind_port(host, port, "server").close()  # uvicorn binds it again, as here
    with user_errors():
        open_store(database).close()  # fail here, with the message, not in a worker
        from .server.app import app_from_env

        app: Any = app_from_env()
        team_mode = app.state.team_mode
        app.state.store.close()
    if host not in _LOOPBACK and not team_mode:
        click.echo(
            f"Warning: serving on {host} with no API keys; anyone who can reach this "
            "port can read and write runs. Use --team for keys.",
            err=True,
        )
    mode = "team mode, API keys required" if team_mode else "no API keys"
    click.echo(
        f"Runfold server on http://{_url_host(host)}:{port}/ ({workers} "
        f"process(es), {mode})."
    )
    os.environ[PARENT_ENV] = str(os.getpid())  # the workers end when this does
    uvicorn.run(
        "runfold.server.app:app_from_env", factory=True, host=host, port=port,
        workers=workers, log_level="warning",
    )  # fmt: skip
