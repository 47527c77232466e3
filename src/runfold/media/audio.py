"""``runfold.Audio``: W&B's ``Audio(data_or_path, sample_rate=None, caption=None)``.

Arrays become 16-bit PCM WAV files, written with the standard library's
``wave`` (no dependency); files (wav, mp3, ogg, flac, m4a) are kept as they are.

Reference::

    {"_type": "audio-file", "path": "media/audio/<sha>.wav", "sha256": ...,
     "size": bytes, "sample_rate": Hz or None, "duration": seconds or None,
     "caption"?}
"""

from __future__ import annotations

import io
import wave
from typing import Any

from ..errors import UsageError
from .arrays import is_arraylike, is_path, read_path, to_numpy
from .base import Media, Put, file_ref

__all__ = ["Audio", "AUDIO_FILES", "wav_bytes"]

AUDIO_FILES = ("wav", "mp3", "ogg", "flac", "m4a")


class Audio(Media):
    """Samples as a 1-D array (mono) or 2-D (frames, channels); a 2-D array
    with at most 8 rows and more columns is read as (channels, frames), torch's
    layout. Floats are in [-1, 1] (clipped), int16 as they are."""

    _type = "audio-file"

    def __init__(
        self,
        data_or_path: Any,
        sample_rate: int | None = None,
        caption: str | None = None,
    ) -> None:
        self.caption = None if caption is None else str(caption)
        self.sample_rate: int | None = None
        self.duration: float | None = None
        self._file: bytes | None = None
        self._samples: Any = None  # int16 (frames, channels)
        self.format = "wav"
        if is_path(data_or_path):
            self._file, self.format = read_path(data_or_path, AUDIO_FILES, "Audio")
            self._read_header(sample_rate)
        elif is_arraylike(data_or_path) or isinstance(data_or_path, list | tuple):
            self.sample_rate = _rate(sample_rate)
            self._samples = _pcm16(to_numpy(data_or_path))
            self.duration = len(self._samples) / self.sample_rate
        else:
            raise UsageError(
                f"Audio got a {type(data_or_path).__name__}; it takes a NumPy array "
                "of samples (with sample_rate=...), a torch tensor, or a path to a "
                f"{'/'.join(AUDIO_FILES)} file."
            )

    def _read_header(self, sample_rate: int | None) -> None:
        self.sample_rate = None if sample_rate is None else _rate(sample_rate)
        if self.format != "wav":
            return
        assert self._file is not None
        try:
            with wave.open(io.BytesIO(self._file)) as reader:
                self.sample_rate = reader.getframerate()
                self.duration = reader.getnframes() / self.sample_rate
        except (wave.Error, EOFError, ZeroDivisionError):
            pass  # a WAV the stdlib cannot parse (float samples): kept as it is

    def to_ref(self, put: Put) -> dict[str, Any]:
        if self._file is not None:
            data = self._file
        else:
            assert self.sample_rate is not None
            data = wav_bytes(self._samples, self.sample_rate)
        ref = file_ref(
            put, self._type, data, "audio", "." + self.format,
            sample_rate=self.sample_rate, duration=self.duration,
        )  # fmt: skip
        if self.caption is not None:
            ref["caption"] = self.caption
        return ref

    def __repr__(self) -> str:
        return f"Audio({self.format}, {self.duration} s at {self.sample_rate} Hz)"


def wav_bytes(samples: Any, sample_rate: int) -> bytes:
    """int16 samples (frames, channels) as a 16-bit PCM WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(samples.shape[1])
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def _rate(sample_rate: Any) -> int:
    if sample_rate is None:
        raise UsageError(
            "Audio from an array needs its sample rate: "
            "runfold.Audio(samples, sample_rate=16000)."
        )
    try:
        rate = int(sample_rate)
        valid = rate == sample_rate and rate > 0 and not isinstance(sample_rate, bool)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise UsageError(
            f"Audio sample_rate must be a positive integer (Hz); got {sample_rate!r}."
        )
    return rate


def _pcm16(array: Any) -> Any:
    """Samples as int16 (frames, channels)."""
    import numpy as np

    if array.ndim == 1:
        array = array[:, None]
    elif array.ndim == 2 and array.shape[0] <= 8 < array.shape[1]:
        array = array.T  # (channels, frames)
    elif array.ndim != 2:
        raise UsageError(
            f"Audio takes 1-D (mono) or 2-D (frames, channels) samples; got shape "
            f"{tuple(array.shape)}."
        )
    if array.size == 0:
        raise UsageError("Audio got no samples (an empty array).")
    kind = array.dtype.kind
    if kind == "f":
        if not np.isfinite(array).all():
            raise UsageError(
                "Audio samples hold NaN or infinite values; replace them "
                "(e.g. np.nan_to_num) before logging."
            )
        return np.rint(np.clip(array, -1.0, 1.0) * 32767).astype(np.int16)
    if array.dtype == np.int16:
        return array
    if array.dtype == np.int32:
        return (array >> 16).astype(np.int16)
    if array.dtype == np.uint8:
        return ((array.astype(np.int16) - 128) << 8).astype(np.int16)
    if kind in "iu" and array.min() >= -32768 and array.max() <= 32767:
        return array.astype(np.int16)
    raise UsageError(
        f"Audio takes float samples in [-1, 1] or int16; got dtype {array.dtype}"
        + (" with values outside the int16 range." if kind in "iu" else ".")
    )
