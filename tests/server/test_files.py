"""A run's files and console output over the API."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer

SCRIPT = """
import runfold
from pathlib import Path
Path("model.txt").write_text("weights v1")
run = runfold.init(project="f", id="run1")
for i in range(3):
    print(f"epoch {i} loss {1 / (i + 1):.3f}")
print("Warning: LR high")
runfold.save("model.txt")
run.finish()
"""


@pytest.fixture
def run_with_files(live_server: LiveServer, tmp_path: Path) -> str:
    env = {
        **os.environ,
        "RUNFOLD_DIR": str(live_server.store_dir),
        "RUNFOLD_CONSOLE": "wrap",
    }
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)], cwd=tmp_path, env=env,
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return f"{live_server.url}/api/v1/projects/f/runs/run1"


def test_saved_file_downloads_with_its_content(run_with_files: str) -> None:
    response = httpx.get(f"{run_with_files}/files/model.txt")
    assert response.status_code == 200 and response.text == "weights v1"
    assert 'filename="model.txt"' in response.headers["content-disposition"]


@pytest.mark.parametrize(
    "path", ["../run.rflog", "..%2F..%2Frunfold.db", "missing.txt"]
)
def test_paths_outside_the_files_or_missing_are_404(
    run_with_files: str, path: str
) -> None:
    response = httpx.get(f"{run_with_files}/files/{path}")
    assert response.status_code == 404
    assert response.json()["ok"] is False and "run1" in response.json()["error"]


def test_console_output_and_search(run_with_files: str) -> None:
    body = httpx.get(f"{run_with_files}/output").json()
    assert body["lines"] == [
        "epoch 0 loss 1.000", "epoch 1 loss 0.500", "epoch 2 loss 0.333", "Warning: LR high"
    ]  # fmt: skip
    found = httpx.get(f"{run_with_files}/output", params={"q": "warning"}).json()
    assert (found["lines"], found["total"], found["matched"]) == (
        ["Warning: LR high"],
        4,
        1,
    )


def test_output_of_a_missing_run_is_404(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/api/v1/projects/f/runs/nope/output")
    assert response.status_code == 404


def test_a_files_symlink_leading_out_of_the_run_exposes_nothing(
    run_with_files: str, live_server: LiveServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    files = live_server.store_dir / "runs" / "f" / "run1" / "files"
    for item in files.iterdir():
        item.unlink()
    files.rmdir()
    files.symlink_to(outside, target_is_directory=True)
    assert httpx.get(run_with_files).json()["files"] == []
    assert httpx.get(f"{run_with_files}/files/secret.txt").status_code == 404


def test_a_name_too_long_for_the_filesystem_is_404_not_a_crash(
    run_with_files: str,
) -> None:
    response = httpx.get(f"{run_with_files}/files/{'x' * 5000}")
    assert response.status_code == 404
    assert "has no file" in response.json()["error"]


def test_uploaded_console_log_shows_and_partial_files_do_not(
    run_with_files: str, live_server: LiveServer
) -> None:
    # what an online run leaves on the server: output.log among its files, and
    # an upload still in progress
    run_dir = live_server.store_dir / "runs" / "f" / "run1"
    (run_dir / "output.log").rename(run_dir / "files" / "output.log")
    (run_dir / "files" / ".big.bin.1.2.part").write_bytes(b"half")
    output = httpx.get(f"{run_with_files}/output").json()
    assert output["total"] == 4 and output["lines"][-1] == "Warning: LR high"
    listed = [f["path"] for f in httpx.get(run_with_files).json()["files"]]
    assert listed == ["model.txt", "output.log"]
