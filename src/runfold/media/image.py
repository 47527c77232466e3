"""``runfold.Image``: W&B's ``Image(data_or_path, mode, caption, grouping,
classes, boxes, masks, file_type)``, logged as a PNG (or the file given).

Reference::

    {"_type": "image-file", "path": "media/images/<sha>.png", "sha256": ...,
     "size": bytes, "format": "png", "width": W, "height": H,
     "caption"?, "grouping"?, "classes"?, "masks"?: {name: mask ref},
     "boxes"?: {name: {"_type": "boxes2D", "box_data": [...], "class_labels"}}}
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import UsageError
from .arrays import (
    image_layout,
    is_arraylike,
    is_path,
    is_tensor,
    need,
    read_path,
    to_numpy,
    to_uint8,
)
from .base import Media, Put, file_ref
from .overlays import boxes_of, classes_of, masks_of

__all__ = ["Image", "FILE_TYPES", "is_matplotlib_figure", "figure_png"]

# file_type -> Pillow's format name, for images made from pixels
FILE_TYPES = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
# image files kept as they are
KEPT = ("png", "jpg", "jpeg", "gif")
# image files Pillow reads and Runfold re-encodes as PNG
CONVERTED = ("bmp", "tif", "tiff", "webp")
_TAKES = (
    "a NumPy array (HW, HWC or CHW), a torch tensor (CHW), a PIL image, a "
    f"matplotlib figure, or a path to a {'/'.join(KEPT + CONVERTED)} file"
)


class Image(Media):
    """An image logged with ``run.log({"key": runfold.Image(...)})``.

    Arrays are HW (grey), HWC or CHW (C of 1, 3 or 4); uint8 as they are, floats
    in [0, 1] ×255 (W&B's scaling; see ``arrays.to_uint8``). The pixels are copied
    when the Image is made, so the caller may reuse its buffer.
    """

    _type = "image-file"

    def __init__(
        self,
        data_or_path: Any,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: Any = None,
        boxes: Any = None,
        masks: Any = None,
        file_type: str | None = None,
        normalize: bool = True,
    ) -> None:
        self.caption = None if caption is None else str(caption)
        self.grouping = grouping
        self._file: bytes | None = None  # kept bytes, already in self.format
        self._pil: Any = None  # or a PIL image to encode
        self.format = _file_type(file_type)
        self.width: int | None = None
        self.height: int | None = None
        self._load(data_or_path, mode, normalize)
        size = None if self.width is None else (self.width, int(self.height or 0))
        self._masks = masks_of(masks, size)
        self._boxes = boxes_of(boxes)
        self._classes = classes_of(classes)

    def _load(self, value: Any, mode: str | None, normalize: bool) -> None:
        if isinstance(value, Image):
            self._file, self._pil = value._file, value._pil
            self.format, self.width, self.height = (
                value.format,
                value.width,
                value.height,
            )
        elif is_path(value):
            self._load_path(value)
        elif _is_pil(value):
            self._set_pil(value.copy(), mode)
        elif is_matplotlib_figure(value):
            self._file, self.format = figure_png(value), "png"
            self._measure()
        elif is_arraylike(value) or isinstance(value, list | tuple):
            array = image_layout(to_numpy(value), is_tensor(value), "Image")
            pixels = to_uint8(array, "Image", normalize)
            pil = need("PIL.Image", "Image")
            self._set_pil(pil.fromarray(pixels.copy()), mode)
        else:
            raise UsageError(f"Image got a {type(value).__name__}; it takes {_TAKES}.")

    def _load_path(self, path: Any) -> None:
        data, suffix = read_path(path, KEPT + CONVERTED, "Image")
        if suffix in KEPT:
            self._file, self.format = data, suffix
            self._measure()
            return
        pil = need("PIL.Image", f"Image of a .{suffix} file")
        try:
            image = pil.open(io.BytesIO(data))
            image.load()
        except Exception as e:
            raise UsageError(f"Image could not read {str(path)!r}: {e}") from None
        self.format = "png"
        self._set_pil(image, None)

    def _set_pil(self, image: Any, mode: str | None) -> None:
        if mode is not None:
            image = image.convert(mode)
        self._pil = image
        self.width, self.height = image.size

    def _measure(self) -> None:
        """Width and height of a kept file (None where Pillow is not installed)."""
        try:
            from PIL import Image as PILImage
        except ImportError:
            return
        assert self._file is not None
        try:
            with PILImage.open(io.BytesIO(self._file)) as image:
                self.width, self.height = image.size
        except Exception as e:
            raise UsageError(
                f"Image could not read this {self.format} file: {e}"
            ) from None

    def encode(self) -> bytes:
        """The image file's bytes, in ``self.format``."""
        if self._file is not None:
            return self._file
        return _encode_pil(self._pil, self.format)

    def to_ref(self, put: Put) -> dict[str, Any]:
        data = self.encode()
        ref = file_ref(
            put, self._type, data, "images", "." + self.format,
            format=self.format, width=self.width, height=self.height,
        )  # fmt: skip
        if self.caption is not None:
            ref["caption"] = self.caption
        if self.grouping is not None:
            ref["grouping"] = self.grouping
        if self._classes is not None:
            ref["classes"] = self._classes
        if self._masks:
            ref["masks"] = {m.name: m.to_ref(put) for m in self._masks}
        if self._boxes:
            ref["boxes"] = self._boxes
        return ref

    def __repr__(self) -> str:
        return f"Image({self.width}x{self.height} {self.format})"


def _file_type(file_type: str | None) -> str:
    name = (file_type or "png").lower().lstrip(".")
    if name not in FILE_TYPES:
        raise UsageError(
            f"Image(file_type={file_type!r}): use one of {', '.join(FILE_TYPES)}."
        )
    return name


def _encode_pil(image: Any, file_type: str) -> bytes:
    fmt = FILE_TYPES[file_type]
    if fmt == "JPEG" and image.mode not in ("L", "RGB", "CMYK"):
        image = image.convert("RGB")
    elif image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    out = io.BytesIO()
    try:
        image.save(out, format=fmt)
    except (OSError, KeyError, ValueError) as e:
        raise UsageError(
            f"Image could not be saved as {file_type} ({e}); use file_type='png'."
        ) from None
    return out.getvalue()


def _is_pil(value: Any) -> bool:
    return any(
        c.__module__.startswith("PIL.") for c in type(value).__mro__
    ) and hasattr(value, "save")


def is_matplotlib_figure(value: Any) -> bool:
    """A matplotlib Figure, found without importing matplotlib."""
    return any(
        c.__module__ == "matplotlib.figure" and c.__name__ == "Figure"
        for c in type(value).__mro__
    )


def figure_png(figure: Any) -> bytes:
    """The figure as a PNG of its own size: ``get_size_inches() * dpi`` pixels
    (the user's ``savefig.bbox = "tight"`` is not applied)."""
    import matplotlib

    out = io.BytesIO()
    with matplotlib.rc_context({"savefig.bbox": "standard"}):
        figure.savefig(out, format="png", dpi=figure.dpi)
    return out.getvalue()
