"""What an artifact version is: a manifest, and names that are safe to use.

A manifest maps each entry's path (``data/train.csv``) to its content: the
SHA-256 and size of a file, or, for a reference (``s3://bucket/key``), its URI
and the checksum or ETag it had when logged. Its canonical JSON (keys sorted, no
spaces) is itself stored as a content-addressed file, and that file's SHA-256 is
the version's **digest**: two versions with the same entries are one version.
Description, metadata and aliases are not in it: they describe a version, they
do not make it another.

Everything a store or server takes from a client goes through ``Manifest.parse``
and the ``check_*`` functions: entry paths cannot leave the folder they are
downloaded into, and names hold no separators.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

__all__ = [
    "Entry", "Manifest", "check_entry_path", "check_name", "check_alias",
    "check_type", "is_sha256", "parse_ref", "SHA256",
]  # fmt: skip

MANIFEST_VERSION = 1
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
_VERSION_ALIAS = re.compile(r"^v\d+$")
MAX_PATH = 1024
MAX_PART_BYTES = 200  # a part of an entry path: filesystems stop at 255 bytes
MAX_ENTRIES = 1_000_000
MAX_META_BYTES = 1 << 20

BAD_NAME = (
    "artifact name {value!r} is not allowed: use 1-128 letters, digits, '.', '_' "
    "or '-', starting with a letter or digit (no '/' or ':'; 'name:alias' is how "
    "a version is asked for)."
)
BAD_ALIAS = (
    "alias {value!r} is not allowed: use 1-128 letters, digits, '.', '_' or '-', "
    "and not v<number> (those name versions)."
)
BAD_PATH = (
    "artifact entry {value!r} is not allowed: use a relative path inside the "
    "artifact, with '/' between folders, no '..' or '.' parts, no leading '/', no "
    "backslash or NUL, parts under {part} bytes (e.g. data/train.csv)."
)


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(SHA256.match(value))


def check_name(value: object) -> str:
    """An artifact's name (its collection in a project)."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise UsageError(BAD_NAME.format(value=value))
    return value


def check_type(value: object) -> str:
    """An artifact's type: ``dataset``, ``model`` or any such word."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise UsageError(
            f"artifact type {value!r} is not allowed: use 1-128 letters, digits, "
            "'.', '_' or '-' (e.g. 'dataset', 'model')."
        )
    return value


def check_alias(value: object) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise UsageError(BAD_ALIAS.format(value=value))
    if _VERSION_ALIAS.match(value):
        raise UsageError(BAD_ALIAS.format(value=value))
    return value


def check_entry_path(value: object) -> str:
    """An entry's path: relative, '/'-separated, and never leading out of the
    folder it is downloaded into (``..``, absolute paths, drive letters)."""
    bad = (
        not isinstance(value, str)
        or not value
        or len(value) > MAX_PATH
        or value.startswith("/")
        or "\\" in value
        or "\x00" in value
        or (len(value) > 1 and value[1] == ":")  # C:... on Windows
        or any(part in ("", ".", "..") for part in value.split("/"))
        or any(len(part.encode("utf-8", "replace")) > MAX_PART_BYTES
               for part in value.split("/"))
    )  # fmt: skip
    if bad:
        raise UsageError(BAD_PATH.format(value=value, part=MAX_PART_BYTES))
    return value  # type: ignore[return-value]


def parse_ref(text: str, default_alias: str = "latest") -> tuple[str | None, str, str]:
    """``"project/name:alias"`` -> (project or None, name, alias or ``vN``).
    W&B's ``"entity/project/name:alias"`` is taken too (the entity is dropped)."""
    if not isinstance(text, str) or not text:
        raise UsageError(
            f"An artifact is named 'name:alias' or 'name:v3', not {text!r}."
        )
    path, _, alias = text.rpartition(":") if ":" in text else (text, "", "")
    parts = path.strip("/").split("/")
    name = check_name(parts[-1])
    project = parts[-2] if len(parts) >= 2 else None
    alias = alias or default_alias
    if not (_VERSION_ALIAS.match(alias) or is_sha256(alias)):
        check_alias(alias)
    return project, name, alias


@dataclass(frozen=True)
class Entry:
    """One entry: a file (``digest`` is its SHA-256, ``ref`` None) or a
    reference (``ref`` its URI, ``digest`` its checksum or ETag, or None)."""

    path: str
    digest: str | None
    size: int | None
    ref: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"digest": self.digest, "size": self.size}
        if self.ref is not None:
            out["ref"] = self.ref
        return out

    @property
    def is_file(self) -> bool:
        return self.ref is None


class Manifest:
    """An artifact version's entries by path; ``digest`` names it."""

    def __init__(self, entries: Mapping[str, Entry] | None = None) -> None:
        self.entries: dict[str, Entry] = dict(entries or {})

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries[p] for p in sorted(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def files(self) -> list[Entry]:
        """The entries whose bytes are stored (not references)."""
        return [e for e in self if e.is_file]

    @property
    def size(self) -> int:
        return sum(e.size or 0 for e in self.entries.values())

    def to_bytes(self) -> bytes:
        body = {
            "version": MANIFEST_VERSION,
            "entries": {p: self.entries[p].to_json() for p in sorted(self.entries)},
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        """A manifest from its JSON, every field checked (it may come from a
        client): UsageError says what is wrong."""
        try:
            body = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"An artifact manifest is not valid JSON ({exc})."
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("entries"), dict):
            raise UsageError(
                'An artifact manifest must be {"version": 1, "entries": {...}}.'
            )
        if body.get("version") != MANIFEST_VERSION:
            raise UsageError(
                f"Artifact manifest version {body.get('version')!r} is not known; "
                f"this Runfold reads version {MANIFEST_VERSION}."
            )
        raw = body["entries"]
        if len(raw) > MAX_ENTRIES:
            raise UsageError(f"An artifact holds at most {MAX_ENTRIES} entries.")
        entries = {}
        for path, item in raw.items():
            entries[path] = _entry(path, item)
        return cls(entries)


def _entry(path: str, item: Any) -> Entry:
    check_entry_path(path)
    if not isinstance(item, dict):
        raise UsageError(f"Artifact entry {path!r} must be an object.")
    ref, digest, size = item.get("ref"), item.get("digest"), item.get("size")
    if size is not None and (type(size) is not int or size < 0):
        raise UsageError(f"Artifact entry {path!r} has size {size!r}; use bytes ≥ 0.")
    if ref is None:
        if not is_sha256(digest) or size is None:
            raise UsageError(
                f"Artifact entry {path!r} must have the SHA-256 of its content "
                "(64 hex digits) and its size."
            )
        return Entry(path, digest, size)
    if not isinstance(ref, str) or not ref or len(ref) > 4096 or "\x00" in ref:
        raise UsageError(f"Artifact entry {path!r} has a reference that is not a URI.")
    if digest is not None and (not isinstance(digest, str) or len(digest) > 256):
        raise UsageError(f"Artifact entry {path!r} has a checksum that is not text.")
    return Entry(path, digest, size, ref)


def check_metadata(value: Any) -> dict[str, Any]:
    """Metadata: a JSON object of at most 1 MiB."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UsageError(
            f"artifact metadata must be a dict, not {type(value).__name__}."
        )
    try:
        text = json.dumps(dict(value), default=str)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"artifact metadata is not JSON ({exc}).") from None
    if len(text) > MAX_META_BYTES:
        raise UsageError(f"artifact metadata is over {MAX_META_BYTES} bytes of JSON.")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
