"""``runfold.Video``: W&B's ``Video(data_or_path, caption=None, fps=4, format=None)``.

Arrays are (time, channel, height, width), or a batch (batch, time, channel,
height, width) tiled into one grid as W&B does. They are encoded as GIF with
Pillow (the default), or as mp4/webm with imageio and its ffmpeg plugin
(``pip install "runfold[media]"``). Files (gif, mp4, webm, ogg) are kept.

Reference::

    {"_type": "video-file", "path": "media/videos/<sha>.gif", "sha256": ...,
     "size": bytes, "format": "gif", "width": W, "height": H,
     "fps"?, "frames"?, "caption"?}
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import UsageError
from .arrays import is_arraylike, is_path, need, read_path, to_numpy, to_uint8
from .base import Media, Put, file_ref

__all__ = ["Video", "VIDEO_FORMATS", "VIDEO_FILES", "tile_batch"]

VIDEO_FORMATS = ("gif", "mp4", "webm")
VIDEO_FILES = ("gif", "mp4", "webm", "ogg")
# format -> ffmpeg codec, for imageio
_CODECS = {"mp4": "libx264", "webm": "libvpx-vp9"}


class Video(Media):
    """A video logged with ``run.log({"key": runfold.Video(frames, fps=4)})``.

    Frames are uint8 (floats follow Image's scaling: [0, 1] ×255); channels are
    1 (grey), 3 (RGB) or 4 (RGBA; the alpha is dropped). mp4 needs an even width
    and height, so a frame of odd size is padded by one black row or column.
    """

    _type = "video-file"

    def __init__(
        self,
        data_or_path: Any,
        caption: str | None = None,
        fps: float | None = 4,
        format: str | None = None,
    ) -> None:
        self.caption = None if caption is None else str(caption)
        self.fps = _fps(4 if fps is None else fps)
        self.width: int | None = None
        self.height: int | None = None
        self.frames: int | None = None
        self._file: bytes | None = None
        self._pixels: Any = None  # uint8 (time, height, width, 3) or (t, h, w)
        if is_path(data_or_path):
            self._file, self.format = read_path(data_or_path, VIDEO_FILES, "Video")
            self._measure_gif()
        elif is_arraylike(data_or_path):
            self.format = _format(format)
            self._pixels = _frames(to_numpy(data_or_path))
            if self.format != "gif":
                self._pixels = _even(self._pixels)
            self.frames, self.height, self.width = self._pixels.shape[:3]
        else:
            raise UsageError(
                f"Video got a {type(data_or_path).__name__}; it takes a NumPy array "
                "or tensor (time, channel, height, width), a batch of them (batch, "
                f"time, channel, height, width), or a path to a "
                f"{'/'.join(VIDEO_FILES)} file."
            )

    def _measure_gif(self) -> None:
        if self.format != "gif":
            return
        try:
            from PIL import Image as PILImage
        except ImportError:
            return
        assert self._file is not None
        with PILImage.open(io.BytesIO(self._file)) as image:
            self.width, self.height = image.size
            self.frames = getattr(image, "n_frames", 1)

    def encode(self) -> bytes:
        if self._file is not None:
            return self._file
        if self.format == "gif":
            return _gif(self._pixels, self.fps)
        return _ffmpeg(self._pixels, self.fps, self.format)

    def to_ref(self, put: Put) -> dict[str, Any]:
        data = self.encode()
        ref = file_ref(
            put, self._type, data, "videos", "." + self.format,
            format=self.format, width=self.width, height=self.height,
        )  # fmt: skip
        if self._pixels is not None:
            ref["fps"] = self.fps
            ref["frames"] = self.frames
        if self.caption is not None:
            ref["caption"] = self.caption
        return ref

    def __repr__(self) -> str:
        return f"Video({self.frames} frames {self.width}x{self.height} {self.format})"


def _fps(fps: Any) -> float:
    try:
        value = float(fps)
    except (TypeError, ValueError):
        value = 0.0
    if not 0 < value <= 1000:
        raise UsageError(f"Video fps must be a number above 0; got {fps!r}.")
    return int(value) if value == int(value) else value


def _format(format: str | None) -> str:
    name = (format or "gif").lower().lstrip(".")
    if name not in VIDEO_FORMATS:
        raise UsageError(
            f"Video(format={format!r}): use one of {', '.join(VIDEO_FORMATS)}."
        )
    if name != "gif":
        feature, otherwise = f"Video(format={name!r})", ', or use format="gif"'
        need("imageio", feature, otherwise)
        need("imageio_ffmpeg", feature, otherwise)
    else:
        need("PIL.Image", "Video")
    return name


def _frames(array: Any) -> Any:
    """(t, c, h, w) or (b, t, c, h, w) as uint8 frames (t, h, w) or (t, h, w, 3)."""
    if array.ndim == 5:
        array = tile_batch(array)
    if array.ndim != 4 or array.shape[1] not in (1, 3, 4):
        raise UsageError(
            f"Video takes (time, channel, height, width) or (batch, time, channel, "
            f"height, width) with 1, 3 or 4 channels; got shape {tuple(array.shape)}."
        )
    if array.size == 0:
        raise UsageError(f"Video got an empty array of shape {tuple(array.shape)}.")
    pixels = to_uint8(array, "Video")
    pixels = pixels.transpose(0, 2, 3, 1)
    return pixels[..., 0].copy() if pixels.shape[-1] == 1 else pixels[..., :3].copy()


def tile_batch(array: Any) -> Any:
    """(b, t, c, h, w) as one (t, c, rows*h, cols*w) video: W&B's grid, with
    the batch padded by black videos to a power of two."""
    import numpy as np

    b, t, c, h, w = array.shape
    size = 1 << max(b - 1, 0).bit_length()
    if size != b:
        pad = np.zeros((size - b, t, c, h, w), dtype=array.dtype)
        array = np.concatenate([array, pad])
    rows = 2 ** ((size.bit_length() - 1) // 2)
    cols = size // rows
    grid = array.reshape(rows, cols, t, c, h, w).transpose(2, 3, 0, 4, 1, 5)
    return grid.reshape(t, c, rows * h, cols * w)


def _even(pixels: Any) -> Any:
    """Frames padded by a black row or column to an even height and width (what
    mp4 and webm's yuv420p needs)."""
    import numpy as np

    h, w = pixels.shape[1:3]
    if not (h % 2 or w % 2):
        return pixels
    pad = [(0, 0), (0, h % 2), (0, w % 2)] + [(0, 0)] * (pixels.ndim - 3)
    return np.pad(pixels, pad)


def _gif(pixels: Any, fps: float) -> bytes:
    pil = need("PIL.Image", "Video")
    frames = [pil.fromarray(frame) for frame in pixels]
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=max(1, round(1000 / fps)),
        loop=0,
    )
    return out.getvalue()


def _ffmpeg(pixels: Any, fps: float, format: str) -> bytes:
    import numpy as np

    iio = need("imageio.v3", f"Video(format={format!r})")
    if pixels.ndim == 3:
        pixels = np.repeat(pixels[..., None], 3, axis=-1)
    data: bytes = iio.imwrite(
        "<bytes>",
        pixels,
        extension="." + format,
        plugin="FFMPEG",
        fps=fps,
        codec=_CODECS[format],
        macro_block_size=1,
        ffmpeg_log_level="error",
    )
    if not data:
        raise UsageError(f"ffmpeg wrote no {format} video; use format='gif'.")
    return data
