"""``runfold artifact ls | get | put | rm | gc | cache cleanup``: what a user
types, what they read back."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

import runfold
from runfold.artifacts.cache import cache_blobs
from runfold.cli import cli
from tests.artifacts.conftest import Served, blob_count, tree_bytes, write_tree


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_put_ls_get_rm_and_gc(tmp_path: Path, runfold_dir: Path) -> None:
    data = write_tree(tmp_path / "data", {"a.bin": os.urandom(5000), "b/c.txt": "c"})
    out = _run("artifact", "put", str(data), "--name", "proj/corpus", "--type", "dataset",
               "--alias", "best", "--description", "first")  # fmt: skip
    assert "Logged proj/corpus:v0 (2 files" in out
    (data / "a.bin").write_bytes(os.urandom(5000))
    _run("artifact", "put", str(data), "--name", "proj/corpus")
    listed = json.loads(_run("artifact", "ls", "proj", "--json"))
    assert [(c["name"], c["type"], c["versions"], c["latest"]) for c in listed] == [
        ("corpus", "dataset", 2, 1)
    ]
    versions = _run("artifact", "ls", "proj/corpus")
    assert "v0" in versions and "best" in versions and "latest" in versions
    got = _run("artifact", "get", "proj/corpus:best", "--root", str(tmp_path / "got"))
    assert f"Downloaded proj/corpus:v0 (2 files) to {tmp_path / 'got'}" in got
    assert tree_bytes(tmp_path / "got")["b/c.txt"] == b"c"
    assert (
        blob_count(runfold_dir, "proj") == 5
    )  # a.bin twice, c.txt once, two manifests
    failed = CliRunner().invoke(cli, ["artifact", "rm", "proj/corpus:v0"])
    assert failed.exit_code == 1 and "delete_aliases" in failed.output
    _run("artifact", "rm", "proj/corpus:v0", "--delete-aliases")
    assert "Removed 0 files" in _run("artifact", "gc", "proj")  # within the grace
    gone = _run("artifact", "gc", "proj", "--grace", "0")
    assert gone.startswith("Removed 2 files")  # v0's a.bin and its manifest
    assert blob_count(runfold_dir, "proj") == 3
    left = runfold.Api().artifact("proj/corpus:latest")
    left.verify(left.download(tmp_path / "left"))


def test_cache_cleanup_trims_downloads_from_a_server(
    online: Served, tmp_path: Path
) -> None:
    data = write_tree(tmp_path / "data", {f"f{i}": os.urandom(1000) for i in range(5)})
    _run(
        "artifact", "put", str(data), "--name", "vision/five", "--base-url", online.url
    )
    _run("artifact", "get", "vision/five:v0", "--base-url", online.url,
         "--root", str(tmp_path / "x"))  # fmt: skip
    assert sum(1 for _ in cache_blobs().blobs()) == 6
    out = _run("artifact", "cache", "cleanup", "2KB")
    assert out.startswith("Removed 4 files")
    assert sum(1 for _ in cache_blobs().blobs()) == 2
    assert "Removed 2 files" in _run("artifact", "cache", "cleanup", "0")
