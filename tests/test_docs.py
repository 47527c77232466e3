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


def test_docs_cite_no_document_outside_the_repository() -> None:
    for path in (
        ROOT / "README.md",
        ROOT / "bench" / "run.py",
        ROOT / "bench" / "report.py",
    ):
        assert "DESIGN" not in path.read_text("utf-8"), path


def test_storage_doc_lists_every_record_kind() -> None:
    from runfold.model import RecordKind

    storage = (ROOT / "docs" / "storage.md").read_text("utf-8")
    assert not [k.value for k in RecordKind if f"| `{k.value}` |" not in storage]


def test_reports_have_a_docs_page_the_readme_links() -> None:
    page = (ROOT / "docs" / "reports.md").read_text("utf-8")
    assert "New report" in page and "runfold report list" in page
    assert "(docs/reports.md)" in README


def _takes_dir(command: object, name: str) -> set[str]:
    import click

    assert isinstance(command, click.Command)
    found = {name} if any(p.name == "directory" for p in command.params) else set()
    if isinstance(command, click.Group) and not found:
        for sub, child in command.commands.items():
            found |= _takes_dir(child, f"{name} {sub}".strip())
    return found


def test_readme_names_exactly_the_commands_that_take_dir() -> None:
    start = README.index("The commands that work on the local store take `--dir DIR`")
    paragraph = README[start : README.index("`login` needs no store", start)]
    named = set(re.findall(r"`([a-z][a-z ]*)`", paragraph))
    assert named == _takes_dir(cli, "")
