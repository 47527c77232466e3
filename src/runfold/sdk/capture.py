"""What a run records about where it ran: host, packages, git and the main script.

Each function is independent and never raises for a missing tool (no git, not a
repository, a notebook): it returns what it found and, where it found nothing,
says why, so the run page can tell the user.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..model import RecordKind

__all__ = [
    "host_info",
    "cpu_model",
    "packages_text",
    "git_info",
    "save_code",
    "RunCapture",
]

_GIT_TIMEOUT_S = 5.0


def cpu_model() -> str | None:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_gb() -> float | None:
    try:
        import psutil

        return round(psutil.virtual_memory().total / 1024**3, 2)
    except Exception:  # noqa: BLE001 - psutil missing or restricted
        return None


def host_info(gpus: dict[str, Any] | None = None) -> dict[str, Any]:
    """OS, Python, host, CPU, memory, GPUs, command line, working directory."""
    return {
        "os": platform.platform(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "hostname": socket.gethostname(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "gpu": gpus or {"count": 0},
        "argv": list(sys.argv),
        "cwd": os.getcwd(),
        "started_at": time.time(),
    }


def packages_text() -> str:
    """The installed distributions as ``name==version`` lines (a requirements file)."""
    found = {}
    for dist in metadata.distributions():
        name = dist.name
        if name:
            found[name.lower()] = f"{name}=={dist.version}"
    return "\n".join(found[k] for k in sorted(found)) + "\n"


def _git(cwd: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True,
            timeout=_GIT_TIMEOUT_S, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def git_info(cwd: Path) -> tuple[dict[str, Any], str | None]:
    """``({remote, branch, commit, dirty} or {"note": why}, diff patch or None)``.

    The patch is ``git diff HEAD`` (staged and unstaged changes to tracked files)."""
    if shutil.which("git") is None:
        return {"note": "git is not installed"}, None
    top = _git(cwd, "rev-parse", "--show-toplevel")
    if top is None:
        return {"note": f"{cwd} is not in a git repository"}, None
    commit = (_git(cwd, "rev-parse", "HEAD") or "").strip() or None
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no") or ""
    diff = _git(cwd, "diff", "HEAD") if commit else None
    info = {
        "root": top.strip(),
        "remote": (_git(cwd, "config", "--get", "remote.origin.url") or "").strip()
        or None,
        "branch": (_git(cwd, "rev-parse", "--abbrev-ref", "HEAD") or "").strip()
        or None,
        "commit": commit,
        "dirty": bool(status.strip()),
    }
    return info, diff if diff else None


def save_code(files_dir: Path) -> dict[str, Any]:
    """Copy the main script into ``files_dir/code/``; in a notebook or an
    interactive session there is no script, and the result says so."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path:
        return {"note": "no script: running in a notebook or an interactive session"}
    source = Path(path)
    if not source.is_file():
        return {"note": f"the main script {str(source)!r} is not a file"}
    target = files_dir / "code" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return {"script": str(source), "saved_as": f"code/{source.name}"}


class RunCapture:
    """Everything a run records on its own, started at init and stopped at finish:
    the system sampler, console capture, and (on a background thread, so init stays
    fast) host info, the package list, git state and the main script."""

    def __init__(
        self, run_dir: Path, control: Callable[[RecordKind, Any], None], settings: Any
    ) -> None:
        self.run_dir = run_dir
        self.files_dir = run_dir / "files"
        self._control = control
        self._settings = settings
        self._sampler: Any = None
        self._console: Any = None
        self._thread = threading.Thread(
            target=self._describe, name="runfold-capture", daemon=True
        )

    def start(self) -> RunCapture:
        from .system import NvmlGpus, SystemSampler

        # Imported here, not first in the describing thread: a process forked
        # while that thread held psutil's import lock would hang on it for good.
        try:
            import psutil  # noqa: F401
        except ImportError:
            pass

        self._gpus = NvmlGpus() if self._settings.system_seconds else None
        if self._settings.system_seconds:
            self._sampler = SystemSampler(
                lambda row: self._control(RecordKind.SYSTEM, [row]),
                interval=self._settings.system_seconds,
                first_after=min(1.0, self._settings.system_seconds),
                disk_path=self.run_dir, gpus=self._gpus,
            ).start()  # fmt: skip
        if self._settings.console:
            from .console import ConsoleCapture

            self._console = ConsoleCapture(self.run_dir).start()
        self._thread.start()
        return self

    def _describe(self) -> None:
        meta: dict[str, Any] = {
            "host": host_info(self._gpus.describe() if self._gpus else None)
        }
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            if self._settings.capture_code:
                (self.files_dir / "requirements.txt").write_text(
                    packages_text(), "utf-8"
                )
                meta["packages"] = "requirements.txt"
            if self._settings.capture_git:
                git, patch = git_info(Path.cwd())
                if patch:
                    (self.files_dir / "diff.patch").write_text(patch, "utf-8")
                    git["patch"] = "diff.patch"
                meta["git"] = git
            if self._settings.capture_code:
                meta["code"] = save_code(self.files_dir)
        except OSError as exc:  # disk full: the run goes on without these files
            meta["capture_error"] = str(exc)
        self._control(RecordKind.META, meta)

    def disown(self) -> None:
        """In a forked child: stop copying this process's output into the
        parent's console log (the sampler and describe threads did not survive)."""
        if self._console is not None:
            self._console.disown()

    def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.stop()
        self._thread.join(10)
        if self._console is not None:
            self._console.stop()
