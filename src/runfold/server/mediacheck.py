"""What the server takes as media (issue 15): the records that refer to media
files, and the files themselves.

A media record is ``[step, timestamp, {key: reference}]`` rows, each reference a
small JSON object with a string ``_type``; the paths it names must be media paths
(``media/<folder>/<name>``). A media file is uploaded under such a path, whose
name is the first 32 hex digits of its content's SHA-256 and a known suffix
(``media.base.media_path``): the server hashes what it receives and keeps the file
only when the name matches, so a file cannot be passed off as another, and only
the suffixes below (images, audio, video, HTML, JSON and molecule files) are kept.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import UsageError
from .jsonsafe import MAX_DEPTH, nests_deeper

__all__ = ["MEDIA_SUFFIXES", "checked_media_rows", "media_name_problem", "is_media"]

MEDIA_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp",
    ".wav", ".mp3", ".ogg", ".flac",
    ".mp4", ".webm",
    ".html", ".json", ".pdb", ".sdf", ".mol", ".xyz", ".pdbqt", ".mol2", ".cif",
)  # fmt: skip
_NAME = re.compile(r"^[0-9a-f]{32}(\.[A-Za-z0-9]{1,12})+$")
_PATH = re.compile(r"^media/[A-Za-z0-9_-]{1,40}/[0-9a-f]{32}(\.[A-Za-z0-9]{1,12})+$")
MAX_REF_BYTES = 1 << 20  # one reference (boxes are inline): 1 MiB of JSON at most
MAX_KEY = 256


def is_media(path: str) -> bool:
    return path.startswith("media/")


def media_name_problem(path: str) -> str | None:
    """Why ``path`` is not a media file path the server keeps; None when it is."""
    name = path.rsplit("/", 1)[-1]
    if not _PATH.match(path) or not _NAME.match(name):
        return (
            f"media file path {path!r} is not media/<folder>/<32 hex digits of its "
            "SHA-256><suffix>, as runfold.log writes them"
        )
    if not name.lower().endswith(MEDIA_SUFFIXES):
        return (
            f"media file {path!r} has a suffix the server does not keep; it keeps "
            f"{', '.join(MEDIA_SUFFIXES)}"
        )
    return None


def _paths(ref: Any) -> list[str]:
    """Every ``path`` a reference names, nested ones (masks, table cells) too."""
    if isinstance(ref, dict):
        found = [ref["path"]] if isinstance(ref.get("path"), str) else []
        return found + [p for v in ref.values() for p in _paths(v)]
    if isinstance(ref, list):
        return [p for v in ref for p in _paths(v)]
    return []


def checked_media_rows(i: int, rows: list[Any]) -> list[Any]:
    """Rows ``[step, timestamp, {key: reference}]``, or UsageError saying which."""
    for j, row in enumerate(rows):
        where = f"Record {i} (media) row {j}"
        ok = (
            isinstance(row, list) and len(row) == 3 and type(row[0]) is int
            and row[0] >= 0 and isinstance(row[1], (int, float))
            and isinstance(row[2], dict)
        )  # fmt: skip
        if not ok:
            raise UsageError(
                f'{where} must be [step, timestamp, {{key: {{"_type": ...}}}}].'
            )
        for key, ref in row[2].items():
            if type(key) is not str or not 0 < len(key) <= MAX_KEY:
                raise UsageError(
                    f"{where} has a key that is not 1-{MAX_KEY} characters."
                )
            if not isinstance(ref, dict) or not isinstance(ref.get("_type"), str):
                raise UsageError(f'{where}: {key!r} must be an object with a "_type".')
            if nests_deeper(ref, MAX_DEPTH):
                raise UsageError(f"{where}: {key!r} nests deeper than {MAX_DEPTH}.")
            if len(json.dumps(ref, default=str)) > MAX_REF_BYTES:
                raise UsageError(f"{where}: {key!r} is over {MAX_REF_BYTES} bytes.")
            for path in _paths(ref):
                why = media_name_problem(path)
                if why:
                    raise UsageError(f"{where}: {key!r}: {why}.")
    return rows
