"""The ``runfold`` command: parse, call the library, print (click + rich)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import click

from . import cli_artifacts, cli_import, cli_serve, cli_sweeps, cli_sync
from .admin import admin
from .clitools import (
    DIR_HELP,
    format_cell,
    format_time,
    print_json,
    print_table,
    store_dir,
    user_errors,
)


def _api(directory: str | None) -> Any:
    from .api import Api

    path = store_dir(directory)
    if not (path / "runfold.db").exists():
        raise click.ClickException(
            f"No Runfold store at {str(path)!r}. Create runs with runfold.init(), or "
            "try: runfold demo"
        )
    return Api(path)


def _run_count(path: Path, project: str) -> int:
    """How many runs ``project`` has in the store at ``path`` (0: none, or no store)."""
    if not (path / "runfold.db").exists():
        return 0
    from .errors import ProjectNotFound
    from .store import open_store

    store = open_store(path / "runfold.db")
    try:
        return len(store.list_runs(project))
    except ProjectNotFound:
        return 0
    finally:
        store.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="runfold")
def cli() -> None:
    """Runfold: record ML runs and fold them into experiments.

    Start with `runfold demo`, then `runfold groups demo`.
    """


@cli.command()
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--project", default="demo", show_default=True, help="Project to fill.")
@click.option("--steps", default=2000, show_default=True, type=click.IntRange(min=10),
              help="Steps per run (at least 10).")  # fmt: skip
@click.option(
    "--force", is_flag=True, help="Write the demo again into a project that has it."
)
def demo(directory: str | None, project: str, steps: int, force: bool) -> None:
    """Fill the store with a demo project: distributed-training groups, a 5-fold
    cross-validation, train and eval jobs, a failed and a crashed run. Run again,
    it leaves a project that already has runs as it is (--force writes a copy)."""
    from rich.progress import Progress

    from .demo import build_demo, planned_runs

    path = store_dir(directory)
    existing = _run_count(path, project)
    if existing and not force:
        click.echo(
            f"Project {project!r} in {path} already has {existing} runs: nothing "
            f"written (--force writes the demo again, doubling its groups).\n"
            f"See them with: runfold groups {project} --dir {path}"
        )
        return
    os.environ["RUNFOLD_SILENT"] = "1"
    # The demo's runs are synthetic: there is no training script, repository or
    # console of theirs to record (this process's would be the CLI's own).
    for name, value in (("CONSOLE", "off"), ("DISABLE_CODE", "1"),
                        ("DISABLE_GIT", "1"), ("SYSTEM_SECONDS", "0")):  # fmt: skip
        os.environ.setdefault("RUNFOLD_" + name, value)
    started = time.perf_counter()
    with user_errors(), Progress() as progress:
        task = progress.add_task(
            f"Writing project {project!r}", total=planned_runs(steps)
        )
        count = build_demo(
            path, project, steps, on_run=lambda _: progress.advance(task)
        )
    click.echo(
        f"Wrote {count} runs to project {project!r} in {path} "
        f"({time.perf_counter() - started:.1f} s).\n"
        f"See them with: runfold groups {project} --dir {path}"
    )


@cli.command()
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def projects(directory: str | None, as_json: bool) -> None:
    """List projects with their run and group counts."""
    with user_errors():
        rows = _api(directory).projects()
    if as_json:
        print_json([r.__dict__ for r in rows])
        return
    cells = [[r.name, r.run_count, r.group_count, format_time(r.last_activity)]
             for r in rows]  # fmt: skip
    print_table("Projects", ["project", "runs", "groups", "last activity"], cells)


def _filters(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(
            f'not JSON ({exc}); e.g. \'{{"config.lr": {{"$gt": 0.01}}}}\'',
            param_hint="--filter",
        ) from None
    return value


@cli.command()
@click.argument("project")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option(
    "--filter", "filter_text", help='JSON filter, e.g. \'{"group": "exp-1"}\'.'
)
@click.option(
    "--columns", "columns_text", metavar="A,B,...",
    help="Columns to show, in order: run fields (id, name, group, job_type, state, "
    "runtime, tags, notes, host, created, exit_code), config.<path>, summary keys. "
    "Default: the fields and the four most useful summary keys.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def runs(
    project: str, directory: str | None, filter_text: str | None,
    columns_text: str | None, as_json: bool,
) -> None:  # fmt: skip
    """List the runs of PROJECT (piped: plain text, one run a line)."""
    from .cli_columns import choose_columns, column_values, priority

    with user_errors():
        found = _api(directory).runs(project, filters=_filters(filter_text))
    if as_json:
        print_json([_run_dict(r) for r in found])
        return
    requested = [c.strip() for c in (columns_text or "").split(",") if c.strip()]
    with user_errors():
        columns = choose_columns(found, requested)
        rows = [column_values(r, columns) for r in found]
    print_table(
        f"Runs of {project} ({len(found)})", columns, rows,
        priority=priority(columns, bool(requested)),
        hint="--columns picks them, --json prints everything",
    )  # fmt: skip


def _run_dict(run: Any) -> dict[str, Any]:
    fields = ("id", "name", "project", "group", "job_type", "state", "tags", "notes",
              "config", "summary", "created_at", "finished_at", "exit_code")  # fmt: skip
    return {f: getattr(run, f) for f in fields}


@cli.command()
@click.argument("project")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option(
    "--by",
    "by",
    multiple=True,
    help="Group key, repeatable (default: group, job_type).",
)
@click.option("--metric", help="Summary key to aggregate (default: the first one).")
@click.option("--filter", "filter_text", help="JSON filter on runs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def groups(
    project: str, directory: str | None, by: tuple[str, ...], metric: str | None,
    filter_text: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Fold the runs of PROJECT into groups and aggregate their summaries."""
    keys = list(by) or ["group", "job_type"]
    with user_errors():
        found = _api(directory).groups(project, by=keys, filters=_filters(filter_text))
    if as_json:
        print_json([{"key": list(g.key), "name": g.name, "count": g.count,
                      "states": g.states, "state": g.state, "config": g.config,
                      "summary": g.summary, "runs": [r.id for r in g.runs]}
                     for g in found])  # fmt: skip
        return
    metrics = sorted({k for g in found for k in g.summary})
    if metric is not None and metric not in metrics:
        raise click.ClickException(
            f"No run of {project!r} has the summary key {metric!r}; its keys are: "
            f"{', '.join(metrics) or '(none)'}."
        )
    shown = [metric] if metric else [m for m in metrics if "/" in m][:2] or metrics[:2]
    rows = []
    for g in found:
        states = ", ".join(f"{n} {s}" for s, n in sorted(g.states.items()))
        cells = [_mean_std(g.summary.get(m)) for m in shown]
        rows.append([g.name, g.count, f"{g.state} ({states})", *cells])
    columns = [" / ".join(keys), "runs", "state", *(f"{m} mean ± std" for m in shown)]
    print_table(f"Groups of {project} by {', '.join(keys)}", columns, rows)


