"""A run's files and logged media read back (issue 15), for ``Api`` and ``RemoteApi``.

``Run.files()`` / ``Run.file(name)`` give W&B-shaped ``File`` objects whose
``download(root=...)`` writes the file under ``root``; ``Run.media(key)`` gives
``LoggedMedia`` per step (the W&B reference dict plus the bytes it points to), and
``Run.table(key)`` a pandas DataFrame. Where the bytes come from is the run's
business (``FileSource``): the run directory beside the local store, or the
server's ``GET .../files/<path>``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import NotFound, UsageError

__all__ = [
    "File", "LoggedMedia", "pick", "table_ref", "table_frame", "rows_with_media",
    "missing", "local_file", "local_files",
]  # fmt: skip

Reader = Callable[[str], bytes]  # path relative to the run's files/ -> bytes

NO_TABLE = (
    "{key!r} of run {run!r} is a {kind}, not a table; run.table() reads keys logged "
    "as runfold.Table or runfold.plot.* (use run.media({key!r}) for other media)."
)


class File:
    """One file of a run (W&B's ``File``): ``name``, ``size``, ``download``."""

    def __init__(self, name: str, size: int, read: Reader) -> None:
        self.name = name
        self.size = size
        self._read = read

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.size} bytes)>"

    def read_bytes(self) -> bytes:
        return self._read(self.name)

    def download(
        self, root: str | os.PathLike[str] = ".", replace: bool = False,
        exist_ok: bool = False, **_: Any,
    ) -> Any:  # fmt: skip
        """Write the file to ``root/<name>`` and return it opened for reading
        (binary), as W&B's does. An existing file is an error unless ``replace``
        (write it again) or ``exist_ok`` (keep it)."""
        target = Path(root) / self.name
        if target.exists() and not replace:
            if not exist_ok:
                raise UsageError(
                    f"{str(target)!r} already exists; pass replace=True to overwrite "
                    "it or exist_ok=True to keep it."
                )
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.read_bytes())
        return open(target, "rb")  # noqa: SIM115 - the caller's to close, as in W&B


class LoggedMedia:
    """One logged media value: its step, the W&B reference (``ref``), and its bytes
    (``read_bytes``); ``image()`` and ``numpy()`` decode images, ``items`` are a
    gallery's (a list of images logged as one value)."""

    def __init__(self, step: int, timestamp: float, ref: dict[str, Any], read: Reader):
        self.step = step
        self.timestamp = timestamp
        self.ref = ref
        self._read = read

    def __repr__(self) -> str:
        return f"<LoggedMedia {self.type} step={self.step} {self.path or ''}>"

    @property
    def type(self) -> str:
        return str(self.ref.get("_type", ""))

    @property
    def path(self) -> str | None:
        return self.ref.get("path")

    @property
    def caption(self) -> str | None:
        return self.ref.get("caption")

    @property
    def items(self) -> list[LoggedMedia]:
        return [
            LoggedMedia(self.step, self.timestamp, item, self._read)
            for item in self.ref.get("items", ())
        ]

    def read_bytes(self) -> bytes:
        if not self.path:
            raise UsageError(f"A {self.type} has no file of its own; see .items.")
        return self._read(self.path)

    def image(self) -> Any:
        """The image as a PIL image (needs Pillow)."""
        import io

        try:
            from PIL import Image
        except ImportError:
            raise UsageError(
                "Reading images needs Pillow: pip install Pillow"
            ) from None
        return Image.open(io.BytesIO(self.read_bytes()))

    def numpy(self) -> Any:
        """An image's pixels (H×W or H×W×C, uint8), or an audio file's samples."""
        import numpy as np

        if self.type == "audio-file" and str(self.path).endswith(".wav"):
            import io
            import wave

            with wave.open(io.BytesIO(self.read_bytes())) as w:
                frames = w.readframes(w.getnframes())
                width, channels = w.getsampwidth(), w.getnchannels()
            dtype = {1: np.uint8, 2: np.int16, 4: np.int32}[width]
            samples = np.frombuffer(frames, dtype=dtype)
            return samples.reshape(-1, channels) if channels > 1 else samples
        return np.asarray(self.image())


def pick(rows: list[Any], step: int | None) -> Any:
    """The row at the largest step ≤ ``step`` (the last row when None)."""
    if step is None:
        return rows[-1] if rows else None
    found = None
    for row in rows:
        if row[0] > step:
            break
        found = row
    return found


def table_ref(ref: dict[str, Any], key: str, run_id: str) -> dict[str, Any]:
    """The table of a table value or of a chart (runfold.plot.*)."""
    kind = ref.get("_type")
    if kind == "table-file":
        return ref
    if kind == "chart" and isinstance(ref.get("table"), dict):
        return ref["table"]
    raise UsageError(NO_TABLE.format(key=key, run=run_id, kind=kind))


def table_frame(data: bytes) -> Any:
    from .media.table import table_dataframe

    return table_dataframe(data)


def rows_with_media(
    rows: list[dict[str, Any]], media: dict[str, list[Any]]
) -> list[dict[str, Any]]:
    """History rows with each media key's reference at its step (W&B's history)."""
    by_step = {row["_step"]: row for row in rows}
    for key, values in media.items():
        for step, ts, ref in values:
            row = by_step.get(step)
            if row is None:
                row = by_step[step] = {"_step": step, "_timestamp": ts}
            row[key] = ref
    return [by_step[s] for s in sorted(by_step)]


def missing(path: str, run_id: str) -> NotFound:
    return NotFound(f"Run {run_id!r} has no file {path!r}; run.files() lists them.")


def local_file(root: Path, path: str, run_id: str) -> bytes:
    """The bytes of ``root/path``, a file that must stay inside ``root``."""
    root = root.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise missing(path, run_id)
    return target.read_bytes()


def local_files(root: Path) -> list[tuple[str, int]]:
    """(path, size) of the files under ``root``, by path; Runfold's own (dot
    files: run.save()'s index, files half-written) and symlinks left out."""
    out = []
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(dirpath) / name
            if not name.startswith(".") and not path.is_symlink():
                out.append((path.relative_to(root).as_posix(), path.stat().st_size))
    return out
