"""What a run records about where it ran: host, packages, git and the main script.

Each function is independent and never raises for a missing tool (no git, not a
repository, a notebook): it returns what it found and, where it found nothing,
says why, so the run page can tell the user.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import RecordKind

# platform, shutil, socket and subprocess are imported by RunCapture.start(), not
# here: ``import runfold`` loads this module, and they cost it ~16 ms (issue 19)
# for work that starts at init().

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
    import platform

    return platform.processor() or None


def _memory_gb() -> float | None:
    try:
        import psutil

        return round(psutil.virtual_memory().total / 1024**3, 2)
    except Exception:  # noqa: BLE001 - psutil missing or restricted
        return None


def host_info(gpus: dict[str, Any] | None = None) -> dict[str, Any]:
    """OS, Python, host, CPU, memory, GPUs, command line, working directory."""
    import platform
    import socket

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


_INFO_SUFFIXES = (".dist-info", ".egg-info")


def packages_text() -> str:
    """The installed distributions as ``name==version`` lines (a requirements file),
    the first of each name on ``sys.path`` (the one ``import`` finds).

    Names and versions come from the ``name-version.dist-info`` folder names, as
    installers write them; a folder without a version in its name (a develop
    install's ``name.egg-info``) has its metadata's header read. Parsing every
    distribution's whole METADATA, as ``importlib.metadata`` does, took 40 ms of
    a short run's ``finish()`` (issue 19)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        for name, version in _distributions_in(entry or "."):
            found.setdefault(_canonical(name), f"{name}=={version}")
    lines = sorted(found.values(), key=lambda line: line.split("==")[0].lower())
    return "\n".join(lines) + "\n"


def _distributions_in(folder: str) -> list[tuple[str, str]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []  # not a folder (a zip, a missing entry)
    out = []
    for entry in entries:
        if not entry.name.endswith(_INFO_SUFFIXES):
            continue
        stem = entry.name.rsplit(".", 1)[0]
        name, _, rest = stem.partition("-")
        version = rest.split("-")[0]  # egg-info: name-version-py3.11
        if not version:
            name, version = _read_header(Path(entry.path), name)
        if name and version:
            out.append((name, version))
    return out


def _read_header(info: Path, name: str) -> tuple[str, str]:
    """(Name, Version) from the top of an info folder's (or file's) metadata."""
    for candidate in (info / "METADATA", info / "PKG-INFO", info):
        try:
            with open(candidate, encoding="utf-8", errors="replace") as file:
                head = file.read(4096)
        except OSError:
            continue
        fields = {}
        for line in head.splitlines():
            if not line:
                break  # the header ends at the first blank line
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        return fields.get("name", name), fields.get("version", "")
    return name, ""


def _canonical(name: str) -> str:
    """PEP 503's normalised name: ``Typing_Extensions`` and ``typing-extensions``
    are one distribution."""
    out = name.lower()
    for sep in "_.":
        out = out.replace(sep, "-")
    while "--" in out:
        out = out.replace("--", "-")
    return out


# What git_info asks, all at once: each git command is its own process, and run
# one after the other they took ~30 ms of a short run's finish() (issue 19).
# ``rev-parse`` prints the top folder, the commit and the branch (``--abbrev-ref``
# applies to the HEAD after it); ``diff HEAD`` is the patch, and the tree is
# dirty exactly when it is not empty.
_GIT_CALLS = {
    "head": ("rev-parse", "--show-toplevel", "HEAD", "--abbrev-ref", "HEAD"),
    "remote": ("config", "--get", "remote.origin.url"),
    "diff": ("diff", "HEAD"),
}


def _start_git(cwd: Path, calls: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Start each call (a process, or None where git could not be run); {} when
    git is not installed. ``_collect`` waits for them."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        return {}
    procs: dict[str, Any] = {}
    for name, args in calls.items():
        try:
            procs[name] = subprocess.Popen(
                ["git", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            )  # fmt: skip
        except OSError:
            procs[name] = None
    return procs


def _collect(procs: dict[str, Any]) -> dict[str, Any]:
    """Each started call's (exit status, stdout); (None, "") where git could not
    be run or ran past the timeout."""
    import subprocess

    deadline = time.monotonic() + _GIT_TIMEOUT_S
    out: dict[str, Any] = {}
    for name, proc in procs.items():
        out[name] = (None, "")
        if proc is None:
            continue
        try:
            stdout, _ = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            continue
        out[name] = (proc.returncode, stdout)
    return out


def git_info(
    cwd: Path, started: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str | None]:
    """``({remote, branch, commit, dirty} or {"note": why}, diff patch or None)``.

    The patch is ``git diff HEAD`` (staged and unstaged changes to tracked files).
    ``started``: the calls as ``_start_git(cwd, _GIT_CALLS)`` started them."""
    procs = _start_git(cwd, _GIT_CALLS) if started is None else started
    if not procs:
        return {"note": "git is not installed"}, None
    out = _collect(procs)
    code, text = out["head"]
    lines = text.splitlines()
    if not lines:
        return {"note": f"{cwd} is not in a git repository"}, None
    diff_code, diff = out["diff"]
    if code == 0 and len(lines) == 3:
        commit, branch, dirty = lines[1], lines[2], bool(diff)
    else:  # a repository with no commit yet: dirty means something is staged
        status_call: dict[str, tuple[str, ...]] = {
            "s": ("status", "--porcelain", "-uno")
        }
        _, status = _collect(_start_git(cwd, status_call)).get("s", (None, ""))
        commit, branch, dirty, diff = None, None, bool(status.strip()), ""
    info = {
        "root": lines[0].strip(),
        "remote": out["remote"][1].strip() or None,
        "branch": branch,
        "commit": commit,
        "dirty": dirty,
    }
    return info, diff if diff and diff_code == 0 else None


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
    import shutil

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
        # Imported here, not first in the describing thread: a process forked
        # while that thread held one of their import locks would hang on it for
        # good.
        import platform  # noqa: F401
        import shutil  # noqa: F401
        import socket  # noqa: F401
        import subprocess  # noqa: F401

        from .system import NvmlGpus, SystemSampler

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
        # git first: its processes run while this thread reads the rest.
        cwd = Path.cwd()
        git_calls = _start_git(cwd, _GIT_CALLS) if self._settings.capture_git else {}
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
                git, patch = git_info(cwd, git_calls)
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
