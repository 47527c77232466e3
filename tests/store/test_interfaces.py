"""Both backends implement exactly the store's protocols, with the same signatures.

The protocols in ``store/base.py`` are what callers may use; a public method
added to a backend but to no protocol (or declared but not implemented, or with
another signature) fails here, so the interface cannot drift from the code.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from runfold.store.base import (
    AccountStore,
    ArtifactStore,
    ReportStore,
    RunStore,
    Store,
    SweepStore,
    ViewStore,
)
from runfold.store.postgres import PostgresStore
from runfold.store.sqlite import SQLiteStore

PROTOCOLS = (
    RunStore, ReportStore, AccountStore, SweepStore, ArtifactStore, ViewStore, Store,
)  # fmt: skip
BACKENDS = [SQLiteStore, PostgresStore]


def _declared() -> dict[str, Any]:
    """The public members the protocols declare, by name."""
    out: dict[str, Any] = {}
    for protocol in PROTOCOLS:
        for name, member in vars(protocol).items():
            if name.startswith("_"):
                continue
            assert name not in out, f"{name!r} is declared by two protocols"
            out[name] = member
    return out


def _methods(cls: type) -> dict[str, Any]:
    """The public methods of a backend class, inherited ones included."""
    return {
        name: member
        for name in dir(cls)
        if not name.startswith("_")
        and inspect.isfunction(member := inspect.getattr_static(cls, name))
    }


def _has_attribute(cls: type, name: str) -> bool:
    """A property, or an instance attribute annotated on the class."""
    if isinstance(inspect.getattr_static(cls, name, None), property):
        return True
    return any(name in vars(k).get("__annotations__", {}) for k in cls.__mro__)


def test_the_protocols_declare_what_callers_use() -> None:
    declared = _declared()
    assert {"ingest", "list_runs", "histograms", "series", "lods"} <= declared.keys()
    assert {"create_report", "update_report", "report_versions"} <= declared.keys()
    assert {"caller_for_key", "create_key", "team_names"} <= declared.keys()
    assert {"path", "close"} <= declared.keys()


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda cls: cls.__name__)
def test_every_public_method_of_a_backend_is_declared(backend: type) -> None:
    declared = _declared()
    undeclared = sorted(set(_methods(backend)) - declared.keys())
    assert not undeclared, (
        f"{backend.__name__} has public methods no protocol declares: {undeclared}. "
        "Declare them in store/base.py, or make them private."
    )


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda cls: cls.__name__)
def test_every_declared_member_is_implemented_with_its_signature(
    backend: type,
) -> None:
    methods = _methods(backend)
    for name, member in _declared().items():
        if isinstance(member, property):
            assert _has_attribute(backend, name), f"{backend.__name__} lacks {name!r}"
            continue
        assert name in methods, f"{backend.__name__} does not implement {name!r}"
        want, got = inspect.signature(member), inspect.signature(methods[name])
        assert got == want, f"{backend.__name__}.{name}{got} is declared as {want}"
