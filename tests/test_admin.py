"""`runfold admin`: users, teams, keys and project owners, on the local store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

import runfold.admin
from runfold.cli import cli
from runfold.store import open_store


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _admin(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["admin", *args])
    return result.exit_code, result.output


def test_admin_creates_users_teams_and_a_key_shown_once(
    runner: CliRunner, runfold_dir: Path
) -> None:
    assert _admin(runner, "user", "create", "alice") == (0, (
        "Created user 'alice'. Add them to a team with: runfold admin team add TEAM "
        "alice\n"
    ))  # fmt: skip
    assert _admin(runner, "team", "create", "vision") == (0, "Created team 'vision'.\n")
    assert _admin(runner, "team", "add", "vision", "alice")[0] == 0
    code, out = _admin(runner, "key", "create", "alice", "--name", "laptop")
    assert code == 0 and out.startswith("Created key 1 for 'alice'. Copy it now")
    secret = next(w for w in out.split() if w.startswith("rf_"))
    code, listed = _admin(runner, "key", "list", "alice", "--json")
    assert code == 0 and secret[:10] in listed and secret not in listed
    store = open_store(runfold_dir / "runfold.db")
    try:
        assert store.caller_for_key(secret).user == "alice"
    finally:
        store.close()
    assert _admin(runner, "key", "revoke", "1") == (0, "Revoked key 1 of 'alice'.\n")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["user", "create", "alice"],
         "Error: User 'alice' already exists. List its keys with: runfold admin key "
         "list alice"),
        (["team", "create", "vision"],
         "Error: Team 'vision' already exists. Add users with: runfold admin team add "
         "vision USER"),
        (["team", "add", "vision", "bob"],
         "Error: No user 'bob'. Create it with: runfold admin user create bob"),
        (["team", "add", "speech", "alice"],
         "Error: No team 'speech'. Create it with: runfold admin team create speech"),
        (["key", "create", "bob"],
         "Error: No user 'bob'. Create it with: runfold admin user create bob"),
        (["key", "list", "bob"],
         "Error: No user 'bob'. Create it with: runfold admin user create bob"),
        (["key", "revoke", "42"],
         "Error: No API key with id 42. List a user's keys with: runfold admin key "
         "list USER"),
        (["project", "assign", "mnist", "vision"],
         "Error: Project 'mnist' not found. List projects with: runfold projects"),
        (["project", "assign", "mnist", "speech"],
         "Error: No team 'speech'. Create it with: runfold admin team create speech"),
    ],
)  # fmt: skip
def test_admin_errors_name_the_problem_and_the_fix(
    runner: CliRunner, args: list[str], error: str
) -> None:
    _admin(runner, "user", "create", "alice")
    _admin(runner, "team", "create", "vision")
    assert _admin(runner, *args) == (1, error + "\n")


def test_admin_project_assign_gives_a_project_to_a_team(
    runner: CliRunner, runfold_dir: Path
) -> None:
    store = open_store(runfold_dir / "runfold.db")
    store.ingest("mnist", "r1", [(1, "run", {"name": "r1"})])
    store.close()
    _admin(runner, "team", "create", "vision")
    assert _admin(runner, "project", "assign", "mnist", "vision") == (
        0, "Project 'mnist' now belongs to team 'vision'.\n"
    )  # fmt: skip


def test_admin_imports_nothing_of_the_cli_that_imports_it() -> None:
    tree = ast.parse(Path(runfold.admin.__file__).read_text("utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "cli" not in imported and "runfold.cli" not in imported
