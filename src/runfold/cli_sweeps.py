"""``runfold sweep``, ``runfold agent`` and ``runfold sweeps``: W&B's sweep commands.

runfold sweep sweep.yaml --project mnist      # prints the id and the agent command
runfold agent --count 3 mnist/abc123          # runs 3 of its proposals
runfold sweep --pause mnist/abc123            # --resume, --stop, --cancel
runfold sweeps mnist                          # the project's sweeps
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .clitools import format_time, print_json, print_table, user_errors

__all__ = ["sweep", "agent", "sweeps"]

# --pause etc. -> the sweep state it sets
_CONTROLS = {"pause": "paused", "resume": "running", "stop": "finished",
             "cancel": "canceled"}  # fmt: skip


def _settings(project: str | None) -> Any:
    from .settings import resolve

    return resolve(project=project)


@click.command()
@click.argument("target")
@click.option(
    "--project", help="Project (default: the definition's, $RUNFOLD_PROJECT)."
)
@click.option("--entity", help="Accepted for W&B scripts; Runfold has no entities.")
@click.option("--name", help="The sweep's name (default: the definition's).")
@click.option("--pause", "control", flag_value="pause", help="Pause sweep TARGET.")
@click.option("--resume", "control", flag_value="resume", help="Resume sweep TARGET.")
@click.option("--stop", "control", flag_value="stop",
              help="Stop sweep TARGET: no new runs, running ones finish.")  # fmt: skip
@click.option("--cancel", "control", flag_value="cancel",
              help="Cancel sweep TARGET: no new runs, running ones are ended.")  # fmt: skip
def sweep(
    target: str, project: str | None, entity: str | None, name: str | None,
    control: str | None,
) -> None:  # fmt: skip
    """Create a sweep from the definition file TARGET (W&B's YAML), or with
    --pause/--resume/--stop/--cancel change the sweep TARGET (ID or PROJECT/ID)."""
    from .agents.api import sweep_url
    from .agents.runner import controller_for, sweep_path
    from .sweeps import load_definition

    with user_errors():
        if control is not None:
            where, sweep_id = sweep_path(target, project)
            settings = _settings(where)
            row = controller_for(settings).set_state(
                settings.project, sweep_id, _CONTROLS[control]
            )
            click.echo(f"Sweep {settings.project}/{row.id} is now {row.state}.")
            return
        defn = load_definition(Path(target))
        settings = _settings(project or defn.project)
        controller = controller_for(settings)
        row = controller.create(settings.project, defn, name=name)
    path = f"{settings.project}/{row.id}"
    click.echo(f"Created sweep {row.id} in project {settings.project}.")
    click.echo(f"View it at {sweep_url(settings, settings.project, row.id)}")
    click.echo(f"Run agents with: runfold agent {path}")


@click.command()
@click.argument("sweep_id")
@click.option("--count", type=click.IntRange(min=1), help="Run at most this many.")
@click.option("--project", help="The sweep's project, when SWEEP_ID has none.")
@click.option("--entity", help="Accepted for W&B scripts; Runfold has no entities.")
def agent(
    sweep_id: str, count: int | None, project: str | None, entity: str | None
) -> None:
    """Run proposals of SWEEP_ID (ID, PROJECT/ID or ENTITY/PROJECT/ID) with the
    definition's program until the sweep is done, or COUNT of them."""
    from .agents.runner import agent as run_agent

    with user_errors():
        run_agent(sweep_id, count=count, project=project)


@click.command()
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sweeps(project: str, as_json: bool) -> None:
    """List the sweeps of PROJECT: id, name, state, method, runs, created."""
    from .agents.runner import controller_for

    with user_errors():
        settings = _settings(project)
        rows = controller_for(settings).sweeps(project)
    if as_json:
        print_json([{"id": r.id, "name": r.name, "state": r.state,
                     "method": r.definition.get("method"), "runs": r.run_count,
                     "created_at": r.created_at} for r in rows])  # fmt: skip
        return
    print_table(f"Sweeps of {project}", ["id", "name", "state", "method", "runs", "created"], [
        [r.id, r.name or "", r.state, r.definition.get("method"), r.run_count,
         format_time(r.created_at)] for r in rows
    ])  # fmt: skip
