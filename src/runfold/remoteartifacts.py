"""Artifacts read from a server (issue 17): the hooks of ``apiartifacts``
answered by the server's routes, so ``Api(base_url=...).artifact(...)``,
``.artifacts(...)``, ``.artifact_lineage(...)`` and a run's
``logged_artifacts()`` / ``used_artifacts()`` give what the local Api gives.
Files are fetched once into the download cache (``artifacts.cache``).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any
from urllib.parse import quote

from .artifacts.sources import HttpSource, Source

__all__ = ["RemoteArtifactReading"]


def _url(*parts: str) -> str:
    return "/" + "/".join(quote(p, safe="") for p in parts)


class RemoteArtifactReading:
    """The hooks of ``apiartifacts.ArtifactReading`` over HTTP (a mixin of
    ``RemoteApi``, before ``Api`` in its bases)."""

    _http: Any
    _run_in: Any  # ArtifactReading's: (project, run id) -> the run

    def _artifact_source(self, project: str) -> Source:
        return HttpSource(self._http, project, partial(self._run_in, project))

    def _collections(self, project: str, type_name: str | None) -> list[dict[str, Any]]:
        params = {"type": type_name} if type_name else None
        found = self._http.get(_url("projects", project, "artifacts"), params)
        return list(found["artifacts"])

    def _version_list(self, project: str, name: str) -> list[dict[str, Any]]:
        return list(
            self._http.get(_url("projects", project, "artifacts", name))["versions"]
        )

    def _links(
        self, project: str, name: str | None = None, run_ids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        if name is not None:
            found = self._http.get(
                _url("projects", project, "artifacts", name, "lineage")
            )
            links = list(found["links"])
            if run_ids is not None:
                links = [link for link in links if link["run_id"] in run_ids]
            return links
        if run_ids is not None and len(run_ids) == 1:
            return list(self._http.get(
                _url("projects", project, "runs", run_ids[0], "artifacts")
            )["links"])  # fmt: skip
        params = (
            {"filters": json.dumps({"id": {"$in": list(run_ids)}})}
            if run_ids is not None else None
        )  # fmt: skip
        return list(
            self._http.get(_url("projects", project, "lineage"), params)["links"]
        )
