"""Capture's fast paths give what the slow ones gave: the package list from the
folder names, git's state from three commands run side by side (issue 19)."""

from __future__ import annotations

import re
import subprocess
from importlib import metadata
from pathlib import Path

from runfold.sdk.capture import git_info, packages_text


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def test_packages_text_lists_what_importlib_metadata_finds() -> None:
    listed = {}
    for line in packages_text().splitlines():
        name, version = line.split("==")
        listed[_canonical(name)] = version
    expected: dict[str, str] = {}
    for dist in metadata.distributions():
        expected.setdefault(_canonical(dist.name), dist.version)
    assert listed == expected


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def _repo(path: Path) -> Path:
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    _git(path, "config", "user.email", "t@example.com")
    _git(path, "config", "user.name", "t")
    return path


def test_git_info_in_a_repository_without_commits(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    info, patch = git_info(repo)
    assert (info["commit"], info["branch"], info["dirty"], patch) == (
        None, None, False, None
    )  # fmt: skip
    (repo / "a.py").write_text("x = 1\n")
    _git(repo, "add", "a.py")
    assert git_info(repo)[0]["dirty"] is True  # something is staged


def test_git_info_on_a_detached_head_says_head_as_git_does(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    (repo / "a.py").write_text("x = 1\n")
    _git(repo, "add", "a.py")
    _git(repo, "commit", "-q", "-m", "one")
    commit = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "--detach")
    info, patch = git_info(repo)
    assert info["commit"] == commit and info["branch"] == "HEAD"
    assert info["dirty"] is False and patch is None
    (repo / "a.py").write_text("x = 2\n")
    info, patch = git_info(repo / ".")
    assert info["dirty"] is True and patch is not None and "+x = 2" in patch
