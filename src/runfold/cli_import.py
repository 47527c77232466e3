"""``runfold import wandb|mlflow|tensorboard``: runs kept by other trackers,
brought into the store or onto a server (``runfold.importers``), with a progress
bar per run and a summary of what was carried, what was not, and why."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .clitools import DIR_HELP, store_dir, user_errors

__all__ = ["import_group"]

_LABELS = {"wandb": "W&B", "mlflow": "MLflow", "tensorboard": "TensorBoard"}


@click.group("import")
def import_group() -> None:
    """Import runs from W&B, MLflow or TensorBoard, grouped as they were.

    Safe to repeat: importing again adds nothing, and adds what a source gained
    since. Imported runs carry the tag imported:<source> and meta.imported_from.
    """


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--project", help="Runfold project for every run (default: "
                     "the source's project, experiment or log directory name)."),
        click.option("--dir", "directory", help=DIR_HELP),
        click.option("--base-url", help="Import into the Runfold server at this URL "
                     "instead of the local store."),
        click.option("--dry-run", is_flag=True, help="Read everything, write "
                     "nothing: say what would be imported."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@import_group.command("wandb")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common
def wandb(
    paths: tuple[Path, ...], project: str | None, directory: str | None,
    base_url: str | None, dry_run: bool,
) -> None:  # fmt: skip
    """W&B runs at PATHS: run directories (wandb/run-*, wandb/offline-run-*) or
    folders above them. Reads their .wandb transaction logs (needs the wandb
    package; nothing is sent to W&B)."""
    with user_errors():
        from .importers.wandb_runs import find_logs, wandb_runs

        runs = wandb_runs(find_logs(list(paths)), project)
        _import(runs, "wandb", directory, base_url, dry_run)


@import_group.command("mlflow")
@click.option(
    "--tracking-uri",
    required=True,
    help="An mlruns/ folder, "
    "sqlite:///mlflow.db (any SQL store) or a tracking server's URL.",
)
@click.option(
    "--experiment",
    "experiments",
    multiple=True,
    help="Only this experiment (repeat for more; default: all).",
)
@click.option(
    "--group-tag",
    help="The MLflow tag whose value is the run's group "
    "(default: the parent run's name, for nested runs).",
)
@_common
def mlflow(
    tracking_uri: str, experiments: tuple[str, ...], group_tag: str | None,
    project: str | None, directory: str | None, base_url: str | None, dry_run: bool,
) -> None:  # fmt: skip
    """MLflow runs: params as config, metrics with their steps and times, tags,
    artifacts as files (needs the mlflow package)."""
    with user_errors():
        from .importers.mlflow_runs import mlflow_runs, open_client

        client = open_client(tracking_uri)
        runs = mlflow_runs(client, tracking_uri, list(experiments), project, group_tag)
        _import(runs, "mlflow", directory, base_url, dry_run)


@import_group.command("tensorboard")
@click.argument("logdir", type=click.Path(path_type=Path))
@click.option(
    "--group-by",
    help="The group, from the run's path: '{parent}' "
    "puts runs/exp1/seed3 in group exp1 ({name}, {path}, {0}, {-2} ...).",
)
@click.option("--job-type-by", help="The job type, from the run's path, as --group-by.")
@_common
def tensorboard(
    logdir: Path, group_by: str | None, job_type_by: str | None,
    project: str | None, directory: str | None, base_url: str | None, dry_run: bool,
) -> None:  # fmt: skip
    """TensorBoard event files under LOGDIR: one run per directory of event
    files; scalars, histograms, images, text and hparams (needs tensorboard)."""
    with user_errors():
        from .importers.tensorboard_runs import tensorboard_runs

        runs = tensorboard_runs(logdir, project, group_by, job_type_by)
        _import(runs, "tensorboard", directory, base_url, dry_run)


def _destination(root: Path, base_url: str | None, dry_run: bool) -> Any:
    from .importers.importer import ServerDestination, StoreDestination

    if dry_run:
        return None
    if base_url:
        from .credentials import saved_api_key

        key = os.environ.get("RUNFOLD_API_KEY") or saved_api_key(base_url)
        return ServerDestination(base_url, key)
    return StoreDestination(root)


def _import(
    runs: list[Any], origin: str, directory: str | None, base_url: str | None,
    dry_run: bool,
) -> None:  # fmt: skip
    from rich.progress import Progress

    from .importers.importer import import_runs

    root = store_dir(directory)
    destination = _destination(root, base_url, dry_run)
    where = base_url or str(root)
    try:
        with Progress() as progress:
            overall = progress.add_task(
                f"Importing {len(runs)} {_LABELS[origin]} runs", total=len(runs)
            )
            current: list[Any] = []

            def start(run: Any) -> None:
                current[:] = [progress.add_task(f"  {run.name}", total=None), run]

            def rows(count: int) -> None:
                progress.update(
                    current[0], description=f"  {current[1].name}: {count:,} rows"
                )

            def done(run: Any) -> None:
                progress.remove_task(current[0])
                progress.advance(overall)

            summary = import_runs(
                runs, root, destination, origin=origin, on_start=start,
                on_rows=rows, on_done=done,
            )  # fmt: skip
    finally:
        if destination is not None:
            destination.close()
    _print_summary(summary, where)


def _print_summary(summary: Any, where: str) -> None:
    from .model import RecordKind

    label = _LABELS[summary.origin]
    verb = "Would import" if summary.dry_run else "Imported"
    projects = ", ".join(repr(p) for p in summary.projects) or "none"
    runs = "run" if len(summary.outcomes) == 1 else "runs"
    click.echo(
        f"{verb} {len(summary.outcomes)} {label} {runs} into {where} (project "
        f"{projects}): {summary.count('new')} new, {summary.count('updated')} "
        f"updated, {summary.count('unchanged')} unchanged; {summary.points:,} "
        f"points, {summary.rows(RecordKind.HISTOGRAM):,} histograms, "
        f"{summary.rows(RecordKind.MEDIA):,} media rows, {summary.files:,} files."
    )
    if summary.dry_run:
        click.echo("Dry run: nothing was written.")
    not_carried = summary.not_carried()
    if not_carried:
        click.echo("Not carried: " + "; ".join(
            f"{n:,} {why}" for why, n in sorted(not_carried.items())) + ".")  # fmt: skip
    for note in summary.notes():
        click.echo(f"Note: {note}.", err=True)
    for run, why in summary.skipped.items():
        click.echo(f"Skipped {run}: {why}.", err=True)
    if summary.skipped:
        total = len(summary.skipped) + len(summary.outcomes)
        raise click.ClickException(
            f"{len(summary.skipped)} of {total} runs could not be imported (see "
            f"above); the other {len(summary.outcomes)} were."
        )
