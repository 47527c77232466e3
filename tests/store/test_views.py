"""Workspace views in the store, on SQLite and PostgreSQL: named views are the
project's (create, list, read, rename, replace, delete), each owner's workspace is
their own (saved, replaced, removed), and specs are kept exactly as given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runfold.errors import NotFound, ProjectNotFound, UsageError
from runfold.store.views import MAX_SPEC_BYTES
from tests.store.conftest import POSTGRES_URL, _postgres_schema

HOSTILE = "<script>alert(1)</script> ' \" \\ \u202e é 🦀 \n\t"
SPEC = {
    "layout": {"sections": [{"id": "train", "title": "train/", "collapsed": False,
               "panels": [{"id": "train/loss", "type": "line", "metric": "train/loss",
                           "w": 2, "h": 1}]}]},
    "query": "by=config.lr&q=state%3Dfailed",
}  # fmt: skip


def _project(store: Any, name: str = "p") -> None:
    store.ingest(name, "r1", [(1, "run", {"name": "r1", "group": "g"})])


def test_named_views_are_created_listed_read_and_kept_verbatim(store: Any) -> None:
    _project(store)
    made = store.create_view("p", HOSTILE, SPEC, author="al")
    assert len(made.id) == 8 and made.id.isalnum()
    assert (made.name, made.author, made.spec) == (HOSTILE, "al", SPEC)
    other = store.create_view("p", "b view", {"layout": {}})
    store.create_view("p", "A view", {})
    listed = store.list_views("p")
    assert [v.name for v in listed] == [HOSTILE, "A view", "b view"]  # by name
    assert all(v.spec is None for v in listed)  # lists carry no specs
    assert store.get_view("p", made.id) == made
    assert store.get_view("p", other.id).spec == {"layout": {}}


def test_a_view_is_renamed_or_replaced_and_deleted(store: Any) -> None:
    _project(store)
    made = store.create_view("p", "mine", SPEC)
    renamed = store.update_view("p", made.id, name="ours")
    assert (renamed.name, renamed.spec, renamed.author) == ("ours", SPEC, None)
    assert renamed.updated_at >= made.updated_at
    replaced = store.update_view("p", made.id, spec={"layout": {"sections": []}})
    assert (replaced.name, replaced.spec) == ("ours", {"layout": {"sections": []}})
    store.delete_view("p", made.id)
    assert store.list_views("p") == []
    with pytest.raises(NotFound, match="View .* not found in project 'p'"):
        store.get_view("p", made.id)
    with pytest.raises(NotFound):
        store.delete_view("p", made.id)


def test_bad_names_specs_and_projects_are_refused(store: Any) -> None:
    _project(store)
    for name in ("", "  ", "a\x00b", "x" * 201):
        with pytest.raises(UsageError, match="view name"):
            store.create_view("p", name, SPEC)
    with pytest.raises(UsageError, match="JSON object"):
        store.create_view("p", "n", ["not", "an", "object"])  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="at most"):
        store.create_view("p", "n", {"big": "x" * MAX_SPEC_BYTES})
    with pytest.raises(UsageError, match="plain JSON"):
        store.create_view("p", "n", {"nan": float("nan")})
    with pytest.raises(UsageError, match="plain JSON"):
        store.save_workspace("p", "", {"bad": "\ud800"})  # not valid Unicode text
    with pytest.raises(ProjectNotFound):
        store.create_view("nope", "n", SPEC)
    with pytest.raises(ProjectNotFound):
        store.list_views("nope")


def test_each_owner_has_their_own_workspace(store: Any) -> None:
    _project(store)
    assert store.get_workspace("p", "") is None
    store.save_workspace("p", "", SPEC)
    store.save_workspace("p", "alice", {"layout": {"sections": []}})
    assert store.get_workspace("p", "") == SPEC
    assert store.get_workspace("p", "alice") == {"layout": {"sections": []}}
    assert store.get_workspace("p", "bob") is None
    store.save_workspace("p", "", {"layout": None})  # replaced, not added
    assert store.get_workspace("p", "") == {"layout": None}
    store.save_workspace("p", "", None)  # back to the automatic workspace
    assert store.get_workspace("p", "") is None
    assert store.get_workspace("p", "alice") == {"layout": {"sections": []}}
    with pytest.raises(ProjectNotFound):
        store.save_workspace("nope", "", SPEC)


def test_each_group_page_has_its_own_workspace(store: Any) -> None:
    """A scope names the page: the project's workspace ("") and each group page
    ("group:<name>") keep their layouts apart, per owner."""
    _project(store)
    group = {"layout": {"sections": [], "removed": ["lr"]}}
    store.save_workspace("p", "", SPEC)
    store.save_workspace("p", "", group, scope="group:exp 1")
    store.save_workspace("p", "alice", {"layout": None}, scope="group:exp 1")
    assert store.get_workspace("p", "") == SPEC
    assert store.get_workspace("p", "", "group:exp 1") == group
    assert store.get_workspace("p", "", "group:exp 2") is None
    assert store.get_workspace("p", "alice", "group:exp 1") == {"layout": None}
    store.save_workspace("p", "", None, scope="group:exp 1")  # reset one page
    assert store.get_workspace("p", "", "group:exp 1") is None
    assert store.get_workspace("p", "") == SPEC
    for bad in ("group:", "groups:exp", "exp", "group:a\x00b", 3):
        with pytest.raises(UsageError, match="scope"):
            store.save_workspace("p", "", SPEC, scope=bad)
        with pytest.raises(UsageError, match="scope"):
            store.get_workspace("p", "", bad)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_workspaces_saved_before_scopes_stay_the_projects(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0009 keeps the workspaces saved before it, as the project's."""
    from runfold.store import migrations, open_store

    every = migrations.load_migrations
    before = [(v, s) for v, s in every(backend) if v < 9]

    def opened() -> Any:
        if backend == "sqlite":
            return open_store(tmp_path / "runfold.db")
        from runfold.store.postgres import PostgresStore

        return PostgresStore(POSTGRES_URL, schema=schema, max_size=2)

    if backend == "postgres":
        conn, schema = _postgres_schema()
    monkeypatch.setattr(migrations, "load_migrations", lambda dialect: before)
    old = opened()
    _project(old)
    with old._write() as cur:  # as the store wrote it before scopes
        old._exec(
            cur,
            "INSERT INTO workspaces (project_id, owner, spec, updated_at) "
            "VALUES (1, 'alice', ?, 0)",
            (json.dumps(SPEC),),
        )
    old.close()
    monkeypatch.setattr(migrations, "load_migrations", every)
    try:
        new = opened()
        assert new.get_workspace("p", "alice") == SPEC
        assert new.get_workspace("p", "alice", "group:g") is None
        new.save_workspace("p", "alice", {"layout": None}, scope="group:g")
        assert new.get_workspace("p", "alice") == SPEC
        new.close()
    finally:
        if backend == "postgres":
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.close()