def _mean_std(stats: dict[str, Any] | None) -> str:
    if not stats:
        return ""
    if stats.get("std") is None:
        return format_cell(stats["mean"])
    return f"{format_cell(stats['mean'])} ± {format_cell(stats['std'])}"


@cli.command()
@click.option(
    "--base-url",
    envvar="RUNFOLD_BASE_URL",
    help="The server the key is for (default: $RUNFOLD_BASE_URL).",
)
@click.option("--key", help="The API key (asked for when not given).")
@click.option("--no-check", is_flag=True,
              help="Save the key without asking the server (e.g. while it is down).")  # fmt: skip
def login(base_url: str | None, key: str | None, no_check: bool) -> None:
    """Check an API key with a Runfold server and save it in your config file
    (mode 0600); runs and `runfold sync` to that server then send it."""
    from .credentials import save_api_key

    if not base_url:
        raise click.UsageError(
            "No server given: pass --base-url URL or set RUNFOLD_BASE_URL."
        )
    if not base_url.startswith(("http://", "https://")):
        raise click.BadParameter(
            f"{base_url!r} is not an http(s) URL; e.g. http://127.0.0.1:8765",
            param_hint="--base-url",
        )
    if key is None:
        key = click.prompt("API key", hide_input=True)
    if not key or not key.strip():
        raise click.BadParameter("the key is empty.", param_hint="--key")
    checked = "" if no_check else _check_key(base_url.rstrip("/"), key.strip())
    path = save_api_key(base_url, key.strip())
    click.echo(f"Saved the API key for {base_url} in {path}{checked}.")


