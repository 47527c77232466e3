"""What a run records by itself: system metrics, console, git, code, histograms."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

import runfold

CAPTURE_ON = {
    "RUNFOLD_SYSTEM_SECONDS": "0.4",
    "RUNFOLD_CONSOLE": "wrap",
    "RUNFOLD_DISABLE_GIT": "",
    "RUNFOLD_DISABLE_CODE": "",
}


def _run(script: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, str(script)], cwd=cwd, capture_output=True, timeout=60,
        env={**os.environ, **CAPTURE_ON, "PYTHONIOENCODING": "utf-8", **env},
    )  # fmt: skip


def _write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source))
    return path


def _only_run(project: str) -> Any:
    api = runfold.Api()
    (run,) = api.runs(project)
    return api, run


def test_system_metrics_sample_while_the_run_lives_and_stop_at_finish(
    tmp_path: Path,
) -> None:
    script = _write(tmp_path / "train.py", """
        import json, time, runfold
        run = runfold.init(project="sys")
        for step in range(30):
            run.log({"loss": 1.0 / (step + 1)})
            time.sleep(0.1)
        run.finish()
        print(json.dumps({"finished": time.time()}))
        time.sleep(1.0)
    """)  # fmt: skip
    proc = _run(script, tmp_path)
    assert proc.returncode == 0, proc.stderr
    finished = float(proc.stdout.decode().split(":")[1].strip(" }\n"))
    api, run = _only_run("sys")
    rows = run.history(keys=["system/cpu.percent", "system/proc.memory.rss_mb"])
    assert len(rows) >= 4, rows
    assert [r["_step"] for r in rows] == list(range(len(rows)))
    assert all(r["_timestamp"] <= finished for r in rows)
    assert all(r["system/proc.memory.rss_mb"] > 1 for r in rows)
    assert not any(k.startswith("system/") for k in run.summary)
    assert run.summary["loss"] == 1 / 30
    api.close()


def test_console_is_copied_to_output_log_and_terminal_output_is_unchanged(
    tmp_path: Path,
) -> None:
    script = _write(tmp_path / "train.py", """
        import sys, runfold
        run = runfold.init()  # the project comes from RUNFOLD_PROJECT
        print("epoch 1")
        for i in range(50):
            sys.stdout.write(f"\\rstep {i}")
        print()
        print("oops", file=sys.stderr)
        run.finish()
    """)  # fmt: skip
    captured = _run(script, tmp_path, RUNFOLD_PROJECT="console")
    plain = _run(script, tmp_path, RUNFOLD_PROJECT="plain", RUNFOLD_CONSOLE="off")
    assert (captured.stdout, captured.stderr) == (plain.stdout, plain.stderr)
    api, run = _only_run("console")
    log = Path(runfold_dir_of(run)) / "output.log"
    assert log.read_text().splitlines() == ["epoch 1", "step 49", "oops"]
    api.close()


def runfold_dir_of(run: Any) -> Path:
    return Path(os.environ["RUNFOLD_DIR"]) / "runs" / run.project / run.id


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_host_git_code_and_packages_are_recorded(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    script = _write(repo / "train.py", """
        import runfold
        run = runfold.init(project="code")
        run.log({"x": 1.0})
        run.finish()
    """)  # fmt: skip
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", "first")
    script.write_text(script.read_text() + "# tuned\n")
    assert _run(script, repo).returncode == 0
    api, run = _only_run("code")
    meta = run.metadata
    assert meta["git"]["dirty"] is True and meta["git"]["branch"] == "main"
    assert meta["host"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["host"]["gpu"] == {"count": 0} or meta["host"]["gpu"]["count"] > 0
    files = runfold_dir_of(run) / "files"
    assert "+# tuned" in (files / "diff.patch").read_text()
    assert (files / "code" / "train.py").read_text() == script.read_text()
    assert "msgpack==" in (files / "requirements.txt").read_text()
    api.close()


def test_git_and_code_capture_can_be_turned_off(tmp_path: Path) -> None:
    script = _write(tmp_path / "train.py", """
        import runfold
        runfold.init(project="off").finish()
    """)  # fmt: skip
    proc = _run(script, tmp_path, RUNFOLD_DISABLE_GIT="1", RUNFOLD_DISABLE_CODE="1")
    assert proc.returncode == 0, proc.stderr
    api, run = _only_run("off")
    assert "git" not in run.metadata and "code" not in run.metadata
    assert not (runfold_dir_of(run) / "files" / "code").exists()
    api.close()


def test_histograms_round_trip_with_numpy_bins_and_counts(api: runfold.Api) -> None:
    rng = np.random.default_rng(1)
    samples = [rng.normal(loc=step, size=500) for step in range(4)]
    run = runfold.init(project="hist")
    for step, values in enumerate(samples):
        run.log(
            {"weights": runfold.Histogram(values, num_bins=16), "loss": float(step)}
        )
    run.finish()
    stored = api.run(f"hist/{run.id}")
    hists = stored.histograms("weights")
    assert [h["_step"] for h in hists] == [0, 1, 2, 3]
    for hist, values in zip(hists, samples, strict=True):
        counts, edges = np.histogram(values, bins=16)
        assert hist["counts"] == counts.tolist() and hist["bins"] == edges.tolist()
    assert [r["loss"] for r in stored.history(keys=["loss"])] == [0.0, 1.0, 2.0, 3.0]
