"""Downloaded artifact files kept for the next download (W&B's artifact cache).

Files read from a server are kept here by content (a ``BlobStore``), so a second
download of a version, or of another version sharing its files, reads nothing
over the network. The folder is ``$RUNFOLD_CACHE_DIR`` (``$WANDB_CACHE_DIR``),
else ``$XDG_CACHE_HOME/runfold``, else ``~/.cache/runfold``, under
``artifacts/``; ``runfold artifact cache cleanup`` trims it, least recently used
first. A local store needs no cache: its files are on this disk already.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .blobs import BlobStore

__all__ = ["cache_dir", "cache_blobs", "cleanup"]


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    chosen = env.get("RUNFOLD_CACHE_DIR") or env.get("WANDB_CACHE_DIR")
    if chosen:
        return Path(chosen).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path("~/.cache").expanduser()) / "runfold"


def cache_blobs(environ: Mapping[str, str] | None = None) -> BlobStore:
    return BlobStore(cache_dir(environ) / "artifacts" / "blobs")


def cleanup(max_bytes: int, blobs: BlobStore | None = None) -> tuple[int, int, int]:
    """Remove the least recently used files until the cache holds at most
    ``max_bytes``; (files removed, bytes freed, bytes left)."""
    store = blobs or cache_blobs()
    found = []
    for sha, path in store.blobs():
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((stat.st_mtime, stat.st_size, sha))
    total = sum(size for _, size, _ in found)
    removed = freed = 0
    for _, size, sha in sorted(found):
        if total <= max_bytes:
            break
        freed_now = store.remove(sha)
        removed += 1
        freed += freed_now
        total -= size
    for part in store.stale_parts(older_than=24 * 3600):
        part.unlink(missing_ok=True)
    return removed, freed, total
