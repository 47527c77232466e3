"""Issue 18, items 16, 20 and 22, as a new user meets them: messages instead of
tracebacks (a port out of range, PostgreSQL without its extra, ``runfold server``
on a busy port), the finish line of an offline run giving the ``runfold sync``
command, ``runfold report list`` saying how to write a report, and ``runfold
login`` checking the key with the server before it saves it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from runfold.cli import cli
from tests.conftest import run_script
from tests.server.test_auth import TeamServer


def _runfold(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``runfold ARGS`` in a fresh interpreter (``prelude`` runs first)."""
    code = f"{prelude}\nimport sys\nfrom runfold.cli import main\nsys.argv[1:] = {list(args)!r}\nmain()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "DISPLAY": ""})  # fmt: skip


@pytest.mark.parametrize("command", ["ui", "server"])
def test_a_port_out_of_range_is_a_usage_error(command: str) -> None:
    proc = _runfold(command, "--port", "99999")
    assert proc.returncode == 2
    assert "Invalid value for '--port': 99999 is not in the range" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


# psycopg as it is where the postgres extra is not installed
_NO_PSYCOPG = (
    "import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None"
)


@pytest.mark.parametrize(
    "args",
    [["server", "--database", "postgresql://u@127.0.0.1/test", "--files", "f"],
     ["admin", "--database", "postgresql://u@127.0.0.1/test", "user", "create", "a"]],
)  # fmt: skip
def test_postgres_without_its_extra_says_what_to_install(args: list[str]) -> None:
    proc = _runfold(*args, prelude=_NO_PSYCOPG)
    assert proc.returncode == 1
    assert (
        "Error: PostgreSQL needs psycopg: pip install 'runfold[postgres]'"
        in proc.stderr
    )
    assert "Traceback" not in proc.stderr + proc.stdout


def test_server_on_a_busy_port_says_so(runfold_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _runfold("server", "--port", str(port))
    assert proc.returncode == 1
    assert (
        f"Error: Port {port} on 127.0.0.1 is in use (another runfold server?). Stop "
        f"it, or pass another port: runfold server --port {port + 1}"
    ) in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


OFFLINE = """
import runfold
run = runfold.init(project="p", id="off1", mode="offline")
run.log({"loss": 1.0})
run.finish()
"""


@pytest.mark.parametrize("base_url", [None, "http://127.0.0.1:9"])
def test_an_offline_run_ends_with_the_sync_command(
    base_url: str | None, runfold_dir: Path
) -> None:
    env = {
        "RUNFOLD_SILENT": "0",
        **({"RUNFOLD_BASE_URL": base_url} if base_url else {}),
    }
    proc = run_script(OFFLINE, env=env)
    finish = proc.stderr.strip().splitlines()[-1]
    assert finish.startswith("runfold: run p/off1 (")
    upload = f" --base-url {base_url}" if base_url else ""
    assert finish.endswith(
        f"finished: 1 steps. Load it with: runfold sync {runfold_dir / 'runs' / 'p' / 'off1'}{upload}"
    )
    assert "runfold ui" not in finish


def test_report_list_with_no_reports_says_how_to_write_one(runfold_dir: Path) -> None:
    assert CliRunner().invoke(cli, ["demo", "--steps", "10"]).exit_code == 0
    result = CliRunner().invoke(cli, ["report", "list", "demo"])
    assert result.exit_code == 0
    assert result.output.startswith("No reports in project 'demo' yet. Write one in")
    assert "New report" in result.output and "docs/reports.md" in result.output
    listed = CliRunner().invoke(cli, ["report", "list", "demo", "--json"])
    assert json.loads(listed.output) == []


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TeamServer]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    server = TeamServer(tmp_path / "team")
    yield server
    server.stop()


def _saved(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "config" / "runfold" / "config.json"
    return json.loads(path.read_text())["api_keys"] if path.exists() else {}


def test_login_checks_the_key_with_the_server(team: TeamServer, tmp_path: Path) -> None:
    ok = CliRunner().invoke(
        cli, ["login", "--base-url", team.url, "--key", team.keys["alice"]]
    )
    assert ok.exit_code == 0, ok.output
    assert "the server knows it as user 'alice'" in ok.output
    assert _saved(tmp_path) == {team.url: team.keys["alice"]}
    for key in ("rf_not-a-key", team.keys["revoked"]):
        refused = CliRunner().invoke(
            cli, ["login", "--base-url", team.url, "--key", key]
        )
        assert refused.exit_code == 1
        assert f"Error: The server at {team.url} refused this key:" in refused.output
        assert refused.output.rstrip().endswith("Nothing was saved.")
    assert _saved(tmp_path) == {team.url: team.keys["alice"]}


def test_login_to_a_server_that_does_not_answer_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"  # closed when the test asks
    down = CliRunner().invoke(cli, ["login", "--base-url", url, "--key", "rf_x"])
    assert down.exit_code == 1
    assert f"Error: The Runfold server at {url} is not reachable" in down.output
    assert "Nothing was saved (--no-check saves the key without asking)." in down.output
    assert _saved(tmp_path) == {}
    unchecked = CliRunner().invoke(
        cli, ["login", "--base-url", url, "--key", "rf_x", "--no-check"]
    )
    assert unchecked.exit_code == 0, unchecked.output
    assert _saved(tmp_path) == {url: "rf_x"}
