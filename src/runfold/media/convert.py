"""What ``log()`` makes of a value that is neither a number nor a Media:
``coerce(value)`` returns the Media that stands for it, or None.

- a matplotlib Figure, or the ``matplotlib.pyplot`` module (its current
  figure) -> Image (a PNG of the figure's size)
- a plotly figure -> Plotly
- a pandas DataFrame -> Table
- a non-empty list or tuple of media of one type (or of values that coerce to
  it) -> Gallery for images, MediaList for any other type

matplotlib, plotly and pandas are recognised by their classes' modules, never
imported here, so a value of another kind costs no import.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

from ..errors import UsageError
from .base import Media, Put
from .html import Plotly, is_plotly_figure
from .image import Image, is_matplotlib_figure
from .table import Table, is_dataframe

__all__ = ["coerce", "Gallery", "MediaList", "SUPPORTED"]

# The media log() takes, for its warning about a value it cannot store (after
# the numbers and runfold.Histogram, which it names itself).
SUPPORTED = (
    "runfold.Image, Audio, Video, Html, Object3D, Molecule, Plotly and Table, "
    "matplotlib figures (or matplotlib.pyplot itself), plotly figures, pandas "
    "DataFrames, and lists of media of one type"
)


def coerce(value: Any) -> Media | None:
    """The Media ``log()`` stores for ``value``, or None where there is none.
    Raises UsageError for a list that mixes media types."""
    if isinstance(value, Media):
        return value
    if is_matplotlib_figure(value):
        return Image(value)
    if isinstance(value, types.ModuleType) and value.__name__ == "matplotlib.pyplot":
        return Image(value.gcf())
    if is_plotly_figure(value):
        return Plotly(value)
    if is_dataframe(value):
        return Table(dataframe=value)
    if isinstance(value, list | tuple) and value:
        return _sequence(value)
    return None


def _sequence(values: Sequence[Any]) -> Media | None:
    if coerce(values[0]) is None:  # a list of numbers: not media, and quick
        return None
    items = [coerce(v) for v in values]
    if any(item is None for item in items):
        return None
    media = [item for item in items if item is not None]
    if any(isinstance(m, Gallery | MediaList) for m in media):
        raise UsageError("A list of media cannot hold lists; flatten it.")
    kinds = sorted({type(m).__name__ for m in media})
    if len(kinds) > 1:
        raise UsageError(
            f"A list of media must hold one type; got {', '.join(kinds)}. "
            "Log each type under its own key."
        )
    return Gallery(media) if isinstance(media[0], Image) else MediaList(media)


class MediaList(Media):
    """Several media of one type under one key:
    ``{"_type": "media-list", "count": n, "items": [each item's reference]}``."""

    _type = "media-list"

    def __init__(self, items: Sequence[Media]) -> None:
        if not items:
            raise UsageError("A list of media needs at least one item.")
        self.items = list(items)

    def to_ref(self, put: Put) -> dict[str, Any]:
        refs = [item.to_ref(put) for item in self.items]
        return {"_type": self._type, "count": len(refs), "items": refs}


class Gallery(MediaList):
    """Images under one key, in W&B's ``images/separated`` shape::

    {"_type": "images/separated", "count": n, "format": first image's,
     "width": widest, "height": tallest, "filenames": [paths],
     "captions"?: [caption or None], "items": [each image's full reference]}
    """

    _type = "images/separated"

    def to_ref(self, put: Put) -> dict[str, Any]:
        refs = [item.to_ref(put) for item in self.items]
        ref: dict[str, Any] = {
            "_type": self._type,
            "count": len(refs),
            "format": refs[0].get("format"),
            "width": max((r.get("width") or 0 for r in refs), default=0) or None,
            "height": max((r.get("height") or 0 for r in refs), default=0) or None,
            "filenames": [r["path"] for r in refs],
        }
        if any("caption" in r for r in refs):
            ref["captions"] = [r.get("caption") for r in refs]
        ref["items"] = refs
        return ref
