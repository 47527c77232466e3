"""The SDK's modules import each other one way: no cycle, counting the imports
inside functions and under TYPE_CHECKING too."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import runfold.sdk

SDK = Path(runfold.sdk.__file__).parent


def _sdk_imports(path: Path) -> set[str]:
    """The sibling modules ``path`` imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            found.update(n.split(".")[0] for n in names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("runfold.sdk."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("runfold.sdk."):
                    found.add(alias.name.split(".")[2])
    return found & {p.stem for p in SDK.glob("*.py")}


def test_sdk_imports_form_no_cycle() -> None:
    graph = {p.stem: _sdk_imports(p) - {p.stem} for p in SDK.glob("*.py")}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"import cycle in runfold.sdk: {exc.args[1]}") from None
    assert set(order) == set(graph)
    # the current-run registry and the watcher know runs only by what they are given
    assert "run" not in graph["context"] and "run" not in graph["watch"]
