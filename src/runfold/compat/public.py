"""``wandb.Api`` in zero-change mode (``wandb.apis.public``): Runfold's runs read
back with W&B's names and defaults, so analysis scripts run unchanged.

What differs from ``runfold.Api`` (which keeps Runfold's own names):

- filters and ``order`` take W&B's field names: ``name`` is the run's id,
  ``displayName`` its name, ``jobType``, ``createdAt`` (ISO 8601 text),
  ``config.<key>.value``, ``summary_metrics.<key>``;
- ``run.history()`` returns a pandas DataFrame of at most 500 rows by default
  (``pandas=False``: a list of dicts), as W&B's does;
- ``Api(overrides={"base_url": ..., "entity": ..., "project": ...})`` and
  ``api.projects()`` giving ``Project`` objects.

Everything else (``groups``, ``group_series`` ...) is ``runfold.Api``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..api import Api as RunfoldApi
from ..api import Run as RunfoldRun
from ..errors import MissingAttribute, NotSupported, UsageError
from ..publicapi import Project

__all__ = ["Api", "Run", "Project", "wandb_filters", "wandb_order"]

# W&B's run fields in filters and order -> Runfold's.
FIELDS = {
    "name": "id",
    "displayName": "name",
    "display_name": "name",
    "jobType": "job_type",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "heartbeatAt": "updated_at",
    "heartbeat_at": "updated_at",
}
LOGICAL = ("$and", "$or", "$nor")


def _field(key: str) -> str:
    key = FIELDS.get(key, key)
    head, _, rest = key.partition(".")
    if head == "config" and rest.endswith(".value"):
        return "config." + rest[: -len(".value")]  # W&B stores {key: {"value": v}}
    return key


def _time(value: Any) -> Any:
    """W&B's ISO 8601 times ("2024-01-01T12:00:00Z") as Runfold's seconds."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    if isinstance(value, Mapping):
        return {op: _time(arg) for op, arg in value.items()}
    if isinstance(value, list):
        return [_time(v) for v in value]
    return value


def wandb_filters(filters: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """W&B's MongoDB-style filters with Runfold's field names."""
    if not filters:
        return None
    out: dict[str, Any] = {}
    for key, condition in filters.items():
        if key in LOGICAL and isinstance(condition, (list, tuple)):
            out[key] = [wandb_filters(f) or {} for f in condition]
            continue
        field = _field(key)
        out[field] = _time(condition) if field.endswith("_at") else condition
    return out


def wandb_order(order: str | None) -> str | None:
    if not order:
        return None
    sign = order[0] if order[0] in "+-" else ""
    return sign + _field(order.lstrip("+-"))


class Run:
    """A run read back, as W&B's public ``Run``: every attribute of
    ``runfold.Api``'s run, with W&B's ``history`` defaults."""

    def __init__(self, run: RunfoldRun, entity: str | None = None) -> None:
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_entity", entity)

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(self._run, name)
        except AttributeError:
            if name.startswith("__"):
                raise
            raise MissingAttribute(
                f"run.{name}: W&B's public Run has this, Runfold's does not; see "
                "docs/migrating-from-wandb.md."
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._run, _field(name) if name == "display_name" else name, value)

    def __repr__(self) -> str:
        return repr(self._run)

    @property
    def entity(self) -> str | None:
        return self._entity  # type: ignore[no-any-return]

    @property
    def display_name(self) -> str:
        return self._run.name  # type: ignore[no-any-return]

    @property
    def sweep(self) -> Any:
        return None

    def history(
        self,
        samples: int = 500,
        keys: Sequence[str] | None = None,
        x_axis: str = "_step",
        pandas: bool = True,
        stream: str = "default",
    ) -> Any:
        """W&B's: at most ``samples`` rows (every key in ``keys`` logged),
        a DataFrame unless ``pandas=False``."""
        if stream != "default":
            raise NotSupported(
                f"run.history(stream={stream!r}): Runfold keeps system metrics "
                "with the run's page, not in its history; read the history only."
            )
        wanted = list(keys) if keys else None
        if wanted is not None and x_axis not in wanted and x_axis != "_step":
            wanted.append(x_axis)
        return self._run.history(keys=wanted, pandas=pandas, samples=samples)

    def scan_history(
        self,
        keys: Sequence[str] | None = None,
        page_size: int = 1000,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> Any:
        return self._run.scan_history(keys, page_size, min_step, max_step)

    def delete(self, delete_artifacts: bool = False) -> None:
        raise NotSupported(
            "run.delete(): delete runs with the web UI's selection or the store; "
            "Runfold's Api only reads and edits runs."
        )


class Api:
    """W&B's ``wandb.Api(overrides=None, timeout=None, api_key=None)``."""

    def __init__(
        self,
        overrides: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        api_key: str | None = None,
        **_: Any,
    ) -> None:
        overrides = dict(overrides or {})
        base_url = overrides.get("base_url")
        self._api = (
            RunfoldApi(base_url=base_url, api_key=api_key) if base_url else RunfoldApi()
        )
        self.default_entity: str | None = overrides.get("entity")
        self._project: str | None = overrides.get("project")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(self._api, name)
        except AttributeError:
            raise MissingAttribute(
                f"api.{name}: W&B's Api has this, Runfold's does not; see "
                "docs/migrating-from-wandb.md."
            ) from None

    def _path(self, path: str | None) -> str:
        found = path or self._project
        if not found:
            raise UsageError(
                "api.runs() needs a project: api.runs('project') or "
                "Api(overrides={'project': 'name'})."
            )
        return found

    def _entity(self, path: str) -> str | None:
        parts = path.strip("/").split("/")
        return parts[-3] if len(parts) >= 3 else self.default_entity

    def runs(
        self,
        path: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str = "+created_at",
        per_page: int = 50,
        include_sweeps: bool = True,
        lazy: bool = True,
    ) -> list[Run]:
        where = self._path(path)
        entity = where.split("/")[0] if where.count("/") else self.default_entity
        found = self._api.runs(where, wandb_filters(filters), wandb_order(order))
        return [Run(r, entity) for r in found]

    def run(self, path: str) -> Run:
        return Run(self._api.run(path), self._entity(path))

    def project(self, name: str, entity: str | None = None) -> Project:
        return self._api.project(name, entity or self.default_entity)

    def projects(self, entity: str | None = None, per_page: int = 200) -> list[Project]:
        who = entity or self.default_entity
        return [Project(self._api, row, who) for row in self._api.projects()]

    def flush(self) -> None:
        """W&B's: forget cached answers. Runfold's reads are always current."""
        return None
