"""Media files on their way from ``log()`` to the run directory.

``log()`` encodes a media value in the caller's thread and queues its bytes as a
``MediaFile``, in order before the record that refers to it; the writer's log
thread writes the file (``write``) when it drains the queue, before that record
is appended to the run log. So a reference that reached the run log always has
its file on disk, and a run killed at any point keeps every file referred to.
Files are named by their content (``media.base.media_path``): one that is
already there is not written again, whether logged twice or by a resumed run.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MediaFile", "write", "PART_SUFFIX"]

# A copy in progress (here, and files.py's run.save copies); renamed over the
# target when whole, so readers (the UI, the uploader) never see half a file.
PART_SUFFIX = ".runfold-part"


class MediaFile:
    """The bytes of a media file, queued with the run's records."""

    __slots__ = ("path", "data")

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path  # relative to the run's files/ folder
        self.data = data


def write(files_dir: Path, item: MediaFile) -> None:
    """Write ``item`` under ``files_dir`` unless its content is there already.
    OSError (a full disk) is the caller's to report."""
    target = files_dir / item.path
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}{PART_SUFFIX}")  # never uploaded half-done
    with open(part, "wb") as f:
        f.write(item.data)
    os.replace(part, target)
