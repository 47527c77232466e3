"""Artifacts read back with W&B's public-API names (issue 17): mixins of
``runfold.Api`` and its ``Run``.

    api.artifact("project/name:alias")          # an Artifact: download, verify ...
    api.artifacts("dataset", "project/name")    # every version of a name
    api.artifact_collections("project")         # the project's names, by type
    api.artifact_lineage("project/name")        # runs and versions, as a graph
    run.logged_artifacts(), run.used_artifacts()

The local ``Api`` reads the store and the files beside it; ``remote``'s twin
overrides the four hooks at the top (``_artifact_source``, ``_collections``,
``_version_list``, ``_links``) with the server's routes, and everything else is
shared.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .artifacts.artifact import Artifact
from .artifacts.lineage import graph
from .artifacts.manifest import check_name, parse_ref
from .artifacts.sources import LocalSource, Source, as_fields
from .errors import NotFound, UsageError

__all__ = ["ArtifactReading", "RunArtifacts", "link_fields"]

NEEDS_PROJECT = (
    "{what} {text!r} needs its project: 'project/name:alias' (or W&B's "
    "'entity/project/name:alias')."
)


def link_fields(link: Any) -> dict[str, Any]:
    """A store's ``ArtifactLink`` as the HTTP API's JSON."""
    return {
        "role": link.role, "at": link.at, "run_id": link.run_id,
        "run_name": link.run_name, "run_group": link.run_group,
        "run_state": link.run_state, "version": as_fields(link.version),
    }  # fmt: skip


def _project_and_name(text: str, what: str) -> tuple[str, str, str]:
    project, name, alias = parse_ref(text)
    if project is None:
        raise UsageError(NEEDS_PROJECT.format(what=what, text=text))
    return project, name, alias


class ArtifactReading:
    """``api.artifact``, ``artifacts``, ``artifact_collections`` ... (a mixin
    of ``Api``; ``_store``, ``files_dir`` and ``run`` are Api's)."""

    _store: Any
    files_dir: Any

    def run(self, path: str) -> Any:  # Api's own
        raise NotImplementedError

    # ---- hooks (remote.py's twin answers them over HTTP) ------------------------

    def _artifact_source(self, project: str) -> Source:
        return LocalSource(
            self._store, self.files_dir, project, partial(self._run_in, project)
        )

    def _run_in(self, project: str, run_id: str) -> Any:
        return self.run(f"{project}/{run_id}")

    def _collections(self, project: str, type_name: str | None) -> list[dict[str, Any]]:
        return [
            dict(vars(row)) for row in self._store.list_artifacts(project, type_name)
        ]

    def _version_list(self, project: str, name: str) -> list[dict[str, Any]]:
        return [as_fields(row) for row in self._store.artifact_versions(project, name)]

    def _links(
        self, project: str, name: str | None = None, run_ids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        found = self._store.artifact_links(project, name=name, run_ids=run_ids)
        return [link_fields(link) for link in found]

    # ---- W&B's calls --------------------------------------------------------------

    def artifact(self, name: str, type: str | None = None) -> Artifact:  # noqa: A002
        """``api.artifact("project/name:alias")`` (``:v3``, ``:latest``, a
        user alias, or no alias for latest); NotFound, UsageError for another
        ``type``."""
        project, collection, alias = _project_and_name(name, "api.artifact")
        source = self._artifact_source(project)
        found = Artifact._read(source.version(collection, alias), source)
        if type is not None and found.type != type:
            raise UsageError(f"Artifact {name!r} is a {found.type!r}, not a {type!r}.")
        return found

    def artifact_exists(self, name: str, type: str | None = None) -> bool:  # noqa: A002
        try:
            self.artifact(name, type)
        except NotFound:
            return False
        return True

    def artifacts(
        self, type_name: str | None = None, name: str | None = None,
        per_page: int = 50, tags: Any = None,
    ) -> list[Artifact]:  # fmt: skip
        """Every version of ``name`` ("project/name"), v0 first (W&B's
        ``api.artifacts(type_name, name)``)."""
        if name is None:
            raise UsageError(
                "api.artifacts(type_name, 'project/name') lists one name's versions; "
                "api.artifact_collections('project') lists a project's names."
            )
        project, collection, _ = _project_and_name(name, "api.artifacts")
        source = self._artifact_source(project)
        versions = [
            Artifact._read(v, source) for v in self._version_list(project, collection)
        ]
        if type_name is not None and versions and versions[0].type != type_name:
            raise UsageError(
                f"Artifact {name!r} is a {versions[0].type!r}, not a {type_name!r}."
            )
        return versions

    def artifact_versions(
        self, type_name: str, name: str, per_page: int = 50
    ) -> list[Artifact]:
        return self.artifacts(type_name, name, per_page)

    def artifact_collections(
        self, project_name: str, type_name: str | None = None, per_page: int = 50
    ) -> list[dict[str, Any]]:
        """The project's artifact names (of ``type_name``): ``name``, ``type``,
        ``versions``, ``latest`` (its number), ``created_at``, ``updated_at``,
        ``size`` (the latest version's)."""
        return self._collections(project_name.rsplit("/", 1)[-1], type_name)

    def artifact_types(self, project: str) -> list[str]:
        return sorted({c["type"] for c in self.artifact_collections(project)})

    def artifact_lineage(self, name: str) -> dict[str, Any]:
        """The graph around "project/name": its versions, the runs that logged and
        used them, what those runs used and made (``artifacts.lineage.graph``)."""
        project, collection, _ = _project_and_name(name, "api.artifact_lineage")
        check_name(collection)
        links = self._links(project, name=collection)
        if not links:
            self._version_list(project, collection)  # NotFound for an unknown name
        return graph(
            collection, lambda other: links if other == collection
            else self._links(project, name=other),
            lambda ids: self._links(project, run_ids=ids),
        )  # fmt: skip

    def artifact_links(
        self, project: str, run_ids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Lineage edges of the project (of these runs): role, run, version."""
        return self._links(project.rsplit("/", 1)[-1], run_ids=run_ids)


class RunArtifacts:
    """``run.logged_artifacts()`` and ``run.used_artifacts()`` (a mixin of the
    Api's ``Run``)."""

    _api: Any
    project: str
    id: str

    def _artifacts(self, roles: tuple[str, ...]) -> list[Artifact]:
        source = self._api._artifact_source(self.project)
        seen: dict[str, Artifact] = {}
        for link in self._api._links(self.project, run_ids=[self.id]):
            version = link["version"]
            key = f"{version['name']}:{version['version']}"
            if link["role"] in roles and key not in seen:
                seen[key] = Artifact._read(version, source)
        return list(seen.values())

    def logged_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """The versions this run logged (or linked), in the order it did."""
        return self._artifacts(("logged", "linked"))

    def used_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """The versions this run used, in the order it did."""
        return self._artifacts(("used",))
