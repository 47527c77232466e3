"""How ``log()`` takes a media value (``runfold.Image``, ``Table``, a figure ...).

The value encodes itself in the caller's thread (``Media.to_ref``), handing each
file to ``_put``: named by its content, queued once per run for the writer
(``mediafiles``), which writes it before the record that refers to it. The
reference goes into the row's media record (``RecordKind.MEDIA``), kept per key
and step. A value that cannot be encoded drops its key alone, with a warning.
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..media.base import Media, media_path
from .mediafiles import MediaFile

__all__ = ["MediaLogging", "BAD_MEDIA", "NOT_A_NUMBER"]

NOT_A_NUMBER = (
    "runfold.log: {key!r} is a {type}, not a number or a media value, so it was not "
    "logged. Log numbers (int, float, bool, NumPy scalars, 0-d tensors), arrays as "
    "runfold.Histogram, and {media}; put text in run.config or run.summary."
)
BAD_MEDIA = "runfold.log: {key!r} was not logged: {why}"


class MediaLogging:
    """The media half of ``Run.log`` (a mixin: ``Run`` owns the state it uses)."""

    _writer: Any
    _pending_media: dict[str, Any]
    _media_files: set[str]
    _enqueue: Any
    _warn_once: Any

    def _log_other(self, key: str, value: Any) -> None:
        """A value that is no number: a figure, a list of images ... is logged as
        media (``media.convert.coerce``); anything else is dropped with a warning."""
        from ..media.convert import SUPPORTED, coerce

        try:
            media = coerce(value)  # a figure drawn, a list checked: may fail
        except Exception as exc:  # the user's value: never into the training loop
            self._media_failed(key, exc)
            return
        if media is not None:
            self._log_media(key, media)
            return
        message = NOT_A_NUMBER.format(
            key=key, type=type(value).__name__, media=SUPPORTED
        )
        self._warn_once(key, "type", message)

    def _log_media(self, key: str, media: Media) -> None:
        """Encode ``media`` now (its files go to the writer, ``_put``) and keep its
        reference in the row's media record. Bad media drops this key alone."""
        if self._writer is None:  # disabled: nothing is kept, nothing is encoded
            return
        try:
            self._pending_media[key] = media.to_ref(self._put)
        except Exception as exc:  # the user's value: never into the training loop
            self._media_failed(key, exc)

    def _media_failed(self, key: str, exc: Exception) -> None:
        why = str(exc) if isinstance(exc, UsageError) else repr(exc)
        self._warn_once(key, "media", BAD_MEDIA.format(key=key, why=why))

    def _put(self, data: bytes, folder: str, suffix: str) -> tuple[str, str]:
        """A media file of the run, by content: the writer writes each path once."""
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        path = media_path(sha, folder, suffix)
        if path not in self._media_files:
            self._media_files.add(path)
            self._enqueue(MediaFile(path, bytes(data)))
        return path, sha
