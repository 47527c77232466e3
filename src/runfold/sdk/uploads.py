"""A run's files on its way to the server: ``files/`` and ``output.log``.

``FileThread`` wakes every ``SCAN_SECONDS``. It copies again the ``run.save(...,
policy="live")`` files whose source changed (every mode), and in online mode
uploads each file of the run directory that changed since it last went: files
saved with "now" right after save(), "live" ones each time they change, "end" ones
and a final pass at finish. It never touches the run log or the record queue, so
a slow or absent server delays no ``log()`` and no record.

``upload_changed`` is also what ``runfold sync --base-url`` calls. What went where
is kept in the run directory's ``.uploaded.json`` (per server: path -> mtime and
size), so neither sends a file twice. Both upload through a ``FileUploader``:
``HttpSink`` is one; a local or offline run has none, and its file thread only
copies.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import FileRefused, ServerRejected, ServerUnavailable
from .console import OUTPUT_LOG
from .files import INDEX_NAME, PART_SUFFIX, Signature, refresh_live, signature

__all__ = ["FileThread", "FileUploader", "UploadState", "run_files", "upload_changed"]

SCAN_SECONDS = 2.0
STATE_NAME = ".uploaded.json"
_BACKOFF_MAX_S = 30.0
# A file that keeps changing (output.log, a live checkpoint) goes again no sooner
# than this many times its last upload took (uploads use at most ~10% of the
# time), and than a second per MiB (at most ~1 MiB/s per changing file, whatever
# the link).
_REUPLOAD_FACTOR = 10.0
_REUPLOAD_S_PER_BYTE = 1.0 / (1 << 20)


class FileUploader(Protocol):
    """Where a run's files go: a Runfold server (``sinks.HttpSink``)."""

    base_url: str
    project: str
    run_id: str
    rejected: str | None  # why the server refused the run; None while it takes it

    @property
    def takes_files(self) -> bool:
        """Whether files may go now (the server has accepted the run)."""
        ...

    def upload_file(self, remote: str, path: Path, size: int) -> None:
        """Send the first ``size`` bytes of ``path`` as the run's file ``remote``.
        ServerUnavailable: retry later; FileRefused: this file cannot go as it is;
        ServerRejected: the run is refused; OSError: the file changed meanwhile."""
        ...

    def server_files(self) -> dict[str, int]:
        """The run's files on the server: path -> size ({} when it cannot say)."""
        ...


def run_files(run_dir: Path) -> dict[str, Path]:
    """The files of a run the UI lists, by their path on the server: everything
    under ``files/`` (less Runfold's own bookkeeping and symlinks) and the console
    log as ``output.log`` (unless a saved file already has that name, or it is a
    symlink)."""
    files_dir = run_dir / "files"
    out: dict[str, Path] = {}
    for root, dirs, names in os.walk(files_dir):  # symlinked folders: not entered
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            if name == INDEX_NAME or name.endswith(PART_SUFFIX) or path.is_symlink():
                continue
            out[path.relative_to(files_dir).as_posix()] = path
    console = run_dir / OUTPUT_LOG
    # a symlink is not the run's own console log (issue 18: the server's console
    # route served what one pointed at; `runfold sync` must not upload it either)
    if OUTPUT_LOG not in out and console.is_file() and not console.is_symlink():
        out[OUTPUT_LOG] = console
    return out


@dataclass
class UploadState:
    """What reached one server, kept in ``<run_dir>/.uploaded.json``; refusals
    (by path: reason and the signature refused) are kept in memory only."""

    run_dir: Path
    base_url: str
    sent: dict[str, Signature] = field(default_factory=dict)
    refused: dict[str, tuple[str, Signature]] = field(default_factory=dict)
    # finish() reports while an upload that overran the deadline may still end.
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, run_dir: Path, base_url: str) -> UploadState:
        state = cls(run_dir, base_url)
        try:
            raw = json.loads((run_dir / STATE_NAME).read_text("utf-8"))
            mine = raw.get(base_url, {})
            state.sent = {k: (int(v[0]), int(v[1])) for k, v in mine.items()}
        except (OSError, ValueError, TypeError, AttributeError, IndexError):
            pass
        return state

    def save(self) -> None:
        path = self.run_dir / STATE_NAME
        try:
            try:
                raw = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                raw = {}
            if not isinstance(raw, dict):
                raw = {}
            raw[self.base_url] = {k: list(v) for k, v in self.sent.items()}
            part = path.with_name(STATE_NAME + PART_SUFFIX)
            part.write_text(json.dumps(raw), "utf-8")
            os.replace(part, path)
        except OSError:
            pass  # disk full: at worst a later sync sends these files again

    def pending(self, files: dict[str, Path]) -> dict[str, tuple[Path, Signature]]:
        """The files that changed since they went (or never went), less those
        refused as they are now."""
        out = {}
        for remote, path in files.items():
            sig = signature(path)
            if sig is None or self.sent.get(remote) == sig:
                continue
            refused = self.refused.get(remote)
            if refused is not None and refused[1] == sig:
                continue
            out[remote] = (path, sig)
        return out


def upload_one(
    uploader: FileUploader, state: UploadState, remote: str, path: Path,
    sig: Signature,
) -> bool:  # fmt: skip
    """Upload one file; True when it went. ServerUnavailable and ServerRejected
    (the whole run refused) propagate; a refusal of this file alone is recorded."""
    try:
        uploader.upload_file(remote, path, sig[1])
    except FileRefused as exc:
        with state.lock:
            state.refused[remote] = (str(exc), sig)
        return False
    except OSError:
        return False  # it changed or went away under the upload: next pass
    with state.lock:
        state.sent[remote] = sig
        state.refused.pop(remote, None)
        state.save()
    return True


