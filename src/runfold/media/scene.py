"""``runfold.Object3D`` and ``runfold.Molecule``: 3-D scenes and molecules.

References::

    {"_type": "object3D-file", "path": "media/object3D/<sha>.pts.json", "sha256",
     "size", "caption"?}
    {"_type": "molecule-file", "path": "media/molecule/<sha>.pdb", "sha256",
     "size", "caption"?}

A point cloud is written as W&B's ``.pts.json``: the list of points, each
[x, y, z], [x, y, z, category] or [x, y, z, r, g, b]; a scene dict
(``{"type": "lidar/beta", "points": ..., "boxes": [...], "vectors": [...]}``)
as that dict in JSON. 3-D model and molecule files are kept as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import UsageError
from .arrays import is_arraylike, is_path, json_default, read_path, to_numpy
from .base import Media, Put, file_ref

__all__ = ["Object3D", "Molecule", "OBJECT3D_FILES", "MOLECULE_FILES"]

OBJECT3D_FILES = ("obj", "gltf", "glb", "babylon", "stl", "pts.json")
MOLECULE_FILES = (
    "pdb",
    "pqr",
    "mmcif",
    "mcif",
    "cif",
    "sdf",
    "sd",
    "gro",
    "mol2",
    "mmtf",
)
_SCENE_KEYS = {"type", "points", "boxes", "vectors"}


class _FileMedia(Media):
    """A value written as one file: ``self._data`` in ``self._folder``."""

    _folder = ""

    def __init__(self, data: bytes, suffix: str, caption: str | None) -> None:
        self._data = data
        self.suffix = suffix
        self.caption = None if caption is None else str(caption)

    def to_ref(self, put: Put) -> dict[str, Any]:
        ref = file_ref(put, self._type, self._data, self._folder, "." + self.suffix)
        if self.caption is not None:
            ref["caption"] = self.caption
        return ref


class Object3D(_FileMedia):
    """W&B's ``Object3D(data_or_path)``: a point cloud array (N×3, N×4 or N×6),
    a ``{"type": "lidar/beta", ...}`` scene dict, or a path to a
    obj/gltf/glb/babylon/stl/pts.json file."""

    _type = "object3D-file"
    _folder = "object3D"

    def __init__(self, data_or_path: Any, caption: str | None = None, **_: Any) -> None:
        if is_path(data_or_path):
            data, suffix = read_path(data_or_path, OBJECT3D_FILES, "Object3D")
        elif isinstance(data_or_path, Mapping):
            data, suffix = _dumps(_scene(data_or_path)), "pts.json"
        elif is_arraylike(data_or_path) or isinstance(data_or_path, list):
            data, suffix = _dumps(_points(data_or_path, "Object3D")), "pts.json"
        else:
            raise UsageError(
                f"Object3D got a {type(data_or_path).__name__}; it takes a point "
                "array (N×3 xyz, N×4 xyz+category, N×6 xyz+rgb), a scene dict with "
                "'type': 'lidar/beta', or a path to a "
                f"{'/'.join(OBJECT3D_FILES)} file."
            )
        super().__init__(data, suffix, caption)


class Molecule(_FileMedia):
    """W&B's ``Molecule(data_or_path)``, from a path to a molecule file."""

    _type = "molecule-file"
    _folder = "molecule"

    def __init__(self, data_or_path: Any, caption: str | None = None, **_: Any) -> None:
        if not is_path(data_or_path):
            raise UsageError(
                f"Molecule got a {type(data_or_path).__name__}; it takes a path to a "
                f"{'/'.join(MOLECULE_FILES)} file."
            )
        data, suffix = read_path(data_or_path, MOLECULE_FILES, "Molecule")
        super().__init__(data, suffix, caption)


def _points(value: Any, where: str) -> list[list[float]]:
    import numpy as np

    points = to_numpy(value)
    if points.ndim != 2 or points.shape[1] not in (3, 4, 6) or not len(points):
        raise UsageError(
            f"{where} points are N×3 (x, y, z), N×4 (+ category) or N×6 (+ r, g, "
            f"b); got shape {tuple(points.shape)}."
        )
    if points.dtype.kind not in "biuf" or not np.isfinite(points).all():
        raise UsageError(f"{where} points must be finite numbers.")
    return points.astype(np.float64).tolist()  # type: ignore[no-any-return]


def _scene(scene: Mapping[str, Any]) -> dict[str, Any]:
    if scene.get("type") != "lidar/beta" or "points" not in scene:
        raise UsageError(
            "An Object3D scene dict needs 'type': 'lidar/beta' and 'points' "
            "(and optional 'boxes' and 'vectors' lists)."
        )
    unknown = set(scene) - _SCENE_KEYS
    if unknown:
        raise UsageError(
            f"Object3D scene keys are {', '.join(sorted(_SCENE_KEYS))}; unknown: "
            f"{', '.join(sorted(unknown))}."
        )
    out: dict[str, Any] = {
        "type": "lidar/beta",
        "points": _points(scene["points"], "Object3D scene"),
    }
    for key in ("boxes", "vectors"):
        if key in scene:
            if not isinstance(scene[key], list | tuple):
                raise UsageError(f"Object3D scene {key!r} must be a list of dicts.")
            out[key] = list(scene[key])
    return out


def _dumps(value: Any) -> bytes:
    try:
        text = json.dumps(
            value, default=json_default, allow_nan=False, separators=(",", ":")
        )
    except (TypeError, ValueError) as e:
        raise UsageError(f"Object3D could not be written as JSON: {e}.") from None
    return text.encode()
