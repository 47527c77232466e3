"""``runfold admin``: users, teams, API keys and project owners of a team server.

It works on the database directly (``--database URL``, or the local store), so it
needs the database's credentials, not an API key: run it where the server runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from .clitools import (
    DIR_HELP,
    format_time,
    print_json,
    print_table,
    store_dir,
    user_errors,
)

__all__ = ["admin"]


@contextmanager
def _store(ctx: click.Context) -> Iterator[Any]:
    """The store named by ``--database`` / ``--dir``; RunfoldError -> ``Error:``."""
    from .store import open_store

    database, directory = ctx.obj
    with user_errors():
        store = open_store(database or store_dir(directory) / "runfold.db")
        try:
            yield store
        finally:
            store.close()


@click.group()
@click.option("--database", help="postgresql://user@host/db, or a SQLite file "
              "(default: the local store).")  # fmt: skip
@click.option("--dir", "directory", help=DIR_HELP)
@click.pass_context
def admin(ctx: click.Context, database: str | None, directory: str | None) -> None:
    """Manage users, teams and API keys of a team server (runfold server --team)."""
    ctx.obj = (database, directory)


@admin.group()
def user() -> None:
    """Users: people or machines that hold API keys."""


@user.command("create")
@click.argument("name")
@click.pass_context
def user_create(ctx: click.Context, name: str) -> None:
    """Add user NAME."""
    with _store(ctx) as store:
        store.create_user(name)
    click.echo(
        f"Created user {name!r}. Add them to a team with: runfold admin team add "
        f"TEAM {name}"
    )


@admin.group()
def team() -> None:
    """Teams: each project belongs to one, and only its members see it."""


@team.command("create")
@click.argument("name")
@click.pass_context
def team_create(ctx: click.Context, name: str) -> None:
    """Add team NAME."""
    with _store(ctx) as store:
        store.create_team(name)
    click.echo(f"Created team {name!r}.")


@team.command("add")
@click.argument("team_name", metavar="TEAM")
@click.argument("user_name", metavar="USER")
@click.option("--default", "is_default", is_flag=True, help="Make TEAM the owner of "
              "the projects USER creates (default: their first team).")  # fmt: skip
@click.pass_context
def team_add(
    ctx: click.Context, team_name: str, user_name: str, is_default: bool
) -> None:
    """Add USER to TEAM."""
    with _store(ctx) as store:
        store.add_member(team_name, user_name, default=is_default)
    click.echo(f"Added {user_name!r} to team {team_name!r}.")


@admin.group()
def key() -> None:
    """API keys: shown once, stored hashed, revocable."""


@key.command("create")
@click.argument("user_name", metavar="USER")
@click.option("--name", help="A label for the key, e.g. 'laptop' or 'ci'.")
@click.pass_context
def key_create(ctx: click.Context, user_name: str, name: str | None) -> None:
    """Create an API key for USER and print it (the only time it is shown)."""
    with _store(ctx) as store:
        info, secret = store.create_key(user_name, name)
    click.echo(
        f"Created key {info.id} for {user_name!r}. Copy it now; it is not shown "
        f"again:\n\n    {secret}\n\nUse it with: runfold login --base-url URL "
        "(or RUNFOLD_API_KEY)."
    )


@key.command("list")
@click.argument("user_name", metavar="USER")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def key_list(ctx: click.Context, user_name: str, as_json: bool) -> None:
    """List USER's keys (their first characters only)."""
    with _store(ctx) as store:
        keys = store.list_keys(user_name)
    if as_json:
        print_json([k.__dict__ for k in keys])
        return
    columns = ["id", "name", "key", "created", "last used", "revoked"]
    rows = [
        [k.id, k.name, k.prefix + "…", format_time(k.created_at),
         format_time(k.last_used_at), format_time(k.revoked_at)]
        for k in keys
    ]  # fmt: skip
    print_table(f"API keys of {user_name}", columns, rows)


@key.command("revoke")
@click.argument("key_id", metavar="KEY_ID", type=int)
@click.pass_context
def key_revoke(ctx: click.Context, key_id: int) -> None:
    """Revoke key KEY_ID (from `runfold admin key list USER`) and its UI sessions."""
    with _store(ctx) as store:
        info = store.revoke_key(key_id)
    was = " (it was already revoked)" if info.revoked_at else ""
    click.echo(f"Revoked key {key_id} of {info.user!r}{was}.")


@admin.group()
def project() -> None:
    """Project owners."""


@project.command("assign")
@click.argument("project_name", metavar="PROJECT")
@click.argument("team_name", metavar="TEAM")
@click.pass_context
def project_assign(ctx: click.Context, project_name: str, team_name: str) -> None:
    """Give PROJECT to TEAM (projects made before team mode belong to no team and
    are hidden in team mode until assigned)."""
    with _store(ctx) as store:
        store.assign_project(project_name, team_name)
    click.echo(f"Project {project_name!r} now belongs to team {team_name!r}.")
