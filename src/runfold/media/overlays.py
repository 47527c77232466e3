"""What an Image carries besides its pixels, in W&B's shapes: segmentation masks
(each its own PNG file), bounding boxes and class lists (inline in the image's
reference). Everything is checked when the Image is made."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

from ..errors import UsageError
from .arrays import is_path, need, read_path, to_numpy
from .base import Put, file_ref

__all__ = ["Mask", "masks_of", "boxes_of", "classes_of", "class_labels"]

_CORNERS = ("minX", "minY", "maxX", "maxY")


class Mask:
    """One named mask: a 2-D array of class ids (0..255) or a PNG file."""

    def __init__(self, name: str, spec: Any, size: tuple[int, int] | None) -> None:
        if not isinstance(spec, Mapping):
            raise UsageError(
                f"masks[{name!r}] must be a dict with 'mask_data' (a 2-D array of "
                "class ids) and optional 'class_labels' ({id: name})."
            )
        self.name = name
        self.labels = class_labels(spec.get("class_labels"), f"masks[{name!r}]")
        self.png: bytes | None = None
        self.values: Any = None
        if spec.get("mask_data") is not None:
            self.values = _mask_values(name, spec["mask_data"], size)
            if self.labels is None:
                ids = sorted({int(v) for v in _unique(self.values)})
                self.labels = {str(i): f"class_{i}" for i in ids}
        elif is_path(spec.get("path")):
            self.png = read_path(spec["path"], ("png",), f"masks[{name!r}]")[0]
        else:
            raise UsageError(
                f"masks[{name!r}] needs 'mask_data' (a 2-D array) or 'path' (a PNG)."
            )

    def to_ref(self, put: Put) -> dict[str, Any]:
        data = self.png if self.png is not None else _encode_mask(self.values)
        ref = file_ref(put, "mask", data, "masks", ".mask.png", format="png")
        if self.labels is not None:
            ref["class_labels"] = self.labels
        return ref


def masks_of(masks: Any, size: tuple[int, int] | None) -> list[Mask]:
    """``masks={"name": {"mask_data": ..., "class_labels": ...}}`` checked;
    ``size`` is the image's (width, height) where known."""
    if masks is None:
        return []
    if not isinstance(masks, Mapping):
        raise UsageError(
            "Image(masks=...) takes {name: {'mask_data': array, 'class_labels': "
            f"{{id: name}}}}; got a {type(masks).__name__}."
        )
    return [Mask(str(name), spec, size) for name, spec in masks.items()]


def _mask_values(name: str, data: Any, size: tuple[int, int] | None) -> Any:
    import numpy as np

    values = to_numpy(data)
    if values.ndim != 2:
        raise UsageError(
            f"masks[{name!r}]['mask_data'] must be 2-D (height, width); got shape "
            f"{tuple(values.shape)}."
        )
    if size is not None and values.shape != (size[1], size[0]):
        raise UsageError(
            f"masks[{name!r}]['mask_data'] has shape {tuple(values.shape)} but the "
            f"image is {size[1]}x{size[0]} (height x width); they must match."
        )
    if values.dtype.kind == "f":
        if not (np.isfinite(values).all() and (values == np.round(values)).all()):
            raise UsageError(
                f"masks[{name!r}]['mask_data'] must hold integer class ids; got "
                "fractional, NaN or infinite values."
            )
    elif values.dtype.kind not in "biu":
        raise UsageError(
            f"masks[{name!r}]['mask_data'] must hold integer class ids; got dtype "
            f"{values.dtype}."
        )
    if values.size and (values.min() < 0 or values.max() > 255):
        raise UsageError(
            f"masks[{name!r}]['mask_data'] class ids must be 0..255; got "
            f"{values.min()}..{values.max()}."
        )
    return values.astype(np.uint8)


def _unique(values: Any) -> Any:
    import numpy as np

    return np.unique(values).tolist()


def _encode_mask(values: Any) -> bytes:
    pil = need("PIL.Image", "A mask")
    out = io.BytesIO()
    pil.fromarray(values).save(out, format="PNG")
    return out.getvalue()


