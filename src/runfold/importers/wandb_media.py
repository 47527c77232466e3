"""W&B's logged media and histograms made Runfold's.

W&B keeps a media value as a file of the run (``files/media/images/img_3_<20 hex
digits>.png``) and a reference in the history row; Runfold's references have the
same shape (docs/media.md), so each is carried over as it is, with every file it
names copied by its content (``media.base.media_path``) and its ``path``,
``sha256`` and ``size`` pointing at the copy. Where W&B keeps a part in a file of
its own that Runfold keeps in the reference (an image's boxes), that file is read
into the reference. Histograms become a histogram row: ``bins`` (edges) and
``counts``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..media.base import Put
from .source import png_size

__all__ = ["MEDIA_TYPES", "WandbMedia", "histogram"]

# W&B's reference type -> Runfold's media folder.
MEDIA_TYPES = {
    "image-file": "images",
    "images/separated": "images",
    "audio-file": "audio",
    "video-file": "videos",
    "html-file": "html",
    "object3D-file": "object3D",
    "molecule-file": "molecule",
    "plotly-file": "plotly",
    "table-file": "tables",
}
_SUFFIX = re.compile(r"_[0-9a-f]{20}((?:\.[A-Za-z0-9]{1,12}){1,2})$")
# Parts of W&B's references that name W&B's own storage, meaningless here.
_W_AND_B_ONLY = ("artifact_path", "_latest_artifact_path", "log_mode")


def histogram(ref: dict[str, Any]) -> dict[str, list[float]] | None:
    """W&B's ``{"_type": "histogram", "values", "bins" | "packedBins"}`` as
    ``{"bins": edges, "counts"}``; None when it is not one."""
    counts = ref.get("values")
    bins = ref.get("bins")
    packed = ref.get("packedBins")
    if bins is None and isinstance(packed, dict):
        try:
            low, size, n = (
                float(packed["min"]),
                float(packed["size"]),
                int(packed["count"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        bins = [low + i * size for i in range(n + 1)]
    if not isinstance(counts, list) or not isinstance(bins, list):
        return None
    if len(bins) != len(counts) + 1:
        return None
    try:
        return {"bins": [float(b) for b in bins], "counts": [float(c) for c in counts]}
    except (TypeError, ValueError):
        return None


class WandbMedia:
    """One media reference of a W&B run, with the run's ``files/`` folder."""

    def __init__(self, ref: dict[str, Any], files_dir: Path) -> None:
        self.ref = ref
        self.files_dir = files_dir

    def to_ref(self, put: Put) -> dict[str, Any] | None:
        if self.ref.get("_type") == "images/separated":
            return self._gallery(put)
        return self._file(self.ref, put)

    def _read(self, path: Any) -> bytes | None:
        if not isinstance(path, str):
            return None
        root = self.files_dir.resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target.read_bytes()

    def _file(
        self, ref: dict[str, Any], put: Put, folder: str | None = None
    ) -> dict[str, Any] | None:
        data = self._read(ref.get("path"))
        if data is None:
            return None
        kind = ref.get("_type", "")
        path, sha = put(data, folder or MEDIA_TYPES[kind], _suffix(ref["path"]))
        out = {k: v for k, v in ref.items() if k not in _W_AND_B_ONLY}
        out.update(path=path, sha256=sha, size=len(data))
        if kind == "image-file":
            self._image_parts(out, data, put)
        return out

    def _image_parts(self, out: dict[str, Any], data: bytes, put: Put) -> None:
        if out.get("width") is None:
            out["width"], out["height"] = png_size(data)
        masks = out.get("masks")
        if isinstance(masks, dict):
            made = {name: self._mask(m, put) for name, m in masks.items()}
            out["masks"] = {name: m for name, m in made.items() if m is not None}
        boxes = out.get("boxes")
        if isinstance(boxes, dict):
            out["boxes"] = {name: self._boxes(b) for name, b in boxes.items()}
        classes = out.get("classes")
        if isinstance(classes, dict):  # W&B's classes-file: read into the reference
            read = self._json(classes.get("path"))
            found = read.get("class_set") if isinstance(read, dict) else None
            if isinstance(found, list):
                out["classes"] = found
            else:
                del out["classes"]

    def _mask(self, ref: Any, put: Put) -> dict[str, Any] | None:
        if not isinstance(ref, dict):
            return None
        made = self._file({**ref, "_type": "mask"}, put, "masks")
        if made is not None:
            made.setdefault("format", "png")
        return made

    def _boxes(self, ref: Any) -> Any:
        """Boxes inline, as Runfold keeps them (W&B writes them to a file)."""
        if not isinstance(ref, dict) or "box_data" in ref:
            return ref
        read = self._json(ref.get("path"))
        if not isinstance(read, dict):
            return {"_type": "boxes2D", "box_data": []}
        return {"_type": "boxes2D", **read}

    def _json(self, path: Any) -> Any:
        data = self._read(path)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def _gallery(self, put: Put) -> dict[str, Any] | None:
        ref = self.ref
        captions = ref.get("captions")
        items = []
        for i, name in enumerate(ref.get("filenames") or []):
            item: dict[str, Any] = {"_type": "image-file", "path": name}
            item["format"] = ref.get("format", "png")
            if isinstance(captions, list) and i < len(captions):
                item["caption"] = captions[i]
            made = self._file(item, put)
            if made is not None:
                items.append(made)
        if not items:
            return None
        out = {k: v for k, v in ref.items() if k not in _W_AND_B_ONLY}
        out.update(
            count=len(items), filenames=[item["path"] for item in items], items=items
        )
        return out


def _suffix(path: str) -> str:
    """The suffix of a W&B media file: after its 20 hex digits (``.table.json``,
    ``.mask.png``), else its last one."""
    name = path.rsplit("/", 1)[-1]
    found = _SUFFIX.search(name)
    if found:
        return found.group(1).lower()
    return Path(name).suffix.lower()
