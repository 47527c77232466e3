"""``runfold artifact ls | get | put | rm | gc | cache cleanup`` (W&B's
``wandb artifact ...``) and ``runfold restore RUN_PATH`` (a run back on disk)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .clitools import DIR_HELP, print_json, print_table, store_dir, user_errors

__all__ = ["artifact", "restore", "register"]

BASE_URL_HELP = "Read a Runfold server at this URL instead of the local store."
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B?\s*$", re.IGNORECASE)
_POWERS = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4}


@contextmanager
def _api(directory: str | None, base_url: str | None) -> Iterator[Any]:
    """The local store's Api, or a server's; closed after the command."""
    from .api import Api

    if base_url:
        api = Api(base_url=base_url)
    else:
        path = store_dir(directory)
        if not (path / "runfold.db").exists():
            raise click.ClickException(
                f"No Runfold store at {str(path)!r}. Log an artifact first "
                "(runfold artifact put PATH --name PROJECT/NAME --type TYPE)."
            )
        api = Api(path)
    try:
        yield api
    finally:
        api.close()


def _size(text: str) -> int:
    """``10GB`` (10**10), ``512MiB`` (512 * 2**20), ``1024`` (bytes)."""
    found = _SIZE.match(text)
    if not found:
        raise click.BadParameter(f"{text!r} is not a size like 10GB, 500MB or 1024.")
    base = 1024 if found.group(3) else 1000
    return int(float(found.group(1)) * base ** _POWERS[found.group(2).upper()])


def _bytes(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return str(n)


@click.group()
def artifact() -> None:
    """Versioned datasets and models: list, download, upload, delete, clean."""


@artifact.command("ls")
@click.argument("path")
@click.option("--type", "type_name", help="Only artifacts of this type.")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--base-url", help=BASE_URL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ls(path: str, type_name: str | None, directory: str | None,
       base_url: str | None, as_json: bool) -> None:  # fmt: skip
    """PROJECT: its artifacts by type; PROJECT/NAME: that artifact's versions."""
    with user_errors(), _api(directory, base_url) as api:
        if "/" not in path.strip("/"):
            found = api.artifact_collections(path, type_name)
            if as_json:
                print_json(found)
                return
            print_table(
                f"Artifacts of {path}", ["type", "name", "versions", "latest", "size"],
                [[c["type"], c["name"], c["versions"],
                  "" if c["latest"] is None else f"v{c['latest']}", _bytes(c["size"])]
                 for c in found],
            )  # fmt: skip
            return
        versions = api.artifacts(type_name, path)
        if as_json:
            print_json(
                [{**v._info, "qualified_name": v.qualified_name} for v in versions]
            )
            return
        print_table(
            f"Versions of {path}",
            ["version", "aliases", "files", "size", "logged by", "used", "digest"],
            [[v.version, ", ".join(v.aliases), v._info["file_count"], _bytes(v._info["size"]),
              v._info["logged_by"] or "", v._info["used"], v.digest[:12]]
             for v in versions],
        )  # fmt: skip


@artifact.command("get")
@click.argument("path")
@click.option("--root", type=click.Path(path_type=Path),
              help="Where to put the files (default ./artifacts/NAME:VERSION).")  # fmt: skip
@click.option("--type", "type_name", help="Refuse an artifact of another type.")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--base-url", help=BASE_URL_HELP)
def get(path: str, root: Path | None, type_name: str | None, directory: str | None,
        base_url: str | None) -> None:  # fmt: skip
    """Download PROJECT/NAME[:ALIAS] (default :latest); prints the folder."""
    with user_errors(), _api(directory, base_url) as api:
        found = api.artifact(path, type_name)
        folder = found.download(root)
    click.echo(
        f"Downloaded {found.qualified_name} ({found.file_count} files) to {folder}"
    )


