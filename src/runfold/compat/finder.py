"""The import hook of zero-change mode: ``import wandb`` gives Runfold.

``WandbFinder`` is a ``sys.meta_path`` finder (importlib's documented hook).
For ``wandb`` and each ``wandb.X`` of ``modules.MODULES`` it makes a module of
that name holding the names of the Runfold modules listed for it (looked up
again on each miss, so ``wandb.run`` is the current run); attributes that are
W&B submodules (``wandb.plot``, ``wandb.sdk``) import those. A ``wandb.X`` that
Runfold does not have imports as an error, ``MissingModule`` (an ImportError),
naming it and what to use instead. ``modules.PASSTHROUGH`` (``wandb.proto``)
stays the real package's where it is installed.

It is also a metadata finder: ``importlib.metadata`` finds a ``wandb``
distribution of version ``WANDB_VERSION`` (summary: provided by Runfold), so
libraries that check for an installed wandb (Lightning's ``RequirementCache
("wandb>=0.12.10")``, accelerate's ``is_wandb_available()``) see one. It answers
only lookups over ``sys.path`` (not an installer's listing of one folder), so
pip never takes it for an installed package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import MissingAttribute, MissingModule
from .modules import (
    DYNAMIC,
    GENERAL_HINT,
    MISSING,
    MODULES,
    OVERRIDES,
    PASSTHROUGH,
    WANDB_VERSION,
)

__all__ = ["WandbFinder", "WandbDistribution", "is_wandb_name"]

METADATA = f"""\
Metadata-Version: 2.1
Name: wandb
Version: {WANDB_VERSION}
Summary: W&B's API provided by Runfold's zero-change mode (RUNFOLD_AS_WANDB=1)
"""


def is_wandb_name(name: str) -> bool:
    return name == "wandb" or name.startswith("wandb.")


def _is_package(name: str) -> bool:
    prefix = name + "."
    return any(other.startswith(prefix) for other in (*MODULES, *MISSING))


class _Forward:
    """A shim module's ``__getattr__``: W&B submodules by import, then the
    Runfold modules' names (looked up on each miss), else MissingAttribute."""

    def __init__(self, name: str, sources: tuple[str, ...]) -> None:
        self.name = name
        self.sources = sources

    def __call__(self, attribute: str) -> Any:
        full = f"{self.name}.{attribute}"
        if full in MODULES or full in MISSING:
            return importlib.import_module(full)
        if attribute.startswith("__"):
            raise AttributeError(f"module {self.name!r} has no attribute {attribute!r}")
        override = OVERRIDES.get(self.name, {}).get(attribute)
        for source in (override,) if override else self.sources:
            try:
                value = getattr(importlib.import_module(source), attribute)
            except AttributeError:
                continue
            if attribute not in DYNAMIC:  # kept: the next lookup is a dict hit
                setattr(sys.modules[self.name], attribute, value)
            return value
        raise MissingAttribute(
            f"{full} is not in Runfold (a W&B name it lacks, or a typo). {GENERAL_HINT}."
        )


class _ShimLoader(importlib.abc.Loader):
    """Fills a new module named for W&B with the names of its Runfold sources."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        if name not in MODULES:
            hint = MISSING.get(name, GENERAL_HINT)
            raise MissingModule(
                f"No module named {name!r} in Runfold's zero-change mode: {hint}.",
                name=name,
            )
        sources = MODULES[name]
        exported: list[str] = []
        for source in reversed(sources):  # the first source wins a clash
            found = vars(importlib.import_module(source))
            # What the module holds already: its lazy names (runfold.Image,
            # runfold.Api) and dynamic ones (runfold.run) are looked up on use.
            for attribute in found.get("__all__") or list(found):
                value = found.get(attribute)
                if attribute.startswith("_") or value is None:
                    continue
                if isinstance(value, types.ModuleType):
                    continue  # submodules: by the table, on use
                module.__dict__[attribute] = value
                exported.append(attribute)
        for attribute in OVERRIDES.get(name, {}):
            module.__dict__.pop(attribute, None)
        module.__dict__["__getattr__"] = _Forward(name, sources)
        module.__dict__["__all__"] = sorted(set(exported))
        module.__dict__["__version__"] = WANDB_VERSION
        module.__dict__["__runfold__"] = sources  # where its names come from


class WandbDistribution(importlib.metadata.Distribution):
    """The ``wandb`` distribution zero-change mode pretends is installed."""

    def read_text(self, filename: str) -> str | None:
        if filename in ("METADATA", "PKG-INFO"):
            return METADATA
        if filename == "top_level.txt":
            return "wandb\n"
        return None

    def locate_file(self, path: str | os.PathLike[str]) -> Path:
        return Path(__file__).parent / path


class WandbFinder(importlib.abc.MetaPathFinder):
    """The zero-change mode's finder (installed first on ``sys.meta_path``)."""

    _loader = _ShimLoader()

    def find_spec(
        self, fullname: str, path: Any = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not is_wandb_name(fullname):
            return None
        for name in PASSTHROUGH:  # the real package's, where it is installed
            if fullname.startswith(name + "."):
                return None  # found by its parent's own path, after this finder
            if fullname == name:
                real = _real_locations()
                found = real and importlib.machinery.PathFinder.find_spec(name, real)
                if found:
                    return found
        spec = importlib.machinery.ModuleSpec(
            fullname,
            self._loader,
            is_package=_is_package(fullname) or fullname == "wandb",
        )
        spec.origin = "runfold (zero-change mode)"
        return spec

    def find_distributions(
        self, context: Any = None
    ) -> Iterator[importlib.metadata.Distribution]:
        if context is not None and "path" in vars(context):
            return  # one folder's listing (an installer's): not there
        name = getattr(context, "name", None)
        if name is None or name.replace("_", "-").lower() == "wandb":
            yield WandbDistribution()

    def invalidate_caches(self) -> None:
        return None


def _real_locations() -> list[str] | None:
    """Where the real wandb package is, when it is installed."""
    spec = importlib.machinery.PathFinder.find_spec("wandb")
    if spec is None or spec.submodule_search_locations is None:
        return None
    return list(spec.submodule_search_locations)


def installed() -> WandbFinder | None:
    for finder in sys.meta_path:
        if isinstance(finder, WandbFinder):
            return finder
    return None
