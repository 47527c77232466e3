"""``run.save()``: copy files into the run directory, never outside it.

``policy="now"`` copies once; ``"live"`` copies now and again whenever the source
changes (``refresh_live``, called every few seconds by the run's file thread) and at
finish; ``"end"`` copies only at finish (``refresh_saved``). The sources of live and
end files are kept in ``files/.saved.json``.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
from pathlib import Path

from ..errors import UsageError
from .mediafiles import PART_SUFFIX

__all__ = ["save_files", "refresh_saved", "refresh_live", "INDEX_NAME", "PART_SUFFIX"]

POLICIES = ("live", "now", "end")
INDEX_NAME = ".saved.json"

Signature = tuple[int, int]  # (mtime_ns, size)


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
    if rel == INDEX_NAME:
        raise UsageError(
            f"run.save: {src!r} has the name of Runfold's own index of saved files; "
            "rename it or save it under a folder (base_path)."
        )
    return target


def _copy(src: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}{PART_SUFFIX}")
    shutil.copy2(src, part)
    os.replace(part, target)


def signature(path: str | Path) -> Signature | None:
    """What tells a changed file: its mtime and size; None when it is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


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
    index: dict[str, object] = dict(_read_index(files_dir))
    for src in sorted(glob.glob(pattern, recursive=True)):
        if not os.path.isfile(src):
            continue
        target = _target(files_dir, src, base)
        if policy != "end":
            _copy(src, target)
        if policy == "now":
            index.pop(str(target), None)  # saved again as "now": no longer watched
        else:
            index[str(target)] = {"src": os.path.abspath(src), "policy": policy}
        saved.append(str(target.relative_to(files_dir.resolve())))
    if index or (files_dir / INDEX_NAME).exists():
        _write_index(files_dir, index)
    return saved


def refresh_saved(files_dir: Path) -> None:
    """At finish: copy once more every file saved with policy 'live' or 'end'."""
    for target, (src, _) in _read_index(files_dir).items():
        if os.path.isfile(src):
            try:
                _copy(src, Path(target))
            except OSError:
                pass  # disk full or the source went away: keep the last copy


def refresh_live(files_dir: Path, copied: dict[str, Signature]) -> list[str]:
    """Copy again each 'live' file whose source changed since it was last copied
    (``copied``: target -> the source's signature then, kept by the caller).
    Returns the targets copied."""
    done = []
    for target, (src, policy) in _read_index(files_dir).items():
        if policy != "live":
            continue
        now = signature(src)
        if now is None or copied.get(target) == now:
            continue
        if target not in copied and signature(target) == now:
            copied[target] = now  # copied by save() itself (copy2 keeps the mtime)
            continue
        try:
            _copy(src, Path(target))
        except OSError:
            continue  # the source is being replaced, or the disk is full: next time
        copied[target] = now
        done.append(target)
    return done


def _read_index(files_dir: Path) -> dict[str, tuple[str, str]]:
    """target -> (source, policy); indexes written before policies were kept
    hold the source alone and count as 'live'."""
    try:
        raw = json.loads((files_dir / INDEX_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for target, entry in raw.items() if isinstance(raw, dict) else ():
        if isinstance(entry, str):
            out[target] = (entry, "live")
        elif isinstance(entry, dict) and isinstance(entry.get("src"), str):
            out[target] = (entry["src"], str(entry.get("policy", "live")))
    return out


def _write_index(files_dir: Path, index: dict[str, object]) -> None:
    files_dir.mkdir(parents=True, exist_ok=True)
    body = {
        target: {"src": v[0], "policy": v[1]} if isinstance(v, tuple) else v
        for target, v in index.items()
    }
    part = files_dir / f"{INDEX_NAME}{PART_SUFFIX}"
    part.write_text(json.dumps(body), "utf-8")
    os.replace(part, files_dir / INDEX_NAME)  # the file thread reads it meanwhile