@artifact.command("put")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--name", "-n", required=True, help="PROJECT/NAME to log it as.")
@click.option("--type", "-t", "type_name", default="dataset", show_default=True)
@click.option("--alias", "-a", "aliases", multiple=True, help="An alias (repeatable).")
@click.option("--description", "-d", help="What this version is.")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--base-url", help="Log to the Runfold server at this URL.")
def put(path: Path, name: str, type_name: str, aliases: tuple[str, ...],
        description: str | None, directory: str | None, base_url: str | None) -> None:  # fmt: skip
    """Log the file or folder PATH as a new version of PROJECT/NAME (from a run of
    its own, job type 'artifact-put'); prints the version."""
    import runfold

    project, _, collection = name.strip("/").rpartition("/")
    if not project:
        raise click.BadParameter("give it as PROJECT/NAME", param_hint="--name")
    if base_url:
        os.environ.update(RUNFOLD_BASE_URL=base_url, RUNFOLD_MODE="online")
    with user_errors():
        run = runfold.init(project=project, job_type="artifact-put",
                           dir=directory, reinit=True)  # fmt: skip
        try:
            found = runfold.Artifact(collection, type_name, description=description)
            if path.is_dir():
                found.add_dir(path)
            else:
                found.add_file(path)
            run.log_artifact(found, aliases=list(aliases)).wait()
        finally:
            run.finish()
    click.echo(
        f"Logged {found.qualified_name} ({found.file_count} files, digest {found.digest})"
    )


@artifact.command("rm")
@click.argument("path")
@click.option("--delete-aliases", is_flag=True, help="Also when it has aliases.")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--base-url", help=BASE_URL_HELP)
def rm(
    path: str, delete_aliases: bool, directory: str | None, base_url: str | None
) -> None:
    """Delete the version PROJECT/NAME:VERSION (its files: runfold artifact gc)."""
    with user_errors(), _api(directory, base_url) as api:
        found = api.artifact(path)
        found.delete(delete_aliases=delete_aliases)
    click.echo(
        f"Deleted {found.qualified_name}; free its files with: runfold artifact gc"
    )


@artifact.command("gc")
@click.argument("project")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--grace", default=3600.0, show_default=True,
              help="Keep unlisted files touched this many seconds ago or less.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Say what would be removed.")
def gc(project: str, directory: str | None, grace: float, dry_run: bool) -> None:
    """Remove the files of PROJECT no version keeps (deleted versions, killed
    uploads) from the local store (a server's: run it where its --files are)."""
    from .artifacts.blobs import BlobStore, blob_root
    from .artifacts.gc import collect

    with user_errors(), _api(directory, None) as api:
        blobs = BlobStore(blob_root(api.files_dir, project))
        result = collect(blobs, api.store.artifact_digests(project), grace=grace,
                         dry_run=dry_run)  # fmt: skip
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb} {result.removed} files ({_bytes(result.freed)}); kept "
        f"{result.kept} ({_bytes(result.kept_bytes)})"
        + (
            f" and {result.recent} recent ones no version lists yet"
            if result.recent
            else ""
        )
        + "."
    )


@artifact.group()
def cache() -> None:
    """The download cache of files read from servers."""


@cache.command("cleanup")
@click.argument("target_size", default="10GB")
def cleanup(target_size: str) -> None:
    """Trim the cache to TARGET_SIZE (e.g. 10GB), least recently used first."""
    from .artifacts.cache import cache_dir
    from .artifacts.cache import cleanup as trim

    removed, freed, left = trim(_size(target_size))
    click.echo(
        f"Removed {removed} files ({_bytes(freed)}) from {cache_dir()}; "
        f"{_bytes(left)} left."
    )


@click.command()
@click.argument("run_path")
@click.option("--dir", "folder", type=click.Path(path_type=Path),
              help="Where to write it (default ./restore-RUN_ID).")  # fmt: skip
@click.option("--store", "store", help=DIR_HELP)
@click.option("--base-url", help=BASE_URL_HELP)
def restore(run_path: str, folder: Path | None, store: str | None,
            base_url: str | None) -> None:  # fmt: skip
    """Write the run PROJECT/RUN_ID back to disk to rerun it: its code (the git
    commit with its uncommitted diff, or its saved script), config.yaml,
    requirements.txt and the artifacts it used; prints the command that reruns it."""
    from .reproduce import restore_run

    with user_errors(), _api(store, base_url) as api:
        done = restore_run(api, run_path, folder)
    click.echo(f"Restored {run_path} into {done.folder} (code: {done.how}).")
    for note in done.notes:
        click.echo(f"Note: {note}", err=True)
    for path in done.artifacts:
        click.echo(f"Artifact: {path}")
    click.echo("Rerun it with:")
    click.echo(done.command)


def register(group: click.Group) -> None:
    """Add ``artifact`` and ``restore`` to the ``runfold`` command."""
    group.add_command(artifact)
    group.add_command(restore)
