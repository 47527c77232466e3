"""A version's entries on disk: download, verify, checkout.

Downloads write each file through a part file, in pieces (a 5 GB checkpoint is
never in memory), and skip a file already there with the same content. Entry
paths were checked when the manifest was read (``manifest.check_entry_path``);
every target is checked again to stay inside ``root``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from . import refs
from .blobs import hash_file
from .manifest import Entry, Manifest

if TYPE_CHECKING:
    from .sources import Source

__all__ = ["ArtifactEntry", "download", "verify", "checkout", "target_in"]


def target_in(root: Path, path: str) -> Path:
    """``root/path``, refused when it would land outside ``root``."""
    base = root.resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or target == base:
        raise UsageError(f"Artifact entry {path!r} would land outside {str(root)!r}.")
    return target


def _same(target: Path, entry: Entry) -> bool:
    try:
        if entry.size is not None and target.stat().st_size != entry.size:
            return False
    except OSError:
        return False
    return entry.digest is None or hash_file(target)[0] == entry.digest


def fetch_entry(entry: Entry, source: Source, target: Path) -> None:
    if entry.ref is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        refs.fetch(entry, target)
    else:
        assert entry.digest is not None
        source.copy_to(entry.digest, entry.size, target)


def download(
    manifest: Manifest, source: Source, root: Path, *,
    allow_missing_references: bool = False, path_prefix: str | None = None,
) -> list[str]:  # fmt: skip
    """Write the entries (under ``path_prefix`` when given) into ``root``; the
    paths written (those already there with the same content are kept)."""
    written = []
    for entry in manifest:
        if path_prefix and not entry.path.startswith(path_prefix):
            continue
        target = target_in(root, entry.path)
        if entry.ref is None and target.is_file() and _same(target, entry):
            continue
        try:
            fetch_entry(entry, source, target)
        except UsageError:
            if entry.ref is not None and allow_missing_references:
                continue
            raise
        written.append(entry.path)
    return written


def verify(manifest: Manifest, root: Path) -> None:
    """UsageError (a ValueError) unless ``root`` holds exactly the version's
    files, each with its SHA-256; references are not checked (W&B's rule)."""
    problems = []
    wanted = {e.path: e for e in manifest.files()}
    for entry in wanted.values():
        target = target_in(root, entry.path)
        if not target.is_file():
            problems.append(f"{entry.path}: missing")
        elif not _same(target, entry):
            problems.append(f"{entry.path}: changed (its SHA-256 is not the version's)")
    refs_ = {e.path for e in manifest if e.ref is not None}
    for found in _files_under(root):
        if found not in wanted and found not in refs_:
            problems.append(f"{found}: not in the version")
    if problems:
        shown = "; ".join(problems[:20]) + (
            f"; and {len(problems) - 20} more" if len(problems) > 20 else ""
        )
        raise UsageError(f"{str(root)!r} does not match the artifact: {shown}.")


def checkout(manifest: Manifest, source: Source, root: Path) -> None:
    """Make ``root`` exactly the version: files downloaded or replaced, files the
    version does not have removed."""
    root.mkdir(parents=True, exist_ok=True)
    keep = {e.path for e in manifest}
    for found in _files_under(root):
        if found not in keep:
            (root / found).unlink()
    download(manifest, source, root)


def _files_under(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    out = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            out.append((Path(folder) / name).relative_to(root).as_posix())
    return out


class ArtifactEntry:
    """One entry of a version (W&B's ``ArtifactManifestEntry``): ``path``
    (also ``name``), ``digest``, ``size``, ``ref``; ``download(root)``."""

    def __init__(self, entry: Entry, artifact: Any) -> None:
        self._entry = entry
        self._artifact = artifact

    def __repr__(self) -> str:
        return f"<ArtifactEntry {self.path} ({self.size} bytes)>"

    path = property(lambda self: self._entry.path)
    name = path
    digest = property(lambda self: self._entry.digest)
    size = property(lambda self: self._entry.size)
    ref = property(lambda self: self._entry.ref)

    def ref_url(self) -> str:
        return self._entry.ref or f"runfold-artifact://{self._entry.digest}"

    def download(self, root: str | os.PathLike[str] | None = None, **_: Any) -> str:
        """Write this entry to ``root/<path>`` (default: the version's own
        download folder); the file's path."""
        folder = Path(root) if root is not None else self._artifact._default_root()
        target = target_in(folder, self.path)
        if not (
            self._entry.ref is None and target.is_file() and _same(target, self._entry)
        ):
            fetch_entry(self._entry, self._artifact._reader(), target)
        return str(target)

    def read_bytes(self) -> bytes:
        if self._entry.ref is not None or self._entry.digest is None:
            raise UsageError(f"{self.path!r} is a reference; download() fetches it.")
        return bytes(self._artifact._reader().read(self._entry.digest))
