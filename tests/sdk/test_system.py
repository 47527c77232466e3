"""System sampling and capture of host, packages, git and code."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from runfold.sdk.capture import git_info, host_info, packages_text
from runfold.sdk.system import NvmlGpus, SystemSampler

BASE_KEYS = {
    "system/cpu.percent", "system/proc.cpu.percent", "system/proc.memory.rss_mb",
    "system/memory.percent", "system/memory.available_mb", "system/disk.percent",
}  # fmt: skip


def test_sampler_emits_numbered_rows_with_the_base_metrics(tmp_path: Path) -> None:
    rows: list[Any] = []
    three = threading.Event()

    def emit(row: Any) -> None:
        rows.append(row)
        if len(rows) >= 3:
            three.set()

    sampler = SystemSampler(emit, interval=0.1, first_after=0.05, disk_path=tmp_path)
    sampler.start()
    assert three.wait(10), "fewer than 3 samples in 10 s"
    sampler.stop()
    count = len(rows)
    assert [r[0] for r in rows[:3]] == [0, 1, 2]
    assert rows[0][1] <= rows[1][1] <= rows[2][1]
    for _, _, values in rows[:3]:
        assert BASE_KEYS <= set(values)
        assert all(isinstance(v, float) or isinstance(v, int) for v in values.values())
        assert 0 <= values["system/memory.percent"] <= 100
        assert values["system/proc.memory.rss_mb"] > 1
    threading.Event().wait(0.3)
    assert len(rows) == count, "samples continued after stop()"


def test_gpu_sampling_is_a_clean_no_op_without_nvml() -> None:
    gpus = NvmlGpus()
    if gpus.count:
        pytest.skip("a GPU is present: the GPU test below covers it")
    assert gpus.sample() == {}
    assert gpus.describe() == {"count": 0}


def test_gpu_sampling_reads_every_device_when_present() -> None:
    gpus = NvmlGpus()
    if not gpus.count:
        pytest.skip("no NVIDIA GPU or driver on this machine")
    values = gpus.sample()
    assert f"system/gpu.{gpus.count - 1}.memory.total_mb" in values
    assert gpus.describe()["count"] == gpus.count


def test_host_info_names_the_machine_and_the_command() -> None:
    info = host_info()
    assert info["python"] == ".".join(map(str, sys.version_info[:3]))
    assert info["cpu_count"] >= 1 and info["memory_gb"] > 0
    assert info["argv"] == sys.argv and info["gpu"] == {"count": 0}


def test_packages_lists_installed_distributions() -> None:
    lines = packages_text().splitlines()
    assert any(line.startswith("msgpack==") for line in lines)
    names = [line.split("==")[0].lower() for line in lines]
    assert names == sorted(names)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_capture_gives_commit_dirty_flag_and_patch(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    _git(repo, "remote", "add", "origin", "https://example.com/team/model.git")
    (repo / "train.py").write_text("lr = 0.1\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", "first")
    clean, patch = git_info(repo)
    assert clean["dirty"] is False and patch is None
    assert (
        clean["branch"] == "main"
        and clean["remote"] == "https://example.com/team/model.git"
    )
    assert len(clean["commit"]) == 40
    (repo / "train.py").write_text("lr = 0.01\n")
    dirty, patch = git_info(repo)
    assert dirty["dirty"] is True and dirty["commit"] == clean["commit"]
    assert patch is not None and "-lr = 0.1\n+lr = 0.01" in patch


def test_git_capture_outside_a_repository_says_so(tmp_path: Path) -> None:
    info, patch = git_info(tmp_path)
    assert patch is None and "not in a git repository" in info["note"]


def test_save_code_copies_the_main_script(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    out = tmp_path / "files"
    script.write_text(
        "import sys, json\nfrom pathlib import Path\n"
        "from runfold.sdk.capture import save_code\n"
        f"print(json.dumps(save_code(Path({str(out)!r}))))\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    )
    assert '"saved_as": "code/train.py"' in proc.stdout
    assert (out / "code" / "train.py").read_text() == script.read_text()


def test_save_code_in_an_interactive_session_says_there_is_no_script(
    tmp_path: Path,
) -> None:
    code = (
        "from pathlib import Path\nfrom runfold.sdk.capture import save_code\n"
        f"print(save_code(Path({str(tmp_path)!r})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "no script: running in a notebook or an interactive session" in proc.stdout
