"""``runfold restore``: a run made in a git repository with an uncommitted change
comes back as it ran (the commit in a worktree, the change applied), with its
config, packages and the artifacts it used; the command it prints reruns it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli
from tests.artifacts.conftest import tree_bytes, write_tree

TRAIN = """\
import argparse
import runfold
from helper import scale

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
args = parser.parse_args()
run = runfold.init(project="repro", config=args)
folder = run.use_artifact("corpus:latest").download()
rows = open(folder + "/rows.csv").read().splitlines()
run.log({"loss": scale(len(rows)) * args.lr})
run.finish()
print("trained on", len(rows), "rows")
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_restore_reproduces_the_code_config_and_inputs_and_reruns(
    tmp_path: Path, runfold_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_tree(tmp_path / "repo", {"train.py": TRAIN,
                                          "helper.py": "def scale(n):\n    return n\n"})  # fmt: skip
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "first",
    )
    (repo / "helper.py").write_text("def scale(n):\n    return 2 * n  # uncommitted\n")
    data = write_tree(tmp_path / "data", {"rows.csv": "1\n2\n3\n"})
    with runfold.init(project="repro", job_type="prepare") as prep:
        art = runfold.Artifact("corpus", "dataset")
        art.add_dir(data)
        prep.log_artifact(art)
    env = {**os.environ, "RUNFOLD_DIR": str(runfold_dir), "RUNFOLD_SILENT": "1",
           "RUNFOLD_SYSTEM_SECONDS": "0", "RUNFOLD_CONSOLE": "off",
           "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    for name in ("RUNFOLD_DISABLE_GIT", "RUNFOLD_DISABLE_CODE"):
        env.pop(name, None)  # this run records its git state, diff and packages
    done = subprocess.run([sys.executable, "train.py", "--lr", "0.5"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (run,) = runfold.Api().runs("repro", filters={"job_type": None})
    assert run.summary["loss"] == 3.0  # 2 * 3 rows * 0.5: the uncommitted helper ran

    target = tmp_path / "restored"
    result = CliRunner().invoke(
        cli, ["restore", f"repro/{run.id}", "--dir", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "code: git worktree" in result.output
    code = target / "code"
    assert (code / "helper.py").read_bytes() == (repo / "helper.py").read_bytes()
    assert tree_bytes(code).keys() >= {"train.py", "helper.py"}
    assert (code / "train.py").read_bytes() == (repo / "train.py").read_bytes()
    assert "lr: 0.5" in (target / "config.yaml").read_text()
    assert "runfold==" in (target / "requirements.txt").read_text().lower()
    assert tree_bytes(target / "artifacts" / "corpus:v0") == tree_bytes(data)
    command = result.output.strip().splitlines()[-1]
    assert command == f"cd {code} && python train.py --lr 0.5"
    assert (target / "command.sh").read_text().endswith(command + "\n")
    rerun = subprocess.run(command.replace("python", sys.executable, 1), shell=True,
                           env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert "trained on 3 rows" in rerun.stdout
    again = [
        r
        for r in runfold.Api().runs("repro")
        if r.id not in (run.id,) and r.job_type is None
    ]
    assert [r.summary["loss"] for r in again] == [3.0]


def test_a_run_without_git_restores_its_saved_script(
    tmp_path: Path, runfold_dir: Path
) -> None:
    script = write_tree(
        tmp_path / "plain",
        {"go.py": "import runfold\nrunfold.init(project='solo').finish()\n"},
    )
    env = {**os.environ, "RUNFOLD_DIR": str(runfold_dir), "RUNFOLD_SILENT": "1",
           "RUNFOLD_DISABLE_GIT": "1", "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    env.pop("RUNFOLD_DISABLE_CODE", None)
    subprocess.run(
        [sys.executable, "go.py"], cwd=script, env=env, check=True, timeout=120
    )
    (run,) = runfold.Api().runs("solo")
    result = CliRunner().invoke(
        cli, ["restore", f"solo/{run.id}", "--dir", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    assert "code: saved script" in result.output
    assert (tmp_path / "r" / "code" / "go.py").read_bytes() == (
        script / "go.py"
    ).read_bytes()
    assert result.output.strip().endswith(
        f"cd {tmp_path / 'r' / 'code'} && python go.py"
    )
