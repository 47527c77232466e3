"""The README and docs/ describe what exists: every command and variable is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runfold.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
SOURCES = [ROOT / "src" / "runfold" / "settings.py"]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert f"`runfold {command}" in README


def test_every_runfold_variable_is_in_the_readme() -> None:
    source = "\n".join(p.read_text("utf-8") for p in SOURCES)
    names = {
        n.removeprefix("RUNFOLD_")
        for n in re.findall(r'"([A-Z][A-Z_]+[A-Z])"', source)
        if not n.startswith(("SLURM_", "TORCHELASTIC_"))
    }
    assert {"PROJECT", "RUN_GROUP", "SHARED_DIR"} <= names
    missing = sorted(n for n in names if f"`RUNFOLD_{n}`" not in README)
    assert not missing


def test_readme_links_resolve() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
