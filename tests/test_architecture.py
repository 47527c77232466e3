"""The import rules of docs/architecture.md, checked on the source: every import
(at module level or inside a function) between Runfold's parts must point down
the layers, and no module outgrows 500 lines. A forbidden import fails here with
the file, the line and the rule it breaks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import runfold

PACKAGE = Path(runfold.__file__).resolve().parent
MAX_LINES = 500

# part -> the parts it must never import (a part is a module or a package of
# runfold; "sdk" covers runfold.sdk and everything under it).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "errors": ("*",),
    "model": ("*",),
    "sweeps": ("*",),
    "media": ("*",),
    "httpclient": ("*",),
    "plot": ("*",),
    "sklearn": ("query", "api", "remote", "server", "cli", "admin", "reports", "store"),
    "readback": ("sdk", "server", "cli", "admin", "remote"),
    "store": ("query", "api", "remote", "sdk", "server", "cli", "admin", "reports"),
    "query": ("api", "remote", "sdk", "server", "cli", "admin", "reports", "settings"),
    "sdk": (
        "query",
        "api",
        "publicapi",
        "remote",
        "server",
        "cli",
        "admin",
        "reports",
        "compat",
    ),  # fmt: skip
    "reports": ("sdk", "server", "cli", "admin", "remote"),
    "api": ("sdk", "server", "cli", "admin"),
    "publicapi": ("sdk", "server", "cli", "admin", "query", "store", "compat"),
    "compat": ("query", "store", "remote", "server", "cli", "admin", "reports"),
    "remote": ("sdk", "server", "cli", "admin"),
    "server": ("sdk", "cli", "admin", "remote"),
    "admin": ("cli",),
    "importers": (
        "query",
        "api",
        "publicapi",
        "remote",
        "server",
        "cli",
        "admin",
        "reports",
        "compat",
    ),  # fmt: skip
    "artifacts": ("*",),
    "apiartifacts": ("sdk", "server", "cli", "admin"),
    "remoteartifacts": ("sdk", "server", "cli", "admin"),
    "reproduce": ("sdk", "server", "cli", "admin"),
    "integration": (
        "query",
        "api",
        "remote",
        "server",
        "cli",
        "admin",
        "reports",
        "store",
    ),
}
# What the bottom modules may import all the same.
ALLOWED = {
    "model": ("errors",),
    "errors": (),
    "sweeps": ("errors", "model"),
    "media": ("errors", "model"),
    "httpclient": ("errors",),
    "plot": ("errors", "model", "media"),
    "artifacts": ("errors", "model", "media"),
}


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(("runfold", *parts)), path))
    return out


def _imports(name: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported runfold module) for every import in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found += [(node.lineno, base)]
            # ``from . import x`` imports the module x
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names
                      if not node.module]  # fmt: skip
    return [(line, target) for line, target in found if target.startswith("runfold.")]


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _broken(module: str, target: str) -> str | None:
    source, dest = _part(module), _part(target)
    if not source or not dest or source == dest:
        return None
    rule = FORBIDDEN.get(source, ())
    if "*" in rule and dest not in ALLOWED.get(source, ()):
        return f"{source} imports nothing of Runfold's but {ALLOWED.get(source)}"
    if dest in rule:
        return f"{source} must not import {dest}"
    return None


@pytest.mark.parametrize(("name", "path"), _modules(), ids=lambda v: str(v))
def test_imports_point_down_the_layers(name: str, path: Path) -> None:
    broken = [
        f"{path.relative_to(PACKAGE)}:{line}: imports {target} ({why})"
        for line, target in _imports(name, path)
        if (why := _broken(name, target))
    ]
    assert not broken, "\n".join(broken) + "\nSee docs/architecture.md."


def _graph() -> dict[str, set[str]]:
    """Module -> the Runfold modules it imports (a package import counts as its
    ``__init__``; ``from pkg import name`` as pkg, or pkg.name where that is a
    module)."""
    names = {name for name, _ in _modules()}
    graph: dict[str, set[str]] = {}
    for name, path in _modules():
        targets = {t for _, t in _imports(name, path)}
        graph[name] = {t for t in targets if t in names and t != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, if any (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_only_runfold_import_imports_the_importers() -> None:
    """They load W&B's, MLflow's and TensorBoard's packages: only the command
    that needs them may bring them in (docs/architecture.md)."""
    users = {
        name for name, path in _modules() for _, target in _imports(name, path)
        if _part(target) == "importers" and _part(name) != "importers"
    }  # fmt: skip
    assert users <= {"runfold.cli_import"}


def test_no_import_cycles_between_modules() -> None:
    """Counting imports inside functions too: a lazy import that closes a circle
    is still a circle (two modules that cannot be understood apart). A package's
    ``__init__`` re-exporting its modules is left out: it is their façade."""
    graph = _graph()
    # The one lazy import that closes a circle on purpose: ``Api(base_url=...)``
    # hands over to its remote twin, which is an Api itself (docs/architecture.md).
    graph["runfold.api"].discard("runfold.remote")
    for name in [n for n in graph if n.count(".") == 1 or n == "runfold"]:
        if (PACKAGE / Path(*name.split(".")[1:]) / "__init__.py").exists():
            graph.pop(name)
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_no_module_outgrows_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for _, path in _modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"Split these by what they hold (docs/architecture.md): {long}"


def test_the_rules_catch_a_forbidden_import() -> None:
    """The checker itself: an upward import is reported, a downward one is not."""
    assert (
        _broken("runfold.store.sql", "runfold.query.cache")
        == "store must not import query"
    )
    assert (
        _broken("runfold.sdk.run", "runfold.server.app") == "sdk must not import server"
    )
    assert _broken("runfold.sdk.init", "runfold.cli") == "sdk must not import cli"
    assert (
        _broken("runfold.query.reader", "runfold.server")
        == "query must not import server"
    )
    assert _broken("runfold.query.reader", "runfold.store.base") is None
    assert _broken("runfold.model", "runfold.errors") is None
    assert _broken("runfold.model", "runfold.store.base") is not None
