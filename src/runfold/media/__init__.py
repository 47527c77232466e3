"""W&B's media value types: ``Image``, ``Audio``, ``Video``, ``Html``,
``Object3D``, ``Molecule``, ``Plotly`` and ``Table``, each a ``Media`` whose
``to_ref(put)`` writes its files and returns W&B's reference dict.

Only ``base`` is imported with this package; each type's module (and NumPy,
Pillow ...) loads on first use of its name (``runfold.media.Image``).
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import MEDIA_DIR, Media, MemoryFiles, Put, media_path

__all__ = [
    "MEDIA_DIR",
    "Media",
    "MemoryFiles",
    "Put",
    "media_path",
    "Image",
    "Audio",
    "Video",
    "Html",
    "Object3D",
    "Molecule",
    "Plotly",
    "Table",
    "Gallery",
    "table_from_bytes",
    "table_dataframe",
    "coerce",
    "SUPPORTED",
]

# public name -> the module (under runfold.media) that defines it
_LAZY = {
    "Image": "image",
    "Audio": "audio",
    "Video": "video",
    "Html": "html",
    "Plotly": "html",
    "Object3D": "scene",
    "Molecule": "scene",
    "Table": "table",
    "table_from_bytes": "table",
    "table_dataframe": "table",
    "Gallery": "convert",
    "coerce": "convert",
    "SUPPORTED": "convert",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
