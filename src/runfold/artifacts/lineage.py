"""The lineage graph around an artifact: runs and versions, and who made and used
what (dataset → training runs → model → evaluation runs).

Built from lineage links (``{"role", "run_id", "run_name", "run_group",
"run_state", "at", "version": {...}}``, as the store and the HTTP API give
them): the artifact's versions, the runs that logged or used them, what those
producing runs used (one step upstream) and what the using runs logged (one
step downstream). Pure: the caller reads the links.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["graph", "MAX_NODES"]

MAX_NODES = 400  # a graph drawn in the UI; ``truncated`` says when more exist


def _version_id(version: dict[str, Any]) -> str:
    return f"artifact:{version['name']}:v{version['version']}"


def graph(
    name: str,
    links_of_artifact: Callable[[str], list[dict[str, Any]]],
    links_of_runs: Callable[[list[str]], list[dict[str, Any]]],
    hops: int = 6,
) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...], "truncated": bool}`` around the
    artifact ``name``: upstream (who made its versions, what they used, who
    made that ...) and downstream (who used them, what they made, who used
    that ...), ``hops`` steps each way. A node is a run (``{"id": "run:<id>",
    "kind": "run", "run_id", "name", "group", "state"}``) or a version (``{"id":
    "artifact:<name>:v<n>", "kind": "artifact", "name", "type", "version",
    "aliases", "focus"}``); an edge goes from a version to a run that used it,
    or from a run to a version it logged or linked."""
    cache: dict[str, list[dict[str, Any]]] = {}

    def of_artifact(artifact: str) -> list[dict[str, Any]]:
        if artifact not in cache:
            cache[artifact] = links_of_artifact(artifact)
        return cache[artifact]

    kept: dict[tuple[str, str, str, int], dict[str, Any]] = {}

    def keep(link: dict[str, Any]) -> None:
        version = link["version"]
        kept.setdefault(
            (link["role"], link["run_id"], version["name"], version["version"]), link
        )

    focus = of_artifact(name)
    for link in focus:
        keep(link)
    for upstream in (True, False):
        versions = {(name, link["version"]["version"]) for link in focus}
        seen_versions, seen_runs = set(versions), set[str]()
        for hop in range(hops):
            if hop % 2 == 0:  # versions -> the runs that made (or used) them
                runs = set()
                for artifact, number in sorted(versions):
                    for link in of_artifact(artifact):
                        made = link["role"] != "used"
                        if link["version"]["version"] == number and made == upstream:
                            keep(link)
                            runs.add(link["run_id"])
                runs -= seen_runs
                seen_runs |= runs
                if not runs:
                    break
            else:  # runs -> the versions they used (or made)
                versions = set()
                for link in links_of_runs(sorted(runs)):
                    if (link["role"] == "used") == upstream:
                        keep(link)
                        versions.add(
                            (link["version"]["name"], link["version"]["version"])
                        )
                versions -= seen_versions
                seen_versions |= versions
                if not versions:
                    break
    return _drawn(name, list(kept.values()))


def _drawn(name: str, links: list[dict[str, Any]]) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = {}
    edges: set[tuple[str, str, str]] = set()
    truncated = False
    for link in sorted(links, key=lambda link: link["at"]):
        version = link["version"]
        vid, rid = _version_id(version), f"run:{link['run_id']}"
        if len(nodes) >= MAX_NODES and (vid not in nodes or rid not in nodes):
            truncated = True
            continue
        nodes.setdefault(vid, {
            "id": vid, "kind": "artifact", "name": version["name"],
            "type": version["type"], "version": version["version"],
            "aliases": version.get("aliases", []), "focus": version["name"] == name,
        })  # fmt: skip
        nodes.setdefault(rid, {
            "id": rid, "kind": "run", "run_id": link["run_id"],
            "name": link.get("run_name"), "group": link.get("run_group"),
            "state": link.get("run_state"),
        })  # fmt: skip
        if link["role"] == "used":
            edges.add((vid, rid, "used"))
        else:
            edges.add((rid, vid, link["role"]))
    return {
        "nodes": list(nodes.values()),
        "edges": [{"source": s, "target": t, "role": r} for s, t, r in sorted(edges)],
        "truncated": truncated,
    }
