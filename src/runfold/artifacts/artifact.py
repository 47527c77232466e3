"""``runfold.Artifact``: W&B's ``Artifact``, built in a script and read back.

A draft collects entries (``add_file``, ``add_dir``, ``new_file``,
``add_reference``, ``add``); ``run.log_artifact`` hands it to the run, whose
writer stages its files by content and records the version (``sdk/runartifacts``);
``wait()`` returns once the store or server has it. A version read back
(``Api().artifact("project/name:alias")``, ``run.use_artifact(...)``) reads its
manifest and files from its ``Source``: ``download``, ``checkout``, ``verify``,
``get_entry``, ``files``, ``get``, lineage (``logged_by``, ``used_by``) and edits
(``aliases``, ``description``, ``metadata`` then ``save()``; ``delete()``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ..errors import NotFound, UsageError
from . import entries as disk
from .manifest import (
    Entry,
    Manifest,
    check_entry_path,
    check_metadata,
    check_name,
    check_type,
)
from .sources import Source

__all__ = ["Artifact", "ArtifactEntry", "artifact_dir"]

ArtifactEntry = disk.ArtifactEntry
Waiter = Callable[[float | None], tuple[dict[str, Any] | None, Source | None]]

DRAFT_ONLY = (
    "artifact {name!r} is logged already: its entries cannot change. Make a new "
    "Artifact (or artifact.new_draft()) for another version."
)
NOT_LOGGED = (
    "artifact {name!r} is a draft: log it first (run.log_artifact(artifact)), or "
    "read a logged one with runfold.Api().artifact('project/name:alias')."
)


def artifact_dir() -> Path:
    """Where versions download by default: $RUNFOLD_ARTIFACT_DIR (or
    $WANDB_ARTIFACT_DIR), else ./artifacts."""
    chosen = os.environ.get("RUNFOLD_ARTIFACT_DIR") or os.environ.get(
        "WANDB_ARTIFACT_DIR"
    )
    return Path(chosen or "artifacts")


class Artifact:
    """W&B's ``Artifact(name, type, description=None, metadata=None)``."""

    def __init__(
        self, name: str, type: str, description: str | None = None,  # noqa: A002
        metadata: dict[str, Any] | None = None, incremental: bool = False,
        use_as: str | None = None, **_: Any,
    ) -> None:  # fmt: skip
        self._name = check_name(name)
        self._type = check_type(type)
        self.description = description
        self.metadata: dict[str, Any] = check_metadata(metadata)
        self.aliases: list[str] = []
        # path -> ("file", Path), ("ref", Entry) or ("known", Entry): a file of a
        # stored version (new_draft), staged already
        self._pending: dict[str, tuple[str, Any]] = {}
        self._tmpdir: Path | None = None
        self._manifest: Manifest | None = None
        self._info: dict[str, Any] | None = None
        self._source: Source | None = None
        self._final = False
        self._waiter: Waiter | None = None

    @classmethod
    def _read(cls, info: dict[str, Any], source: Source) -> Artifact:
        """A logged version, read back through ``source``."""
        found = cls(
            info["name"], info["type"], info.get("description"), info.get("metadata")
        )
        found._final = True
        found._set(info, source)
        return found

    def _set(self, info: dict[str, Any], source: Source | None) -> None:
        self._info = info
        self._source = source
        self.aliases = list(info.get("aliases") or [])
        self.description = info.get("description")
        self.metadata = dict(info.get("metadata") or {})

    def __repr__(self) -> str:
        return f"<Artifact {self.name} ({self._type})>"

    # ---- what it is -------------------------------------------------------------

    def _committed(self) -> dict[str, Any] | None:
        if self._info is None and self._waiter is not None:
            self.wait()
        return self._info

    @property
    def name(self) -> str:
        """``name:v3`` once it has a version; the draft's name before."""
        info = self._committed()
        return f"{self._name}:v{info['version']}" if info else self._name

    @property
    def source_name(self) -> str:
        return self.name

    @property
    def collection_name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def version(self) -> str | None:
        """``v3``; None for a draft (or an offline run's, until it is synced)."""
        info = self._committed()
        return f"v{info['version']}" if info else None

    @property
    def project(self) -> str | None:
        info = self._committed()
        return info["project"] if info else None

    @property
    def qualified_name(self) -> str:
        return f"{self.project}/{self.name}" if self.project else self.name

    @property
    def digest(self) -> str | None:
        """The manifest's SHA-256: the version's identity."""
        if self._info is not None:
            return str(self._info["digest"])
        return self._manifest.digest if self._manifest is not None else None

    id = digest

    @property
    def size(self) -> int:
        return self._loaded_manifest().size

    @property
    def file_count(self) -> int:
        return len(self._loaded_manifest())

    @property
    def created_at(self) -> float | None:
        info = self._committed()
        return info["created_at"] if info else None

    @property
    def state(self) -> str:
        return "COMMITTED" if self._info is not None else "PENDING"

    def is_draft(self) -> bool:
        return not self._final

    @property
    def manifest(self) -> Manifest:
        return self._loaded_manifest()

    def _loaded_manifest(self) -> Manifest:
        if self._manifest is None:
            if self._info is None and self._waiter is not None:
                self.wait()
            if self._source is not None and self._info is not None:
                self._manifest = Manifest.parse(self._source.read(self._info["digest"]))
            else:
                self._manifest = Manifest(self._draft_entries())
        return self._manifest

    # ---- building a draft ---------------------------------------------------

    def _editable(self) -> None:
        if self._final:
            raise UsageError(DRAFT_ONLY.format(name=self._name))

    def _add(self, path: str, item: tuple[str, Any], overwrite: bool) -> None:
        check_entry_path(path)
        if path in self._pending and not overwrite:
            raise UsageError(
                f"artifact {self._name!r} has an entry {path!r} already; pass "
                "overwrite=True to replace it, or give this one another name."
            )
        self._pending[path] = item
        self._manifest = None

    def add_file(
        self, local_path: str | os.PathLike[str], name: str | None = None,
        is_tmp: bool = False, skip_cache: bool = False, policy: str = "mutable",
        overwrite: bool = False,
    ) -> ArtifactEntry:  # fmt: skip
        """Add a file as entry ``name`` (default: its file name). Its bytes are
        read when the artifact is logged, by the run's writer."""
        self._editable()
        path = Path(local_path)
        if not path.is_file():
            raise UsageError(f"add_file: {str(path)!r} is not a file.")
        entry = name or path.name
        self._add(entry, ("file", path.resolve()), overwrite)
        return ArtifactEntry(Entry(entry, None, path.stat().st_size), self)

    def add_dir(
        self, local_path: str | os.PathLike[str], name: str | None = None,
        skip_cache: bool = False, policy: str = "mutable", merge: bool = False,
    ) -> None:  # fmt: skip
        """Add every file under a folder, keeping its paths (under ``name``)."""
        self._editable()
        root = Path(local_path)
        if not root.is_dir():
            raise UsageError(f"add_dir: {str(root)!r} is not a folder.")
        for folder, dirs, names in os.walk(root):  # symlinked folders: not entered
            dirs.sort()
            for file_name in sorted(names):
                full = Path(folder) / file_name
                if not full.is_file():
                    continue
                rel = full.relative_to(root).as_posix()
                self._add(
                    f"{name}/{rel}" if name else rel, ("file", full.resolve()), merge
                )

    @contextmanager
    def new_file(
        self, name: str, mode: str = "x", encoding: str | None = None
    ) -> Iterator[IO[Any]]:
        """Write a new entry: ``with artifact.new_file("labels.txt") as f: ...``."""
        self._editable()
        check_entry_path(name)
        if name in self._pending:
            raise UsageError(f"artifact {self._name!r} has an entry {name!r} already.")
        target = self._tmp() / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if "b" in mode:
            encoding = None
        elif encoding is None:
            encoding = "utf-8"
        with open(target, mode, encoding=encoding) as f:
            yield f
        self._add(name, ("file", target), False)

    def add_reference(
        self, uri: str, name: str | None = None, checksum: bool = True,
        max_objects: int | None = None,
    ) -> list[ArtifactEntry]:  # fmt: skip
        """Add a reference to a file kept elsewhere (``file://``, ``s3://``,
        ``gs://``, ``http(s)://``), with its checksum or ETag when reachable;
        its bytes are not copied (see ``refs.py``)."""
        from .refs import reference_entries

        self._editable()
        added = []
        for entry in reference_entries(str(uri), name, checksum, max_objects):
            self._add(entry.path, ("ref", entry), False)
            added.append(ArtifactEntry(entry, self))
        return added

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ArtifactEntry:
        """Add a ``runfold.Table`` or media value (``Image``, ``Audio`` ...) as
        ``<name>.<type>.json`` (with its files); ``get(name)`` reads it back."""
        import hashlib

        from ..media.base import Media, media_path

        self._editable()
        if not isinstance(obj, Media):
            raise UsageError(
                f"artifact.add takes a runfold.Table or media value, not "
                f"{type(obj).__name__}; use add_file for files."
            )
        tmp = self._tmp()

        def put(data: bytes, folder: str, suffix: str) -> tuple[str, str]:
            sha = hashlib.sha256(data).hexdigest()
            path = media_path(sha, folder, suffix)
            (tmp / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp / path).write_bytes(data)
            self._pending[path] = ("file", tmp / path)
            return path, sha

        ref = obj.to_ref(put)
        kind = str(ref.get("_type", "media"))
        entry = f"{name}.{'table' if kind == 'table-file' else kind}.json"
        target = tmp / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(ref, sort_keys=True), "utf-8")
        self._add(entry, ("file", target), overwrite)
        return ArtifactEntry(Entry(entry, None, target.stat().st_size), self)

    def remove(self, item: str | ArtifactEntry) -> None:
        self._editable()
        path = item.path if isinstance(item, ArtifactEntry) else str(item)
        if self._pending.pop(path, None) is None:
            raise UsageError(f"artifact {self._name!r} has no entry {path!r}.")
        self._manifest = None

    def _tmp(self) -> Path:
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="runfold-artifact-"))
        return self._tmpdir

    def _draft_entries(self) -> dict[str, Entry]:
        """The draft's entries as far as known without reading files (their
        digests are computed when logged)."""
        out = {}
        for path, (kind, item) in self._pending.items():
            if kind in ("ref", "known"):
                out[path] = item
            else:
                out[path] = Entry(path, None, Path(item).stat().st_size)
        return out

    def _cleanup(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def new_draft(self) -> Artifact:
        """A draft with this version's entries, to log a changed copy."""
        draft = Artifact(self._name, self._type, self.description, dict(self.metadata))
        for entry in self._loaded_manifest():  # stored already: nothing to stage
            draft._pending[entry.path] = ("ref" if entry.ref else "known", entry)
        return draft

    # ---- a logged version ---------------------------------------------------

    def wait(self, timeout: float | None = None) -> Artifact:
        """Block until the run's writer has stored this version (local or
        online); an offline run's version gets its number when synced."""
        if self._waiter is not None:
            waiter, self._waiter = self._waiter, None
            info, source = waiter(timeout)
            if info is not None:
                self._set(info, source)
            elif source is not None:
                self._source = source
        return self

    def _reader(self) -> Source:
        self._committed()
        if self._source is None or self._info is None:
            raise UsageError(NOT_LOGGED.format(name=self._name))
        return self._source

    def _default_root(self) -> Path:
        return artifact_dir() / self.name

    def download(
        self, root: str | os.PathLike[str] | None = None,
        allow_missing_references: bool = False, skip_cache: bool | None = None,
        path_prefix: str | None = None, **_: Any,
    ) -> str:  # fmt: skip
        """Write the version's files into ``root`` (default
        ``./artifacts/<name>:v<n>``); the folder. Files already there with the
        same content are not fetched again."""
        source = self._reader()
        folder = Path(root) if root is not None else self._default_root()
        folder.mkdir(parents=True, exist_ok=True)
        disk.download(
            self._loaded_manifest(), source, folder,
            allow_missing_references=allow_missing_references, path_prefix=path_prefix,
        )  # fmt: skip
        return str(folder)

    def checkout(self, root: str | os.PathLike[str] | None = None) -> str:
        """Make ``root`` exactly this version (extra files removed)."""
        folder = Path(root) if root is not None else self._default_root()
        disk.checkout(self._loaded_manifest(), self._reader(), folder)
        return str(folder)

    def verify(self, root: str | os.PathLike[str] | None = None) -> None:
        """UsageError (a ValueError) unless ``root`` holds exactly this
        version's files, byte for byte (by SHA-256)."""
        folder = Path(root) if root is not None else self._default_root()
        disk.verify(self._loaded_manifest(), folder)

    def get_entry(self, name: str) -> ArtifactEntry:
        found = self._loaded_manifest().entries.get(name)
        if found is None:
            raise NotFound(f"Artifact {self.name!r} has no entry {name!r}.")
        return ArtifactEntry(found, self)

    get_path = get_entry

    def files(
        self, names: list[str] | None = None, per_page: int = 50
    ) -> list[ArtifactEntry]:
        wanted = set(names) if names else None
        return [
            ArtifactEntry(e, self)
            for e in self._loaded_manifest()
            if wanted is None or e.path in wanted
        ]

    def get(self, name: str) -> Any:
        """What ``add(obj, name)`` added: a ``runfold.Table`` for a table, else
        the media value's reference dict."""
        manifest = self._loaded_manifest()
        found = [
            p
            for p in manifest.entries
            if p.startswith(f"{name}.") and p.endswith(".json")
        ]
        if not found:
            raise NotFound(f"Artifact {self.name!r} has nothing added as {name!r}.")
        ref = json.loads(self._reader().read(str(manifest.entries[found[0]].digest)))
        if ref.get("_type") == "table-file":
            from ..media.table import table_from_bytes

            return table_from_bytes(self.get_entry(ref["path"]).read_bytes())
        return ref

    def logged_by(self) -> Any:
        """The run that logged this version first (None when it was only used)."""
        info = self._committed()
        if info is None or not info.get("logged_by"):
            return None
        return self._reader().run(info["logged_by"])

    def used_by(self) -> list[Any]:
        """The runs that used this version, oldest use first."""
        source = self._reader()
        seen: list[str] = []
        for link in source.links(self._name):
            if link["role"] == "used" and link["version"]["digest"] == self.digest:
                if link["run_id"] not in seen:
                    seen.append(link["run_id"])
        return [source.run(run_id) for run_id in seen]

    def save(self) -> None:
        """Store changed ``aliases``, ``description`` and ``metadata`` of a
        logged version; a draft is logged to the current run."""
        if self._info is None and self._waiter is None:
            import runfold

            run = runfold.run
            if run is None:
                raise UsageError(NOT_LOGGED.format(name=self._name))
            run.log_artifact(self)
            return
        info = self._info or self._committed()
        assert info is not None
        changes = {
            "aliases": [a for a in self.aliases if a != "latest"] + (
                ["latest"] if "latest" in (info.get("aliases") or []) else []
            ),
            "description": self.description,
            "metadata": check_metadata(self.metadata),
        }  # fmt: skip
        self._set(
            self._reader().update(self._name, f"v{info['version']}", changes),
            self._source,
        )

    def delete(self, delete_aliases: bool = False) -> None:
        """Forget this version (its files are freed by ``runfold artifact gc``
        when no other version has them)."""
        info = self._committed()
        if info is None:
            raise UsageError(NOT_LOGGED.format(name=self._name))
        own = [a for a in info.get("aliases") or [] if a != "latest"]
        if own and not delete_aliases:
            raise UsageError(
                f"{self.name} has aliases {own}; pass delete_aliases=True to delete "
                "it with them."
            )
        self._reader().delete(self._name, f"v{info['version']}")

    def link(self, target_path: str, aliases: list[str] | None = None) -> None:
        """``run.link_artifact(self, target_path, aliases)`` on the current run."""
        import runfold

        run = runfold.run
        if run is None:
            raise UsageError("artifact.link() needs a run: call runfold.init() first.")
        run.link_artifact(self, target_path, aliases)