def class_labels(labels: Any, where: str) -> dict[str, str] | None:
    """``{int id: name}`` as JSON keeps it: ``{"0": "person"}``."""
    if labels is None:
        return None
    if not isinstance(labels, Mapping):
        raise UsageError(f"{where} class_labels must be a dict {{id: name}}.")
    out = {}
    for key, value in labels.items():
        try:
            out[str(int(key))] = str(value)
        except (TypeError, ValueError):
            raise UsageError(
                f"{where} class_labels keys are integer class ids; got {key!r}."
            ) from None
    return out


def classes_of(classes: Any) -> list[dict[str, Any]] | None:
    """``classes=[{"id": 1, "name": "cat"}, ...]`` checked and made plain."""
    if classes is None:
        return None
    out = []
    for item in classes if isinstance(classes, list | tuple) else [None]:
        if not isinstance(item, Mapping) or "id" not in item or "name" not in item:
            raise UsageError(
                "Image(classes=...) takes a list of {'id': int, 'name': str} dicts."
            )
        out.append({"id": int(item["id"]), "name": str(item["name"])})
    return out


def boxes_of(boxes: Any) -> dict[str, dict[str, Any]] | None:
    """``boxes={"name": {"box_data": [...], "class_labels": {...}}}`` checked and
    made plain (Python numbers, string class ids), as the reference stores it."""
    if boxes is None:
        return None
    if not isinstance(boxes, Mapping):
        raise UsageError(
            "Image(boxes=...) takes {name: {'box_data': [...], 'class_labels': "
            f"{{...}}}}; got a {type(boxes).__name__}."
        )
    out = {}
    for name, spec in boxes.items():
        where = f"boxes[{str(name)!r}]"
        if not isinstance(spec, Mapping) or not isinstance(
            spec.get("box_data"), list | tuple
        ):
            raise UsageError(f"{where} must be a dict with a 'box_data' list.")
        group: dict[str, Any] = {
            "_type": "boxes2D",
            "box_data": [_box(box, f"{where}['box_data'][{i}]")
                         for i, box in enumerate(spec["box_data"])],
        }  # fmt: skip
        labels = class_labels(spec.get("class_labels"), where)
        if labels is not None:
            group["class_labels"] = labels
        out[str(name)] = group
    return out


def _box(box: Any, where: str) -> dict[str, Any]:
    if not isinstance(box, Mapping) or not isinstance(box.get("position"), Mapping):
        raise UsageError(f"{where} must be a dict with a 'position'.")
    out: dict[str, Any] = {"position": _position(box["position"], where)}
    domain = box.get("domain")
    if domain not in (None, "pixel"):
        raise UsageError(
            f"{where} domain is None (fractions of the image) or 'pixel'; got {domain!r}."
        )
    if domain is not None:
        out["domain"] = domain
    if "class_id" in box:
        out["class_id"] = _integer(box["class_id"], f"{where} class_id")
    if box.get("box_caption") is not None:
        out["box_caption"] = str(box["box_caption"])
    if box.get("scores") is not None:
        scores = box["scores"]
        if not isinstance(scores, Mapping):
            raise UsageError(f"{where} scores must be a dict {{name: number}}.")
        out["scores"] = {
            str(k): _number(v, f"{where} scores") for k, v in scores.items()
        }
    return out


def _position(position: Mapping[str, Any], where: str) -> dict[str, Any]:
    if all(k in position for k in _CORNERS):
        return {k: _number(position[k], f"{where} {k}") for k in _CORNERS}
    if all(k in position for k in ("middle", "width", "height")):
        middle = [_number(v, f"{where} middle") for v in position["middle"]]
        if len(middle) != 2:
            raise UsageError(f"{where} middle is [x, y]; got {position['middle']!r}.")
        return {
            "middle": middle,
            "width": _number(position["width"], f"{where} width"),
            "height": _number(position["height"], f"{where} height"),
        }
    raise UsageError(
        f"{where} position takes minX, minY, maxX, maxY or middle [x, y], width, "
        f"height; got keys {sorted(position)}."
    )


def _number(value: Any, where: str) -> float | int:
    number = value.item() if hasattr(value, "item") else value
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise UsageError(f"{where} must be a number; got {value!r}.")
    if not math.isfinite(number):
        raise UsageError(f"{where} must be finite; got {value!r}.")
    return number


def _integer(value: Any, where: str) -> int:
    number = _number(value, where)
    if number != int(number):
        raise UsageError(f"{where} must be an integer; got {value!r}.")
    return int(number)
