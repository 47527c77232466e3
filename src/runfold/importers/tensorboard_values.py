"""TensorBoard's summary values, once ``data_compat`` has made them tensors, as
Runfold's: a histogram's ``(k, 3)`` buckets as edges and counts, an image
summary's ``[width, height, encoded image ...]`` as image media (a gallery when
it holds several), a text summary's strings as a table, and the hparams plugin's
session values as config.
"""

from __future__ import annotations

import json
from typing import Any

from ..media.base import Put, file_ref

__all__ = ["histogram", "Images", "TextTable", "hparams"]

_FORMATS = {b"\x89PNG": ("png", ".png"), b"\xff\xd8\xff": ("jpg", ".jpg"),
            b"GIF8": ("gif", ".gif")}  # fmt: skip


def histogram(array: Any) -> dict[str, list[float]] | None:
    """``[[left, right, count], ...]`` as ``{"bins": edges, "counts"}``."""
    if array.ndim != 2 or array.shape[1] != 3 or not len(array):
        return None
    edges = [float(left) for left in array[:, 0]] + [float(array[-1, 1])]
    return {"bins": edges, "counts": [float(c) for c in array[:, 2]]}


def _format(data: bytes) -> tuple[str, str] | None:
    return next((f for magic, f in _FORMATS.items() if data.startswith(magic)), None)


class Images:
    """The images of one image summary, written when the row is."""

    def __init__(self, width: int, height: int, images: list[bytes]) -> None:
        self.width = width
        self.height = height
        self.images = images

    @classmethod
    def from_tensor(cls, array: Any) -> Images | None:
        values = [bytes(v) for v in array.reshape(-1)]
        if len(values) < 3:
            return None
        try:
            width, height = int(values[0]), int(values[1])
        except ValueError:
            return None
        images = [v for v in values[2:] if _format(v) is not None]
        return cls(width, height, images) if images else None

    def _one(self, data: bytes, put: Put) -> dict[str, Any]:
        fmt, suffix = _format(data) or ("png", ".png")
        return file_ref(
            put, "image-file", data, "images", suffix, format=fmt, width=self.width,
            height=self.height,
        )  # fmt: skip

    def to_ref(self, put: Put) -> dict[str, Any] | None:
        items = [self._one(data, put) for data in self.images]
        if len(items) == 1:
            return items[0]
        return {
            "_type": "images/separated", "count": len(items),
            "format": items[0]["format"], "width": self.width, "height": self.height,
            "filenames": [item["path"] for item in items], "items": items,
        }  # fmt: skip


class TextTable:
    """A text summary (a string, or a list or table of them) as a Runfold table."""

    def __init__(self, array: Any) -> None:
        self.array = array

    def to_ref(self, put: Put) -> dict[str, Any] | None:
        def text(value: Any) -> str:
            return bytes(value).decode("utf-8", "replace")

        array = self.array
        if array.ndim <= 1:
            columns = ["text"]
            rows = [[text(v)] for v in array.reshape(-1)]
        else:
            flat = array.reshape(array.shape[0], -1)
            columns = [str(i) for i in range(flat.shape[1])]
            rows = [[text(v) for v in row] for row in flat]
        doc = {"columns": columns, "data": rows,
               "column_types": {c: "string" for c in columns}}  # fmt: skip
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        return file_ref(
            put, "table-file", body, "tables", ".table.json", ncols=len(columns),
            nrows=len(rows),
        )  # fmt: skip


def hparams(content: bytes) -> dict[str, Any]:
    """The hyperparameters of an hparams session start; {} for the plugin's
    other summaries (the experiment's domains, the session's end)."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    if not data.HasField("session_start_info"):
        return {}
    out: dict[str, Any] = {}
    for name, value in data.session_start_info.hparams.items():
        kind = value.WhichOneof("kind")
        if kind == "number_value":
            number = value.number_value
            out[name] = (
                int(number) if number.is_integer() and abs(number) < 2**53 else number
            )
        elif kind in ("string_value", "bool_value"):
            out[name] = getattr(value, kind)
    return out
