"""``runfold artifact gc``: free the files no version keeps.

A project's files are shared by its versions (``blobs``). Deleting a version
(``artifact.delete()``, ``runfold artifact rm``) forgets it; this removes each
file that no remaining version's manifest lists, and the files of versions
that were never stored (a run killed while staging). A file touched within
``grace`` seconds is kept: a run may be about to store a version that reuses it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from .blobs import BlobStore
from .manifest import Manifest

__all__ = ["collect", "GcResult", "GRACE_S"]

GRACE_S = 3600.0


@dataclass
class GcResult:
    removed: int = 0  # files
    freed: int = 0  # bytes
    kept: int = 0  # files some version lists
    kept_bytes: int = 0
    recent: int = 0  # unlisted files left for now: touched within the grace


def live_files(blobs: BlobStore, digests: Iterable[str]) -> set[str]:
    """The manifests of ``digests`` and every file they list."""
    live: set[str] = set()
    for digest in digests:
        live.add(digest)
        try:
            manifest = Manifest.parse(blobs.read_bytes(digest))
        except (OSError, ValueError):
            continue  # its manifest is gone: nothing more to keep for it
        live.update(e.digest for e in manifest.files() if e.digest is not None)
    return live


def collect(
    blobs: BlobStore, digests: Iterable[str], *, grace: float = GRACE_S,
    dry_run: bool = False,
) -> GcResult:  # fmt: skip
    """Remove the files of ``blobs`` that no version in ``digests`` keeps."""
    live = live_files(blobs, digests)
    cutoff = time.time() - grace
    result = GcResult()
    for sha, path in list(blobs.blobs()):
        try:
            stat = path.stat()
        except OSError:
            continue
        if sha in live:
            result.kept += 1
            result.kept_bytes += stat.st_size
        elif stat.st_mtime > cutoff:
            result.recent += 1
        else:
            result.removed += 1
            result.freed += stat.st_size if dry_run else blobs.remove(sha)
    if not dry_run:
        for part in blobs.stale_parts(older_than=max(grace, 24 * 3600.0)):
            part.unlink(missing_ok=True)
    return result
