"""``run.save()``: copy files into the run directory, never outside it."""

from __future__ import annotations

import glob
import json
import os
import shutil
from pathlib import Path

from ..errors import UsageError

__all__ = ["save_files", "refresh_saved"]

POLICIES = ("live", "now", "end")
_INDEX = ".saved.json"


def _base_of(pattern: str) -> str:
    """The directory part of a glob before its first wildcard."""
    head = pattern
    for i, ch in enumerate(pattern):
        if ch in "*?[":
            head = pattern[:i]
            break
    return os.path.dirname(head) or "."


def _target(files_dir: Path, src: str, base: str) -> Path:
    rel = os.path.relpath(os.path.abspath(src), os.path.abspath(base))
    if rel.startswith(os.pardir) or os.path.isabs(rel):
        rel = os.path.basename(src)
    target = (files_dir / rel).resolve()
    if not target.is_relative_to(files_dir.resolve()):
        raise UsageError(f"run.save: {src!r} would land outside the run directory.")
    return target


def _copy(src: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, target)


def save_files(
    files_dir: Path, glob_str: str, base_path: str | None = None, policy: str = "live"
) -> list[str]:
    if policy not in POLICIES:
        raise UsageError(
            f"run.save policy={policy!r}; use one of {', '.join(POLICIES)}."
        )
    pattern = os.fspath(glob_str)
    base = os.fspath(base_path) if base_path is not None else _base_of(pattern)
    saved = []
    index = _read_index(files_dir)
    for src in sorted(glob.glob(pattern, recursive=True)):
        if not os.path.isfile(src):
            continue
        target = _target(files_dir, src, base)
        if policy != "end":
            _copy(src, target)
        if policy != "now":
            index[str(target)] = os.path.abspath(src)
        saved.append(str(target.relative_to(files_dir.resolve())))
    if index:
        _write_index(files_dir, index)
    return saved


def refresh_saved(files_dir: Path) -> None:
    """At finish: copy once more every file saved with policy 'live' or 'end'."""
    for target, src in _read_index(files_dir).items():
        if os.path.isfile(src):
            _copy(src, Path(target))


def _read_index(files_dir: Path) -> dict[str, str]:
    try:
        return json.loads((files_dir / _INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _write_index(files_dir: Path, index: dict[str, str]) -> None:
    files_dir.mkdir(parents=True, exist_ok=True)
    (files_dir / _INDEX).write_text(json.dumps(index), "utf-8")
