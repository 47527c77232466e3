"""What W&B recorded about a run's machine and code, in the shape a native run's
``meta`` has (``sdk.capture``: ``host``, ``git``, ``code``, ``packages``), so the
run page's Environment and Code panels read it; and W&B's system-metric names as
Runfold's (``sdk.system``), so its System charts do too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["environment_meta", "files_meta", "system_key"]

_GB = float(1 << 30)

# W&B's system-metric names -> Runfold's (after "system/").
_SYSTEM_NAMES = {
    "cpu": "proc.cpu.percent",
    "memory": "memory.percent",
    "memory_percent": "memory.percent",
    "proc.memory.rssMB": "proc.memory.rss_mb",
    "proc.memory.availableMB": "memory.available_mb",
    "disk": "disk.percent",
    "disk.in": "disk.read_mb",
    "disk.out": "disk.write_mb",
}
_GPU = re.compile(r"^gpu\.(\d+)\.(\w+)$")
_GPU_NAMES = {
    "gpu": "util",
    "memoryAllocated": "memory.percent",
    "temp": "temp_c",
    "powerWatts": "power_w",
}


def system_key(name: str) -> str:
    """W&B's name of a system metric as Runfold's, under ``system/``; names
    Runfold has no counterpart for keep W&B's."""
    mapped = _SYSTEM_NAMES.get(name)
    if mapped is None and name.startswith("disk.") and name.endswith(".usagePercent"):
        mapped = "disk.percent"
    if mapped is None and (gpu := _GPU.match(name)):
        index, what = gpu.groups()
        part = _GPU_NAMES.get(what)
        mapped = f"gpu.{index}.{part}" if part else None
    return f"system/{mapped or name}"


def _python(text: str) -> str:
    """``CPython 3.11.7`` -> ``3.11.7``."""
    return text.split()[-1] if text else text


def environment_meta(meta: dict[str, Any], env: Any) -> None:
    """Fold one W&B ``environment`` record into ``meta`` (W&B writes two: the
    process, then the hardware)."""
    host = meta.setdefault("host", {})
    started = env.started_at.seconds + env.started_at.nanos / 1e9
    fields = {
        "hostname": env.host, "os": env.os, "python": _python(env.python),
        "executable": env.executable, "cwd": env.root,
        "cpu_model": env.cpu.model if env.HasField("cpu") else None,
        "cpu_count": env.cpu_count_logical or env.cpu_count or None,
        "memory_gb": round(env.memory.total / _GB, 1) if env.memory.total else None,
        "started_at": started or None,
    }  # fmt: skip
    host.update({k: v for k, v in fields.items() if v})
    if env.program:
        host["argv"] = [env.program, *env.args]
    if env.gpu_count or len(env.gpu_nvidia):
        host["gpu"] = {
            "count": env.gpu_count or len(env.gpu_nvidia),
            "names": [g.name for g in env.gpu_nvidia] or [env.gpu_type],
            "cuda": env.cuda_version or None,
        }
    if env.git.remote_url or env.git.commit:
        meta["git"] = {
            **meta.get("git", {}), "remote": env.git.remote_url or None,
            "commit": env.git.commit or None,
        }  # fmt: skip
    if env.code_path:
        meta.setdefault("code", {})["program"] = env.code_path


def files_meta(meta: dict[str, Any], files_dir: Path) -> None:
    """What W&B's files say: the packages, the git diff and the saved script;
    and, for W&B versions before the ``environment`` record, the host details
    of ``wandb-metadata.json``."""
    if (files_dir / "requirements.txt").is_file():
        meta["packages"] = "requirements.txt"
    if (files_dir / "diff.patch").is_file():
        meta.setdefault("git", {})["patch"] = "diff.patch"
    code = meta.get("code", {})
    program = code.get("program")
    if program and (files_dir / "code" / program).is_file():
        code["saved_as"] = f"code/{program}"
    if "host" not in meta and (files_dir / "wandb-metadata.json").is_file():
        _metadata_file(meta, files_dir / "wandb-metadata.json")


def _metadata_file(meta: dict[str, Any], path: Path) -> None:
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(found, dict):
        return
    memory: dict[str, Any] = found.get("memory") or {}
    if not isinstance(memory, dict):
        memory = {}
    fields = {
        "hostname": found.get("host"), "os": found.get("os"),
        "python": _python(str(found.get("python") or "")),
        "executable": found.get("executable"), "cwd": found.get("root"),
        "cpu_count": found.get("cpu_count_logical") or found.get("cpu_count"),
        "memory_gb": round(memory["total"] / _GB, 1) if memory.get("total") else None,
    }  # fmt: skip
    host = {k: v for k, v in fields.items() if v}
    if found.get("program"):
        host["argv"] = [found["program"], *(found.get("args") or [])]
    if found.get("gpu_count"):
        host["gpu"] = {"count": found["gpu_count"], "names": [found.get("gpu")]}
    meta["host"] = host
    git = found.get("git")
    if isinstance(git, dict) and (git.get("remote") or git.get("commit")):
        meta["git"] = {**meta.get("git", {}), "remote": git.get("remote"),
                       "commit": git.get("commit")}  # fmt: skip
    if found.get("codePath"):
        meta.setdefault("code", {})["program"] = found["codePath"]