def upload_changed(
    uploader: FileUploader,
    run_dir: Path,
    *,
    on_refused: Callable[[str, str], Any] | None = None,
) -> tuple[int, dict[str, str]]:
    """``runfold sync``: upload the run's files the server lacks; (files sent,
    {path: why refused}). A file counts as there when this machine sent it as it
    is now and the server still lists it with that size."""
    state = UploadState.load(run_dir, uploader.base_url)
    files = run_files(run_dir)
    if any(remote in state.sent for remote in files):
        listed = uploader.server_files()
        state.sent = {
            k: sig for k, sig in state.sent.items() if listed.get(k) == sig[1]
        }
    count = 0
    for remote, (path, sig) in state.pending(files).items():
        if upload_one(uploader, state, remote, path, sig):
            count += 1
        elif remote in state.refused and on_refused is not None:
            on_refused(remote, state.refused[remote][0])
    return count, {k: why for k, (why, _) in state.refused.items()}


class FileThread:
    """The run's file thread (see the module's docstring). ``finish(deadline)``
    asks for a last pass, retried until ``deadline``; ``report()`` then says what
    did not reach the server. With no ``uploader`` it only copies live files."""

    def __init__(
        self, run_dir: Path, uploader: FileUploader | None,
        every: float | None = None,
    ) -> None:  # fmt: skip
        self.run_dir = run_dir
        self.files_dir = run_dir / "files"
        self.uploader = uploader
        self.every = SCAN_SECONDS if every is None else every
        self.state = (
            UploadState.load(run_dir, uploader.base_url)
            if uploader is not None
            else None
        )
        self.last_error: str | None = None
        self._copied: dict[str, Signature] = {}
        self._next_at: dict[str, float] = {}  # earliest re-upload of a changing file
        self._wake = threading.Event()
        self._finishing = threading.Event()
        self._deadline = float("inf")
        self._thread = threading.Thread(
            target=self._loop, name="runfold-files", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        backoff = 0.0
        while True:
            finishing = self._finishing.is_set()
            try:
                refresh_live(self.files_dir, self._copied)
                ok = True
                if self.uploader is not None:
                    ok = self._upload_pass(self.uploader, finishing)
            except Exception as exc:  # noqa: BLE001 - the thread must outlive surprises
                self.last_error = f"{type(exc).__name__}: {exc}"
                ok = False
            if finishing and (ok or self._gave_up()):
                return
            if ok:
                backoff = 0.0
                wait = self.every
            else:
                cap = 1.0 if finishing else _BACKOFF_MAX_S
                backoff = min(max(0.5, backoff * 2), cap)
                wait = backoff
            if finishing:
                wait = min(wait, max(0.0, self._deadline - time.monotonic()))
            self._wake.wait(wait)
            self._wake.clear()

    def _gave_up(self) -> bool:
        return time.monotonic() >= self._deadline or self._refused_for_good()

    def _refused_for_good(self) -> bool:
        return self.uploader is not None and self.uploader.rejected is not None

    def _upload_pass(self, uploader: FileUploader, finishing: bool) -> bool:
        """Upload what changed; False when the server could not take it (retry)."""
        if not uploader.takes_files:
            # Down at init and not asked since, or the run was refused.
            self.last_error = uploader.rejected or (
                f"the server at {uploader.base_url} has not been reached since init"
            )
            return False
        assert self.state is not None
        now = time.monotonic()
        for remote, (path, sig) in self.state.pending(run_files(self.run_dir)).items():
            if not finishing and now < self._next_at.get(remote, 0.0):
                continue
            started = time.monotonic()
            try:
                upload_one(uploader, self.state, remote, path, sig)
            except (ServerUnavailable, ServerRejected) as exc:
                self.last_error = str(exc)
                return False
            took = time.monotonic() - started
            self._next_at[remote] = time.monotonic() + max(
                self.every, _REUPLOAD_FACTOR * took, _REUPLOAD_S_PER_BYTE * sig[1]
            )
            if finishing and time.monotonic() >= self._deadline:
                return False
        return True

    def wake(self) -> None:
        self._wake.set()

    def finish(self, deadline: float) -> None:
        """Make the last pass (after run.save's 'end' copies) and stop."""
        self._deadline = deadline
        self._finishing.set()
        self._wake.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def report(self, sync_command: str) -> str | None:
        """What did not reach the server, and how to send it; None if all did."""
        if self.uploader is None or self.state is None:
            return None
        uploader = self.uploader
        files = run_files(self.run_dir)
        with self.state.lock:
            refused = dict(self.state.refused)
            missing = sorted(set(self.state.pending(files)) - set(refused))
        lines = [
            f"runfold: {why}; it is kept in {files.get(remote, self.run_dir)}."
            for remote, (why, _) in sorted(refused.items())
        ]
        if missing:
            names = ", ".join(missing[:10]) + (
                f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            )
            why = f" ({self.last_error})" if self.last_error else ""
            lines.append(
                f"runfold: {len(missing)} file(s) of run {uploader.project}/"
                f"{uploader.run_id} did not reach {uploader.base_url}{why}: {names}. "
                f"They are safe in {self.run_dir}; upload them with: {sync_command}"
            )
        return "\n".join(lines) or None
