"""``runfold sync``: load run logs (offline runs, cluster directories) into the
store, or upload them to a server; a damaged or foreign file is named and skipped,
and the rest go on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from .clitools import DIR_HELP, store_dir, user_errors

__all__ = ["sync"]


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--dir", "directory", help=DIR_HELP)
@click.option(
    "--base-url",
    help="Upload to the Runfold server at this URL instead of the local store.",
)
def sync(path: Path | None, directory: str | None, base_url: str | None) -> None:
    """Load run logs at PATH (a run directory, or a folder of them; default: the
    store's own runs/) into the store, or upload them to a server with --base-url.
    Safe to repeat: nothing is added twice."""
    root = store_dir(directory)
    with user_errors():
        logs = _find_logs(path or root / "runs")
        if base_url:
            total = _upload(logs, base_url)
            where = base_url
        else:
            total = _sync_local(logs, root)
            where = str(root)
    click.echo(f"Synced {len(logs)} run logs ({total} new records) into {where}.")


def _find_logs(path: Path) -> list[Path]:
    from .sync import find_run_logs

    return find_run_logs(path)


def _sync_local(logs: list[Path], root: Path) -> int:
    from rich.progress import Progress

    from .store import open_store
    from .sync import sync_all, sync_run_log

    store = open_store(root / "runfold.db")
    try:
        with Progress() as progress:
            task = progress.add_task("Syncing run logs", total=len(logs))
            summary = sync_all(
                logs, lambda path: sync_run_log(store, path),
                on_done=lambda _: progress.advance(task),
            )  # fmt: skip
    finally:
        store.close()
    return _synced(summary, len(logs))


def _upload(logs: list[Path], base_url: str) -> int:
    from rich.progress import Progress

    from .credentials import saved_api_key
    from .sync import sync_all, upload_run_log

    key = os.environ.get("RUNFOLD_API_KEY") or saved_api_key(base_url)
    with Progress() as progress:
        task = progress.add_task(f"Uploading to {base_url}", total=len(logs))
        summary = sync_all(
            logs, lambda path: upload_run_log(base_url, path, api_key=key),
            on_done=lambda _: progress.advance(task),
        )  # fmt: skip
    return _synced(summary, len(logs))


def _synced(summary: Any, count: int) -> int:
    """The new records; a ClickException (exit 1) once the rest are in when some
    run logs could not be synced (each was named on stderr)."""
    if summary.skipped:
        raise click.ClickException(
            f"{len(summary.skipped)} of {count} run logs could not be synced (see "
            f"above); the other {count - len(summary.skipped)} were, with "
            f"{summary.records} new records."
        )
    return int(summary.records)
