"""Content-addressed files: every artifact file stored once, named by its SHA-256.

A ``BlobStore`` is a folder of ``<first 2 hex digits>/<64 hex digits>`` files.
The store keeps one per project (``<files_dir>/artifacts/<project>/blobs``), so
two versions, or two runs, that share a file share its bytes; a run stages what
it logs in one of its own (``<run_dir>/artifacts/blobs``) until the store or the
server has it (local mode stages straight into the store's). Every write goes
to a hidden part file that is renamed into place when whole and checked, so a
blob that is there is always complete; files are read and written in 1 MiB
pieces, never held in memory whole.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..errors import UsageError
from .manifest import is_sha256

__all__ = [
    "BlobStore", "BlobWriter", "blob_root", "staging_root", "hash_file", "CHUNK",
    "PART_SUFFIX",
]  # fmt: skip

CHUNK = 1 << 20
PART_SUFFIX = ".runfold-part"


def blob_root(files_dir: Path, project: str) -> Path:
    """Where a store (or a server) keeps a project's artifact files."""
    return Path(files_dir) / "artifacts" / project / "blobs"


def staging_root(run_dir: Path) -> Path:
    """Where a run stages the files it logs until they are stored."""
    return Path(run_dir) / "artifacts" / "blobs"


def hash_file(path: Path | str) -> tuple[str, int]:
    """(SHA-256 hex, size) of a file, read in pieces."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class BlobWriter:
    """A blob being written (a copy, or an upload as it arrives): ``write``
    pieces, then ``commit()`` checks the SHA-256 (and the name it was asked
    for) and renames it into place; ``abort()`` removes the part file."""

    def __init__(self, store: BlobStore, expected: str | None = None) -> None:
        self.store = store
        self.expected = expected
        store.root.mkdir(parents=True, exist_ok=True)
        self._part = (
            store.root / f".{os.getpid()}.{id(self)}.{time.monotonic_ns()}{PART_SUFFIX}"
        )
        self._file: IO[bytes] | None = open(self._part, "wb")  # noqa: SIM115
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        assert self._file is not None
        self._file.write(chunk)
        self._digest.update(chunk)
        self.size += len(chunk)

    def commit(self) -> str:
        """The blob's SHA-256, once it is in place; UsageError (and nothing kept)
        when it is not the content ``expected``."""
        assert self._file is not None
        self._file.close()
        self._file = None
        sha = self._digest.hexdigest()
        try:
            if self.expected is not None and sha != self.expected:
                raise UsageError(
                    f"artifact file {self.expected} was not kept: its content's "
                    f"SHA-256 is {sha} (a file is named by its content)."
                )
            target = self.store.path(sha)
            if target.exists():
                return sha
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._part, target)
            return sha
        finally:
            self._part.unlink(missing_ok=True)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._part.unlink(missing_ok=True)


class BlobStore:
    """A folder of content-addressed files (see the module's docstring)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"<BlobStore {self.root}>"

    def path(self, sha: str) -> Path:
        if not is_sha256(sha):
            raise UsageError(f"{sha!r} is not a SHA-256 (64 lowercase hex digits).")
        return self.root / sha[:2] / sha

    def has(self, sha: str, size: int | None = None) -> bool:
        try:
            found = self.path(sha).stat().st_size
        except OSError:
            return False
        return size is None or found == size

    def touch(self, sha: str) -> None:
        """Mark a blob as just used: ``gc`` keeps what was touched lately (a run
        about to commit a version that reuses it)."""
        try:
            os.utime(self.path(sha))
        except OSError:
            pass

    def writer(self, expected: str | None = None) -> BlobWriter:
        return BlobWriter(self, expected)

    def copy_in(self, source: Path | str) -> tuple[str, int]:
        """Copy a file in (read once: hashed while copied); (SHA-256, size)."""
        writer = self.writer()
        try:
            with open(source, "rb") as f:
                while chunk := f.read(CHUNK):
                    writer.write(chunk)
            return writer.commit(), writer.size
        except BaseException:
            writer.abort()
            raise

    def put_bytes(self, data: bytes) -> str:
        writer = self.writer()
        writer.write(data)
        return writer.commit()

    def adopt(self, staged: Path, sha: str) -> None:
        """Move a staged blob (another ``BlobStore``'s file) in: a rename on the
        same filesystem, else a copy; a blob already here makes it redundant."""
        target = self.path(sha)
        if target.exists():
            staged.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(staged, target)
            return
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        part = target.with_name(f".{sha}.{os.getpid()}{PART_SUFFIX}")
        shutil.copyfile(staged, part)
        os.replace(part, target)
        staged.unlink(missing_ok=True)

    def read_bytes(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def blobs(self) -> Iterator[tuple[str, Path]]:
        """Every blob here: (SHA-256, path)."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if is_sha256(path.name):
                    yield path.name, path

    def remove(self, sha: str) -> int:
        """Delete a blob; the bytes freed (0 when it was not here)."""
        path = self.path(sha)
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            return 0
        return size

    def stale_parts(self, older_than: float) -> Iterator[Path]:
        """Part files of copies or uploads that never finished (a killed
        process), older than ``older_than`` seconds."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - older_than
        for path in self.root.rglob(f"*{PART_SUFFIX}"):
            try:
                if path.stat().st_mtime < cutoff:
                    yield path
            except OSError:
                continue
