"""The web UI's pure JavaScript modules (src/runfold/web/static/lib/*.test.js),
run with Node's built-in test runner so pytest (and CI) runs them too."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "src" / "runfold" / "web" / "static" / "lib"


def test_web_lib_node_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the lib/*.test.js tests need `node --test`")
    tests = sorted(LIB.glob("*.test.js"))
    assert tests, f"no *.test.js under {LIB}"
    proc = subprocess.run(
        [node, "--test", *map(str, tests)],
        capture_output=True, text=True, timeout=120, cwd=LIB,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "# fail 0" in output, output


def test_the_palette_has_one_home_lib_colors_js() -> None:
    """Lines and the runs table's swatches take their colours from lib/colors.js;
    no other script keeps a palette of its own (a copy drifts)."""
    static = LIB.parent
    palette = re.compile(r"(?:\"#[0-9a-fA-F]{6}\",\s*){8,}")
    copies = [
        str(path.relative_to(static))
        for path in static.rglob("*.js")
        if "vendor" not in path.parts
        and path.name != "colors.js"
        and palette.search(path.read_text("utf-8"))
    ]
    assert copies == []
    assert 'import { colorFor } from "../lib/colors.js"' in (
        static / "pages" / "charts.js"
    ).read_text("utf-8")
