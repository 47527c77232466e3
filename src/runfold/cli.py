"""The ``runfold`` command: parse, call the library, print (click + rich)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import click

from . import cli_sweeps, cli_sync
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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def runs(
    project: str, directory: str | None, filter_text: str | None, as_json: bool
) -> None:
    """List the runs of PROJECT."""
    with user_errors():
        found = _api(directory).runs(project, filters=_filters(filter_text))
    if as_json:
        print_json([_run_dict(r) for r in found])
        return
    keys = sorted({k for r in found for k in r.summary if not k.startswith("_")})[:4]
    rows = [[r.id, r.name, r.group, r.job_type, r.state, f"{r.runtime:.0f}s",
             *(r.summary.get(k) for k in keys)] for r in found]  # fmt: skip
    columns = ["id", "name", "group", "job_type", "state", "runtime", *keys]
    print_table(f"Runs of {project} ({len(found)})", columns, rows)


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
def login(base_url: str | None, key: str | None) -> None:
    """Save an API key for a Runfold server in your config file (mode 0600); runs
    and `runfold sync` to that server then send it."""
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
    path = save_api_key(base_url, key.strip())
    click.echo(f"Saved the API key for {base_url} in {path}.")


def _check_port_free(host: str, port: int) -> None:
    import socket

    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise click.ClickException(
                f"Port {port} on {host} is in use (another runfold ui?). Stop it, or "
                f"pass another port: runfold ui --port {port + 1}"
            ) from None


def _has_display() -> bool:
    import sys

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@cli.command()
@click.option("--dir", "directory", help=DIR_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, help="Port (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def ui(directory: str | None, host: str, port: int, no_browser: bool) -> None:
    """Serve the store's API (and the web UI) on http://HOST:PORT."""
    import uvicorn

    from .server import create_app
    from .store import open_store

    path = store_dir(directory)
    _check_port_free(host, port)
    with user_errors():
        store = open_store(path / "runfold.db")
    app = create_app(store)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    url = f"http://{host}:{port}/"
    click.echo(f"Runfold is serving {path} at {url} (Ctrl-C stops it).")
    if not no_browser and _has_display():
        import threading
        import webbrowser

        # Open once the server listens; never a console browser in this terminal.
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    server.run()
    store.close()


@cli.command()
@click.option("--database", help="postgresql://user@host/db, or a SQLite file "
              "(default: the local store).")  # fmt: skip
@click.option("--files", "files_dir", help="Directory for run files (needed with "
              "PostgreSQL; default: beside the SQLite file).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, help="Port.")
@click.option("--workers", default=1, show_default=True, help="Server processes.")
@click.option("--team", "team_mode", is_flag=True, help="Team mode: every API call "
              "needs a key (runfold admin), projects are private to their team.")  # fmt: skip
@click.option("--dir", "directory", help=DIR_HELP)
def server(
    database: str | None, files_dir: str | None, host: str, port: int, workers: int,
    team_mode: bool, directory: str | None,
) -> None:  # fmt: skip
    """Run the server: the JSON API over SQLite or PostgreSQL, in one or more
    processes that share the database."""
    import uvicorn

    from .store import open_store

    database = database or str(store_dir(directory) / "runfold.db")
    os.environ["RUNFOLD_DATABASE"] = database
    if files_dir:
        os.environ["RUNFOLD_FILES"] = str(Path(files_dir).resolve())
    if team_mode:
        os.environ["RUNFOLD_TEAM_MODE"] = "1"
    with user_errors():
        open_store(database).close()  # fail here, with the message, not in a worker
        from .server.app import app_from_env

        app = app_from_env()
        team_mode = app.state.team_mode
        app.state.store.close()
    if host not in ("127.0.0.1", "localhost", "::1") and not team_mode:
        click.echo(
            f"Warning: serving on {host} with no API keys; anyone who can reach this "
            "port can read and write runs. Use --team for keys.",
            err=True,
        )
    mode = "team mode, API keys required" if team_mode else "no API keys"
    click.echo(
        f"Runfold server on http://{host}:{port}/ ({workers} process(es), {mode})."
    )
    uvicorn.run(
        "runfold.server.app:app_from_env", factory=True, host=host, port=port,
        workers=workers, log_level="warning",
    )  # fmt: skip


@cli.group()
def report() -> None:
    """List a project's reports and export them (HTML or Markdown)."""


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
for _command in (cli_sync.sync, cli_sweeps.sweep, cli_sweeps.agent, cli_sweeps.sweeps):
    cli.add_command(_command)


def main() -> None:  # pragma: no cover - console entry point
    cli()


if __name__ == "__main__":  # pragma: no cover - python -m runfold.cli
    cli()
