"""Issue 18, item 9: DNS rebinding. ``runfold ui`` and ``runfold server`` answer
only requests whose Host names them (loopback names and the served address, on
any port, as through an SSH tunnel, and names given with ``--allowed-host``); a
page whose own name was made to resolve to 127.0.0.1 gets 400, with what to do."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runfold.cli import cli
from tests.hardening.test_restarts import free_port, start_serving


def _status(port: int, host: str, path: str = "/api/v1/projects") -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}", headers={"host": host})


@pytest.mark.parametrize("command", ["ui", "server"])
def test_only_its_own_names_get_answers(command: str, runfold_dir: Path) -> None:
    port = free_port()
    proc = start_serving([command], port)
    try:
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}",
                     "localhost:9000", "LocalHost", "127.0.0.1"):  # fmt: skip
            assert _status(port, host).status_code == 200, host
        for host in (f"evil.example:{port}", "evil.example", f"localhost.{port}",
                     f"127.0.0.1.evil.example:{port}", "[::2]"):  # fmt: skip
            refused = _status(port, host)
            assert refused.status_code == 400, host
            body = refused.json()
            assert body["ok"] is False and body["status"] == 400
            assert "--allowed-host" in body["error"]
        page = _status(port, f"evil.example:{port}", "/")  # the UI page too
        assert page.status_code == 400
        assert "restart it with --allowed-host evil.example" in page.json()["error"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_allowed_host_adds_names_to_the_server_and_its_workers(
    runfold_dir: Path,
) -> None:
    port = free_port()
    proc = start_serving(
        ["server", "--workers", "2", "--allowed-host", "runfold.example.com",
         "--allowed-host", "*.lab.example", "--allowed-host", f"box:{port}"], port,
    )  # fmt: skip
    try:
        for _ in range(4):  # whichever worker answers
            for host in ("runfold.example.com", "runfold.example.com:443",
                         "gpu1.lab.example:8080", f"box:{port}", f"localhost:{port}"):  # fmt: skip
                assert _status(port, host).status_code == 200, host
            for host in ("box", f"box:{port + 1}", "lab.example", "example.com"):
                assert _status(port, host).status_code == 400, host
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_allowed_host_star_turns_the_check_off(runfold_dir: Path) -> None:
    port = free_port()
    proc = start_serving(["ui", "--allowed-host", "*"], port)
    try:
        assert _status(port, "anything.example").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


@pytest.mark.parametrize("value", ["a b", "http://x", "x,y", "*x", "a:b:c", ""])
def test_a_bad_allowed_host_is_a_usage_error(value: str, runfold_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["ui", "--allowed-host", value, "--no-browser"])
    assert result.exit_code == 2
    assert "Invalid value for '--allowed-host'" in result.output
    assert "is not a host name" in result.output


def test_the_address_a_request_came_to_is_a_served_name(tmp_path: Path) -> None:
    """Behind ``--host 0.0.0.0`` a request to the machine's own address is
    answered: the server's side of the connection names it (here the test
    client's ``testserver``)."""
    from fastapi.testclient import TestClient

    from runfold.server import create_app
    from runfold.store import open_store

    store = open_store(tmp_path / "runfold.db")
    try:
        with TestClient(create_app(store)) as client:
            assert client.get("/api/v1/projects").status_code == 200
            refused = client.get("/api/v1/projects", headers={"host": "evil.example"})
            assert refused.status_code == 400
            assert (
                "it answers to localhost, 127.0.0.1, [::1], testserver and"
                in (refused.json()["error"])
            )
    finally:
        store.close()
