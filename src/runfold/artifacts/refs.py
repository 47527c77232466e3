"""References: artifact entries whose bytes stay where they are.

``add_reference(uri)`` records a URI with the checksum or ETag it has when the
version is logged, never its bytes: ``file://`` (the SHA-256 of a file, and each
file of a folder), ``http(s)://`` (a HEAD request's ETag and length),
``s3://`` and ``gs://`` (the object's ETag, when boto3 or
google-cloud-storage is installed and the object is reachable; otherwise the URI
alone). ``fetch`` downloads one when a version is downloaded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from ..errors import UsageError
from .blobs import CHUNK, hash_file
from .manifest import Entry, check_entry_path

__all__ = ["reference_entries", "fetch", "SCHEMES"]

SCHEMES = ("file", "http", "https", "s3", "gs")
HEAD_TIMEOUT_S = 10.0


def reference_entries(
    uri: str, name: str | None, checksum: bool = True, max_objects: int | None = None
) -> Iterator[Entry]:
    """The entries ``add_reference(uri, name)`` adds (a folder gives one per file)."""
    parsed = urlparse(uri)
    if parsed.scheme not in SCHEMES:
        raise UsageError(
            f"add_reference({uri!r}): Runfold records references to "
            f"{', '.join(s + '://' for s in SCHEMES)} URIs."
        )
    if parsed.scheme == "file":
        yield from _file_entries(
            uri, Path(unquote(parsed.path)), name, checksum, max_objects
        )
        return
    base = name or Path(parsed.path).name or parsed.netloc
    check_entry_path(base)
    if not checksum:
        yield Entry(base, None, None, uri)
        return
    digest, size = _remote_checksum(parsed.scheme, uri)
    yield Entry(base, digest, size, uri)


def _file_entries(
    uri: str, path: Path, name: str | None, checksum: bool, max_objects: int | None
) -> Iterator[Entry]:
    if path.is_file():
        entry_name = check_entry_path(name or path.name)
        digest, size = hash_file(path) if checksum else (None, path.stat().st_size)
        yield Entry(entry_name, digest, size, path.resolve().as_uri())
        return
    if not path.is_dir():
        raise UsageError(f"add_reference({uri!r}): there is no file or folder there.")
    count = 0
    for root, dirs, names in os.walk(path):
        dirs.sort()
        for file_name in sorted(names):
            full = Path(root) / file_name
            if not full.is_file():
                continue
            count += 1
            if max_objects is not None and count > max_objects:
                raise UsageError(
                    f"add_reference({uri!r}) finds more than max_objects="
                    f"{max_objects} files; raise it or reference a smaller folder."
                )
            rel = full.relative_to(path).as_posix()
            entry_name = check_entry_path(f"{name}/{rel}" if name else rel)
            digest, size = hash_file(full) if checksum else (None, full.stat().st_size)
            yield Entry(entry_name, digest, size, full.resolve().as_uri())


def _remote_checksum(scheme: str, uri: str) -> tuple[str | None, int | None]:
    """(ETag, size) when the object can be asked for, else (None, None): a
    reference is recorded whether or not its store is reachable now."""
    try:
        if scheme in ("http", "https"):
            import urllib.request

            request = urllib.request.Request(uri, method="HEAD")
            with urllib.request.urlopen(request, timeout=HEAD_TIMEOUT_S) as reply:  # noqa: S310
                length = reply.headers.get("content-length")
                etag = reply.headers.get("etag")
                return (etag.strip('"') if etag else None,
                        int(length) if length and length.isdigit() else None)  # fmt: skip
        if scheme == "s3":
            import boto3  # type: ignore[import-not-found]

            parsed = urlparse(uri)
            head = boto3.client("s3").head_object(
                Bucket=parsed.netloc, Key=parsed.path.lstrip("/")
            )
            return str(head["ETag"]).strip('"'), int(head["ContentLength"])
        if scheme == "gs":
            from google.cloud import storage  # type: ignore[import-not-found]

            parsed = urlparse(uri)
            blob = (
                storage.Client().bucket(parsed.netloc).get_blob(parsed.path.lstrip("/"))
            )
            return (blob.etag, blob.size) if blob is not None else (None, None)
    except Exception:  # noqa: BLE001 - unreachable, no credentials, no package
        return None, None
    return None, None


def fetch(entry: Entry, target: Path) -> None:
    """Download a reference entry to ``target`` (streamed). UsageError when it
    cannot be fetched, or a file reference changed since it was logged."""
    assert entry.ref is not None
    parsed = urlparse(entry.ref)
    part = target.with_name(f".{target.name}.runfold-part")
    try:
        if parsed.scheme == "file":
            source = Path(unquote(parsed.path))
            if not source.is_file():
                raise UsageError(f"Reference {entry.ref} of {entry.path!r} is gone.")
            shutil.copyfile(source, part)
            if entry.digest is not None and hash_file(part)[0] != entry.digest:
                raise UsageError(
                    f"Reference {entry.ref} of {entry.path!r} changed since it was "
                    "logged (its SHA-256 differs)."
                )
        elif parsed.scheme in ("http", "https"):
            _fetch_http(entry.ref, part)
        elif parsed.scheme == "s3":
            _fetch_with("boto3", lambda m: m.client("s3").download_file(
                parsed.netloc, parsed.path.lstrip("/"), str(part)), entry)  # fmt: skip
        elif parsed.scheme == "gs":
            _fetch_with("google.cloud.storage", lambda m: m.Client().bucket(
                parsed.netloc).blob(parsed.path.lstrip("/")).download_to_filename(
                str(part)), entry)  # fmt: skip
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _fetch_http(uri: str, part: Path) -> None:
    import urllib.request

    try:
        with urllib.request.urlopen(uri, timeout=60) as reply, open(part, "wb") as out:  # noqa: S310
            while chunk := reply.read(CHUNK):
                out.write(chunk)
    except OSError as exc:
        raise UsageError(f"Cannot download the reference {uri}: {exc}.") from None


def _fetch_with(module: str, fetch_one: Any, entry: Entry) -> None:
    import importlib

    try:
        loaded = importlib.import_module(module)
    except ImportError:
        raise UsageError(
            f"Downloading {entry.ref} ({entry.path!r}) needs {module.split('.')[0]}; "
            "install it, or download with allow_missing_references=True."
        ) from None
    try:
        fetch_one(loaded)
    except Exception as exc:  # noqa: BLE001 - the cloud library's own errors
        raise UsageError(f"Cannot download the reference {entry.ref}: {exc}.") from None
