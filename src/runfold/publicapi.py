"""W&B's public-API calls that ``runfold.Api`` and its runs add to their own:
``api.project(name)`` (a ``Project``) and ``run.scan_history(keys, page_size,
min_step, max_step)``. Mixins, so that ``api.py`` stays one screenful per idea;
they use only what ``Api`` and ``Run`` (and their HTTP twins in ``remote``) have.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .errors import ProjectNotFound

__all__ = ["Project", "ProjectLookup", "HistoryScan"]


class Project:
    """A project read back (W&B's ``Project``): ``name``, ``entity``, ``path``,
    ``run_count``, ``group_count``, ``last_activity``; ``runs()`` and
    ``sweeps()`` list its runs and sweeps."""

    def __init__(self, api: Any, row: Any, entity: str | None = None) -> None:
        self._api = api
        self.name: str = row.name
        self.entity = entity
        self.run_count: int = row.run_count
        self.group_count: int = row.group_count
        self.last_activity: float | None = row.last_activity

    @property
    def path(self) -> list[str]:
        return [self.entity, self.name] if self.entity else [self.name]

    def runs(self, filters: Any = None, order: str | None = None) -> list[Any]:
        return self._api.runs(self.name, filters, order)  # type: ignore[no-any-return]

    def sweeps(self) -> list[Any]:
        return self._api.sweeps(self.name)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<Project {self.name} ({self.run_count} runs)>"


class ProjectLookup:
    """``api.project(name)`` (a mixin of ``Api``)."""

    def projects(self) -> list[Any]:  # Api's own
        raise NotImplementedError

    def project(self, name: str, entity: str | None = None) -> Project:
        """The project ``name`` (W&B's "entity/project" is taken too);
        ProjectNotFound when it has no runs."""
        wanted = name.rsplit("/", 1)[-1]
        if entity is None and "/" in name:
            entity = name.rsplit("/", 1)[0]
        for row in self.projects():
            if row.name == wanted:
                return Project(self, row, entity)
        raise ProjectNotFound(wanted)


class HistoryScan:
    """``run.scan_history`` (a mixin of the Api's ``Run``)."""

    def history(self, keys: Sequence[str] | None = None) -> Any:  # Run's own
        raise NotImplementedError

    def scan_history(
        self,
        keys: Sequence[str] | None = None,
        page_size: int = 1000,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every history row in step order, with ``min_step <= _step < max_step``
        (W&B's bounds); with ``keys``, only the rows where all of them were
        logged. ``page_size`` is accepted: Runfold reads the rows at once."""
        low = min_step if min_step is not None else -float("inf")
        high = max_step if max_step is not None else float("inf")
        return (row for row in self.history(keys) if low <= row["_step"] < high)
