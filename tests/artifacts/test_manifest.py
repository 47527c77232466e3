"""What a version is: its manifest's digest names it, entry paths cannot leave
the folder they are downloaded into, and a manifest from a client is checked
field by field."""

from __future__ import annotations

import json

import pytest

from runfold.artifacts.manifest import Entry, Manifest, check_entry_path, parse_ref
from runfold.errors import UsageError

SHA = "a" * 64


@pytest.mark.parametrize(
    "path",
    ["../escape.txt", "data/../../etc/passwd", "/etc/passwd", "a//b", "./a", "a/.",
     "C:/x", "a\\b", "nul\x00byte", "", "x" * 300],
)  # fmt: skip
def test_entry_paths_that_leave_the_folder_are_refused(path: str) -> None:
    with pytest.raises(UsageError, match="is not allowed"):
        check_entry_path(path)


def test_a_manifest_naming_a_path_outside_is_refused_when_parsed() -> None:
    data = json.dumps({"version": 1, "entries": {"../x": {"digest": SHA, "size": 1}}})
    with pytest.raises(UsageError, match="'../x' is not allowed"):
        Manifest.parse(data.encode())


def test_same_entries_give_the_same_digest_whatever_their_order() -> None:
    a = Manifest({"x": Entry("x", SHA, 1), "y/z": Entry("y/z", "b" * 64, 2)})
    b = Manifest({"y/z": Entry("y/z", "b" * 64, 2), "x": Entry("x", SHA, 1)})
    assert a.digest == b.digest
    assert Manifest.parse(a.to_bytes()).digest == a.digest
    c = Manifest({"x": Entry("x", SHA, 1), "y/z": Entry("y/z", "c" * 64, 2)})
    assert c.digest != a.digest


@pytest.mark.parametrize(
    ("item", "why"),
    [({"digest": "nothex", "size": 1}, "SHA-256"), ({"digest": SHA, "size": -1}, "size"),
     ({"ref": 5}, "not a URI"), ("text", "must be an object")],
)  # fmt: skip
def test_bad_entries_are_refused(item: object, why: str) -> None:
    data = json.dumps({"version": 1, "entries": {"f": item}}).encode()
    with pytest.raises(UsageError, match=why):
        Manifest.parse(data)


def test_names_and_aliases_parse_as_wandb_writes_them() -> None:
    assert parse_ref("mnist:v3") == (None, "mnist", "v3")
    assert parse_ref("proj/mnist:best") == ("proj", "mnist", "best")
    assert parse_ref("team/proj/mnist") == ("proj", "mnist", "latest")
    with pytest.raises(UsageError):
        parse_ref("proj/bad name:v1")
