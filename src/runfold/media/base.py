"""What every logged media value is: an object that ``to_ref`` turns into files of
the run (through ``put``) and a reference, a small JSON-able dict in W&B's shape
(``{"_type": "image-file", "path": "media/images/<sha>.png", "sha256": ...}``).

``log()`` calls ``to_ref`` in the caller's thread (the encode of what the user
passed is the only cost it pays); ``put`` hands the bytes to the run's writer,
which writes each content-addressed file once, before the record that refers to
it reaches the run log. Nothing here imports more than the standard library:
``import runfold`` loads this module, NumPy and Pillow load on first encode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["Media", "Put", "MemoryFiles", "media_path", "file_ref", "MEDIA_DIR"]

# Where media files live inside a run's ``files/`` folder.
MEDIA_DIR = "media"

# put(data, folder, suffix) -> (path relative to the run's files/, sha256 hex)
Put = Callable[[bytes, str, str], tuple[str, str]]


def media_path(sha256: str, folder: str, suffix: str) -> str:
    """The content-addressed path of a media file: the same bytes, the same path."""
    return f"{MEDIA_DIR}/{folder}/{sha256[:32]}{suffix}"


def file_ref(
    put: Put, kind: str, data: bytes, folder: str, suffix: str, **fields: Any
) -> dict[str, Any]:
    """Write ``data`` through ``put``; the reference W&B gives such a file:
    ``{"_type": kind, "path", "sha256", "size"}`` and then ``fields``."""
    path, sha = put(data, folder, suffix)
    return {"_type": kind, "path": path, "sha256": sha, "size": len(data), **fields}


class Media:
    """Base of the values ``log()`` stores as files (Image, Audio, Table ...)."""

    _type: ClassVar[str] = ""

    def to_ref(self, put: Put) -> dict[str, Any]:
        """Write this value's files through ``put``; return its reference."""
        raise NotImplementedError


class MemoryFiles:
    """A ``put`` that keeps the files in memory (tests, and reading a logged table
    back): ``files[path]`` is the bytes; ``read(path)`` the same, for decoders."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def __call__(self, data: bytes, folder: str, suffix: str) -> tuple[str, str]:
        sha = hashlib.sha256(data).hexdigest()
        path = media_path(sha, folder, suffix)
        self.files.setdefault(path, bytes(data))
        return path, sha

    def read(self, path: str) -> bytes:
        return self.files[path]
