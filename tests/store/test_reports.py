"""Reports in the store, on SQLite and PostgreSQL: every saved version is kept,
restore makes a new version, delete removes them all, lists filter by group."""

from __future__ import annotations

import time
from typing import Any

import pytest

from runfold.errors import Conflict, NotFound, ProjectNotFound, UsageError

HOSTILE = "<script>alert(1)</script> ' \" \\ \u202e é 🦀 \n\t"
CHART = {"type": "chart", "metrics": ["loss"], "by": ["group"], "filters": None,
         "settings": {"line": "mean", "shading": "std", "x": "_step",
                      "smoothing": 0.0, "log": False, "max": 20}}  # fmt: skip


def _project(store: Any, name: str = "p") -> None:
    store.ingest(name, "r1", [(1, "run", {"name": "r1", "group": "g"})])


def test_create_then_read_back_version_one(store: Any) -> None:
    _project(store)
    blocks = [{"type": "markdown", "text": HOSTILE}, CHART]
    made = store.create_report("p", "Loss study", group="g", blocks=blocks, author="al")
    assert len(made.id) == 8 and made.id.isalnum()
    assert (made.version, made.title, made.group, made.author) == (
        1,
        "Loss study",
        "g",
        "al",
    )
    assert made.created_at == made.updated_at
    read = store.get_report("p", made.id)
    assert read == made and read.blocks == blocks  # text kept verbatim


def test_every_saved_version_is_kept_and_readable(store: Any) -> None:
    _project(store)
    made = store.create_report("p", "v1", blocks=[{"type": "markdown", "text": "one"}])
    time.sleep(0.01)
    store.update_report("p", made.id, title="v2", author="bob")
    third = store.update_report(
        "p", made.id, blocks=[{"type": "markdown", "text": "three"}], base_version=2
    )
    assert (
        third.version == 3
        and third.title == "v2"
        and third.updated_at > made.created_at
    )
    assert third.blocks == [{"type": "markdown", "text": "three"}]
    assert third.created_at == made.created_at
    first = store.get_report("p", made.id, version=1)
    assert first.title == "v1" and first.blocks == [{"type": "markdown", "text": "one"}]
    assert store.get_report("p", made.id, version=2).blocks == first.blocks
    versions = store.report_versions("p", made.id)
    assert [(v.version, v.title, v.author) for v in versions] == [
        (3, "v2", None), (2, "v2", "bob"), (1, "v1", None),
    ]  # fmt: skip
    assert versions[0].updated_at == third.updated_at


def test_stale_base_version_is_a_conflict_and_saves_nothing(store: Any) -> None:
    _project(store)
    made = store.create_report("p", "t")
    store.update_report("p", made.id, title="someone else", base_version=1)
    with pytest.raises(Conflict, match="changed since you opened it"):
        store.update_report("p", made.id, title="mine", base_version=1)
    assert store.get_report("p", made.id).title == "someone else"
    assert len(store.report_versions("p", made.id)) == 2


def test_restore_adds_a_version_equal_to_the_old_one(store: Any) -> None:
    _project(store)
    made = store.create_report("p", "first", group="g", blocks=[CHART])
    store.update_report("p", made.id, title="second", group=None, blocks=[])
    restored = store.restore_report("p", made.id, 1, author="al")
    assert restored.version == 3
    assert (restored.title, restored.group, restored.blocks) == ("first", "g", [CHART])
    assert store.get_report("p", made.id).version == 3
    assert store.get_report("p", made.id, version=2).title == "second"
    assert store.report_versions("p", made.id)[0].author == "al"


def test_group_filter_and_newest_updated_first(store: Any) -> None:
    _project(store)
    a = store.create_report("p", "about g", group="g")
    b = store.create_report("p", "about h", group="h")
    c = store.create_report("p", "no group")
    time.sleep(0.01)
    store.update_report("p", a.id, title="about g, edited")
    assert [r.id for r in store.list_reports("p")] == [a.id, c.id, b.id]
    listed = store.list_reports("p", group="g")
    assert [(r.id, r.title, r.version) for r in listed] == [
        (a.id, "about g, edited", 2)
    ]
    assert listed[0].blocks is None  # lists carry no blocks
    assert store.list_reports("p", group="none such") == []


def test_delete_removes_the_report_and_its_versions(store: Any) -> None:
    _project(store)
    made = store.create_report("p", "t")
    store.update_report("p", made.id, title="t2")
    store.delete_report("p", made.id)
    assert store.list_reports("p") == []
    with pytest.raises(NotFound, match=f"Report '{made.id}' not found in project 'p'"):
        store.get_report("p", made.id)
    with store._read() as cur:
        assert store._all(cur, "SELECT * FROM report_versions", ()) == []
    with pytest.raises(NotFound):
        store.delete_report("p", made.id)


def test_missing_project_report_or_version_is_not_found(store: Any) -> None:
    _project(store)
    with pytest.raises(ProjectNotFound):
        store.create_report("nope", "t")
    with pytest.raises(ProjectNotFound):
        store.list_reports("nope")
    made = store.create_report("p", "t")
    with pytest.raises(NotFound, match="has no version 7; its versions are 1 to 1"):
        store.get_report("p", made.id, version=7)
    with pytest.raises(NotFound):
        store.restore_report("p", made.id, 9)
    with pytest.raises(NotFound):
        store.update_report("p", "zzzzzzzz", title="x")


def test_reports_are_per_project(store: Any) -> None:
    _project(store, "p")
    _project(store, "q")
    made = store.create_report("p", "t")
    assert store.list_reports("q") == []
    with pytest.raises(NotFound):
        store.get_report("q", made.id)


@pytest.mark.parametrize("title", ["", "   ", "a\x00b", "x" * 501, 5])
def test_unstorable_titles_are_refused(store: Any, title: Any) -> None:
    _project(store)
    with pytest.raises(UsageError, match="title"):
        store.create_report("p", title)


def test_hostile_title_and_group_are_stored_verbatim(store: Any) -> None:
    _project(store)
    made = store.create_report("p", HOSTILE, group=HOSTILE)
    read = store.get_report("p", made.id)
    assert (read.title, read.group) == (HOSTILE, HOSTILE)
    assert [r.id for r in store.list_reports("p", group=HOSTILE)] == [made.id]
