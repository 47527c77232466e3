"""`runfold server`: several processes over one PostgreSQL database, real clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import runfold
from tests.store.conftest import POSTGRES_URL, _postgres_schema


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def postgres_url() -> Iterator[str]:
    conn, schema = _postgres_schema()
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    conn.close()


@pytest.fixture
def server(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "runfold.cli", "server", "--database", postgres_url,
         "--files", str(tmp_path / "files"), "--workers", "2", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/api/v1/projects", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"runfold server did not start\n{out}\n{err}")
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.communicate(timeout=20)


CLIENT = """
import sys, runfold
run = runfold.init(project="team", group="ddp", job_type="train", id=sys.argv[1])
for step in range(400):
    run.log({f"m{k}": step * 10 + k for k in range(4)})
run.finish()
"""


def test_two_server_processes_on_postgres_store_every_point_once(
    server: str, postgres_url: str
) -> None:
    env = {**os.environ, "RUNFOLD_BASE_URL": server, "RUNFOLD_SILENT": "1"}
    clients = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(CLIENT), f"rank{i}"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(8)
    ]  # fmt: skip
    for proc in clients:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    from runfold.store.postgres import PostgresStore

    store = PostgresStore(postgres_url)
    api = runfold.Api(store=store)
    try:
        runs = api.runs("team")
        assert sorted(r.id for r in runs) == [f"rank{i}" for i in range(8)]
        for run in runs:
            rows = run.history()
            assert [r["_step"] for r in rows] == list(range(400))
            assert all(r["m3"] == r["_step"] * 10 + 3 for r in rows)
            assert run.state == "finished"
        (group,) = api.groups("team", by=["group", "job_type"])
        assert (group.name, group.count) == ("ddp / train", 8)
    finally:
        api.close()


def test_server_over_postgres_without_files_dir_says_what_to_do(
    postgres_url: str,
) -> None:
    from click.testing import CliRunner

    from runfold.cli import cli

    result = CliRunner().invoke(cli, ["server", "--database", postgres_url])
    assert result.exit_code == 1
    assert (
        "needs a directory for run files: runfold server --files DIR" in result.output
    )
