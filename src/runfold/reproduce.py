"""``runfold restore RUN_PATH``: a past run back on disk, ready to run again.

Into a folder (default ``./restore-<run_id>``) it writes:

- ``code/``: the code as it ran. With git: the commit checked out in a worktree
  of the repository (or a clone of its remote when the repository is not on this
  machine) with the run's uncommitted diff (``diff.patch``) applied. Without git:
  the main script the run saved (``code/<script>``).
- ``config.yaml``: the run's config;
- ``requirements.txt``: the packages it ran with;
- ``artifacts/<name>:v<n>/``: every artifact version it used, downloaded;
- ``command.sh``: the one command that reruns it, also returned (and printed by
  the CLI): ``cd <code>/<folder it ran in> && python <its arguments>``.

W&B's ``wandb.restore(name, run_path=)`` (one file of a run) is
``runfold.restore``; this is the whole run.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import NotFound, UsageError

__all__ = ["restore_run", "Restored"]

_GIT_TIMEOUT_S = 300


@dataclass
class Restored:
    folder: Path
    code: Path
    command: str
    how: str  # "git worktree", "git clone", "saved script" or "nothing"
    artifacts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=_GIT_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _file_bytes(run: Any, name: str) -> bytes | None:
    try:
        return bytes(run.file(name).read_bytes())
    except NotFound:
        return None


def _checkout(git: dict[str, Any], code: Path, notes: list[str]) -> str | None:
    """The commit into ``code``: a worktree of the local repository, else a
    clone of its remote; None when neither is possible."""
    commit, root, remote = git.get("commit"), git.get("root"), git.get("remote")
    if not commit:
        return None
    if (
        root
        and Path(root, ".git").exists()
        and _git("cat-file", "-e", f"{commit}^{{commit}}", cwd=Path(root)).returncode
        == 0
    ):
        done = _git("worktree", "add", "--detach", str(code), commit, cwd=Path(root))
        if done.returncode == 0:
            return "git worktree"
        notes.append(f"git worktree add failed: {done.stderr.strip()}")
    if remote:
        done = _git("clone", "--quiet", remote, str(code))
        if (
            done.returncode == 0
            and _git("checkout", "--quiet", "--detach", commit, cwd=code).returncode
            == 0
        ):
            return "git clone"
        notes.append(f"git clone of {remote} at {commit} failed: {done.stderr.strip()}")
    return None


def _write_config(folder: Path, config: dict[str, Any]) -> None:
    try:
        import yaml

        text = yaml.safe_dump(config, sort_keys=True, allow_unicode=True)
    except Exception:  # noqa: BLE001 - no PyYAML, or a value it cannot write: JSON is YAML
        text = json.dumps(config, indent=2, sort_keys=True, default=str) + "\n"
    (folder / "config.yaml").write_text(text, "utf-8")


def _command(meta: dict[str, Any], code: Path, how: str) -> str:
    host = meta.get("host") or {}
    argv = [str(a) for a in host.get("argv") or []]
    git = meta.get("git") or {}
    cwd, root = host.get("cwd"), git.get("root")
    workdir = code
    if how.startswith("git") and cwd and root:
        rel = os.path.relpath(cwd, root)
        if not rel.startswith(os.pardir):
            workdir = code / rel
    if argv and how.startswith("git") and os.path.isabs(argv[0]) and root:
        rel_script = os.path.relpath(argv[0], cwd or root)
        argv[0] = rel_script
    elif argv and how == "saved script":
        argv[0] = Path(argv[0]).name
    if not argv:
        argv = ["<your script>"]
    return f"cd {shlex.quote(str(workdir))} && python {shlex.join(argv)}"


def restore_run(api: Any, run_path: str, folder: Path | None = None) -> Restored:
    """Write the run at ``run_path`` ("project/run_id") into ``folder`` (see the
    module's docstring); UsageError when ``folder/code`` is there already."""
    run = api.run(run_path)
    folder = Path(folder or f"restore-{run.id}").resolve()
    code = folder / "code"
    if code.exists():
        raise UsageError(f"{str(code)!r} exists already; restore into another --dir.")
    folder.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = run.metadata or {}
    notes: list[str] = []
    git = meta.get("git") or {}
    how = _checkout(git, code, notes) if git.get("commit") else None
    patch = _file_bytes(run, git["patch"]) if how and git.get("patch") else None
    if how and patch:
        (folder / "diff.patch").write_bytes(patch)
        applied = _git(
            "apply", "--whitespace=nowarn", str(folder / "diff.patch"), cwd=code
        )
        if applied.returncode != 0:
            notes.append(
                f"the uncommitted diff did not apply: {applied.stderr.strip()}"
            )
    if how is None:
        saved = (meta.get("code") or {}).get("saved_as")
        data = _file_bytes(run, saved) if isinstance(saved, str) else None
        if data is not None and isinstance(saved, str):
            code.mkdir(parents=True)
            (code / Path(saved).name).write_bytes(data)
            how = "saved script"
        else:
            code.mkdir(parents=True)
            how = "nothing"
            notes.append("the run recorded neither a git commit nor its script")
    _write_config(folder, dict(run.config))
    packages = _file_bytes(run, "requirements.txt")
    if packages is not None:
        (folder / "requirements.txt").write_bytes(packages)
    restored = Restored(folder, code, _command(meta, code, how), how, notes=notes)
    for artifact in run.used_artifacts():
        target = folder / "artifacts" / artifact.name
        artifact.download(target)
        restored.artifacts.append(str(target))
    (folder / "command.sh").write_text(f"#!/bin/sh\n{restored.command}\n", "utf-8")
    return restored
