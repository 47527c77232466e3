"""``runfold.sweep(config, project=...)``: create a sweep (W&B's call), in the local
store or, in online mode, on the server; returns its id for ``runfold.agent``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..settings import resolve
from ..sweeps import parse_definition
from .runner import controller_for

__all__ = ["sweep", "sweep_url", "LOCAL_UI_URL"]

LOCAL_UI_URL = "http://127.0.0.1:8765"


def sweep_url(settings: Any, project: str, sweep_id: str) -> str:
    """Where the sweep's page is: the server's, or ``runfold ui``'s default."""
    base = (settings.base_url if settings.mode == "online" else None) or LOCAL_UI_URL
    return f"{base.rstrip('/')}/projects/{project}/sweeps/{sweep_id}"


def sweep(
    sweep: Mapping[str, Any] | str | Path, project: str | None = None,
    entity: str | None = None, prior_runs: list[str] | None = None,
) -> str:  # fmt: skip
    """Create a sweep from a W&B sweep definition (a dict, YAML text or a file)
    and return its id; the definition's ``project`` is used when none is given.
    A wrong definition is refused with a UsageError naming the field."""
    if prior_runs:
        raise UsageError(
            "runfold.sweep(prior_runs=...) is not supported: a sweep starts with its "
            "own runs. Leave prior_runs out."
        )
    defn = parse_definition(sweep)
    settings = resolve(project=project or defn.project, entity=entity or defn.entity)
    row = controller_for(settings).create(settings.project, defn)
    if not settings.silent:
        print(f"runfold: created sweep {row.id} in project {settings.project}: "
              f"{sweep_url(settings, settings.project, row.id)}", file=sys.stderr)  # fmt: skip
    return str(row.id)