def _check_key(base_url: str, key: str) -> str:
    """What the server says of ``key`` (GET /api/v1/auth/session), for the saved
    line; a ClickException, and nothing saved, when it refuses the key or cannot
    be asked."""
    from .errors import AuthError, RunfoldError, ServerUnavailable
    from .httpclient import Http

    http = Http(base_url, key)
    try:
        answer = http.get("/auth/session")
    except AuthError as exc:
        raise click.ClickException(
            f"The server at {base_url} refused this key: {exc} Nothing was saved."
        ) from None
    except ServerUnavailable as exc:
        raise click.ClickException(
            f"{exc} Nothing was saved (--no-check saves the key without asking)."
        ) from None
    except RunfoldError as exc:
        raise click.ClickException(
            f"The server at {base_url} could not check the key: {exc} Nothing was "
            "saved."
        ) from None
    finally:
        http.close()
    if not answer.get("team_mode"):
        return " (that server is not in team mode: it takes any key, or none)"
    return f"; the server knows it as user {answer.get('user')!r}"


NO_REPORTS = (
    "No reports in project {project!r}{about} yet. Write one in the web UI: run "
    "`runfold ui`, open the project and press Reports, then New report (or, in the "
    "workspace, New report from this view); from Python, runfold.Api()."
    "create_report({project!r}, title, blocks). See docs/reports.md."
)


@cli.group()
def report() -> None:
    """List a project's reports and export them (HTML or Markdown). Reports are
    written in the web UI or with runfold.Api().create_report (docs/reports.md)."""


@report.command("list")
@click.argument("project")
@click.option("--group", help="Only the reports about this group.")
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def report_list(
    project: str, group: str | None, directory: str | None, as_json: bool
) -> None:
    """List the reports of PROJECT, the latest updated first."""
    with user_errors():
        found = _api(directory).reports(project, group=group)
    if as_json:
        print_json(found)
        return
    if not found:
        about = f" about group {group!r}" if group else ""
        click.echo(NO_REPORTS.format(project=project, about=about))
        return
    rows = [[r["id"], r["title"], r["group"], r["version"],
             format_time(r["updated_at"]), r["author"]] for r in found]  # fmt: skip
    columns = ["id", "title", "group", "version", "updated", "author"]
    print_table(f"Reports of {project} ({len(found)})", columns, rows)


@report.command("export")
@click.argument("report_id")
@click.option("--project", required=True, help="The report's project.")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md"]), default="html",
    show_default=True,
    help="html: one self-contained file; md: Markdown with charts as PNG files.",
)  # fmt: skip
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="The file to write (Markdown: its PNGs go in a folder beside it).",
)  # fmt: skip
@click.option("--version", "version", type=click.IntRange(min=1),
              help="An older version (default: the latest).")  # fmt: skip
@click.option("--dir", "directory", help=DIR_HELP)
def report_export(
    report_id: str, project: str, fmt: str, out: Path, version: int | None,
    directory: str | None,
) -> None:  # fmt: skip
    """Export report REPORT_ID: charts carry their plotted numbers, drawn offline."""
    api = _api(directory)
    files_dir = store_dir(directory)
    with user_errors():
        found = api.report(project, report_id, version)
        if fmt == "html":
            from .reports.html_export import export_html

            page = export_html(api, found, files_dir)
            written = [_write_text(out, page)]
        else:
            from .reports.md_export import export_markdown

            try:
                written = export_markdown(api, found, out, files_dir)
            except OSError as exc:
                raise click.ClickException(
                    f"Cannot write {str(out)!r}: {exc}."
                ) from None
    click.echo(f"Wrote {written[0]}" + (
        f" and {len(written) - 1} file(s) in {written[1].parent}" if len(written) > 1 else ""
    ))  # fmt: skip


def _write_text(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {str(path)!r}: {exc}.") from None
    return path


cli.add_command(admin)
for _command in (
    cli_serve.ui, cli_serve.server, cli_sync.sync, cli_sweeps.sweep, cli_sweeps.agent,
    cli_sweeps.sweeps, cli_import.import_group,
):  # fmt: skip
    cli.add_command(_command)
cli_artifacts.register(cli)  # runfold artifact ..., runfold restore (issue 17)


def main() -> None:  # pragma: no cover - console entry point
    cli()


if __name__ == "__main__":  # pragma: no cover - python -m runfold.cli
    cli()
