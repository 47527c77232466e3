"""What the media types share: arrays (NumPy, or tensors duck-typed) made into
uint8 pixels, files read by path, and optional packages imported on use with an
error that says how to install them."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = [
    "is_path",
    "is_arraylike",
    "to_numpy",
    "to_uint8",
    "image_layout",
    "need",
    "read_path",
    "json_default",
]

# module -> (the package to install, where Runfold declares it)
_PACKAGES = {
    "PIL.Image": ("Pillow", "runfold[media]"),
    "imageio": ("imageio imageio-ffmpeg", "runfold[media]"),
    "imageio.v3": ("imageio imageio-ffmpeg", "runfold[media]"),
    "imageio_ffmpeg": ("imageio imageio-ffmpeg", "runfold[media]"),
    "pandas": ("pandas", "runfold[figures]"),
}


def need(module: str, feature: str, otherwise: str = "") -> Any:
    """Import ``module`` for ``feature``, or say how to install it (and
    ``otherwise``, what else the user can do)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package, extra = _PACKAGES.get(module, (module, "runfold[media]"))
        raise UsageError(
            f'{feature} needs {package}: pip install "{extra}" '
            f"(or pip install {package}){otherwise}."
        ) from None


def is_path(value: Any) -> bool:
    return isinstance(value, str | os.PathLike)


def read_path(value: Any, suffixes: tuple[str, ...], what: str) -> tuple[bytes, str]:
    """The file's bytes and its suffix (lower case, no dot), which must be one of
    ``suffixes`` (each like ``"png"``; a double one like ``"pts.json"`` works)."""
    path = Path(os.fspath(value))
    name = path.name.lower()
    suffix = next((s for s in suffixes if name.endswith("." + s)), None)
    if suffix is None:
        raise UsageError(
            f"{what} cannot read {str(path)!r}: the file types it takes are "
            f"{', '.join(suffixes)}."
        )
    try:
        return path.read_bytes(), suffix
    except FileNotFoundError:
        raise UsageError(f"{what}: no such file {str(path)!r}.") from None
    except OSError as e:
        raise UsageError(f"{what} could not read {str(path)!r}: {e}.") from None


def is_arraylike(value: Any) -> bool:
    """A NumPy array, a tensor (anything with ``.detach()``), or ``__array__``."""
    return callable(getattr(value, "detach", None)) or hasattr(value, "__array__")


def is_tensor(value: Any) -> bool:
    return callable(getattr(value, "detach", None)) and not hasattr(value, "savefig")


def to_numpy(value: Any) -> Any:
    """Tensors (torch, on any device) become arrays; lists and arrays pass to
    ``np.asarray``."""
    import numpy as np

    if is_tensor(value):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def to_uint8(array: Any, what: str, normalize: bool = True) -> Any:
    """Pixel values as uint8: bool ×255; integers clipped to 0..255; floats in
    [0, 1] ×255, in [-1, 1] mapped onto 0..255, others clipped to 0..255 (W&B's
    rules; ``normalize=False`` only clips). NaN or infinite values are an error."""
    import numpy as np

    kind = array.dtype.kind
    if kind == "b":
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint8:
        return array
    if kind in "iu":
        return np.clip(array, 0, 255).astype(np.uint8)
    if kind != "f":
        raise UsageError(
            f"{what} takes numbers (uint8, or floats in [0, 1]); got dtype {array.dtype}."
        )
    finite = np.isfinite(array)
    if not finite.all():
        nan = int(np.isnan(array).sum())
        raise UsageError(
            f"{what} has {nan} NaN and {int((~finite).sum()) - nan} infinite values; "
            "replace them (e.g. np.nan_to_num) before logging."
        )
    low, high = float(array.min()), float(array.max())
    if normalize and low >= 0 and high <= 1:
        array = array * 255.0
    elif normalize and low >= -1 and high <= 1:
        array = (array + 1.0) * 127.5
    return np.clip(np.rint(array), 0, 255).astype(np.uint8)


def image_layout(array: Any, channels_first: bool, what: str) -> Any:
    """An HW, HWC or CHW array as HW or HWC with 3 or 4 channels (one channel is
    squeezed to HW). ``channels_first`` (tensors) prefers CHW where both fit."""
    if array.ndim == 3:
        first, last = array.shape[0] in (1, 3, 4), array.shape[-1] in (1, 3, 4)
        if first and (channels_first or not last):
            array = array.transpose(1, 2, 0)
        elif not last:
            raise UsageError(
                f"{what} got shape {tuple(array.shape)}: the channels (1, 3 or 4) "
                "must come last (HWC) or first (CHW)."
            )
        if array.shape[-1] == 1:
            array = array[..., 0]
    elif array.ndim != 2:
        hint = (
            " For a batch, log a list: [runfold.Image(x) for x in batch]."
            if array.ndim == 4
            else ""
        )
        raise UsageError(
            f"{what} got a {array.ndim}-D array of shape {tuple(array.shape)}; an "
            f"image is 2-D (HW) or 3-D (HWC or CHW).{hint}"
        )
    if array.size == 0:
        raise UsageError(f"{what} got an empty array of shape {tuple(array.shape)}.")
    return array


def json_default(value: Any) -> Any:
    """For ``json.dumps(default=...)``: NumPy arrays and scalars as lists and
    numbers."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
