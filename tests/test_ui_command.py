"""`runfold ui` serves the store on a real port, from a real process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runfold.cli import cli


def test_ui_serves_the_demo_store(runfold_dir: Path) -> None:
    assert CliRunner().invoke(cli, ["demo", "--steps", "50"]).exit_code == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "runfold.cli", "ui", "--port", str(port)],
        env={**os.environ, "DISPLAY": ""}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"runfold ui did not serve: {proc.communicate()}")
                time.sleep(0.1)
        assert 'src="/static/app.js"' in page.text
        groups = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/projects/demo/groups"
        ).json()
        assert "cv-resnet18" in [g["name"] for g in groups["groups"]]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert f"at http://127.0.0.1:{port}/" in out


def test_ui_on_a_port_in_use_says_so(runfold_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["ui", "--port", str(port), "--no-browser"])
    assert result.exit_code == 1
    assert (
        f"Error: Port {port} on 127.0.0.1 is in use (another runfold ui?)"
        in result.output
    )
    assert f"runfold ui --port {port + 1}" in result.output


def test_the_ui_socket_sends_small_writes_at_once() -> None:
    """``runfold ui`` serves the socket it bound (cli_serve.bind_port): asyncio turns
    Nagle's algorithm off only on connections from a socket that names TCP, and
    without it every answer after a connection's first waited ~40 ms for the
    client's delayed ACK (a page's 75 modules and its API calls, each)."""
    import asyncio

    from runfold.cli_serve import bind_port

    sock = bind_port("127.0.0.1", 0, "ui")
    sock.listen()

    async def nodelay_of_accepted() -> int:
        got: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def accepted(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = writer.get_extra_info("socket")
            got.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        try:
            return await asyncio.wait_for(got, 10)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(nodelay_of_accepted()) != 0
