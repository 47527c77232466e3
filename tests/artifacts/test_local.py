"""Artifacts in local mode, end to end through the real SDK, writer, store and
files: round trips byte for byte, versions by content, deduplicated files,
aliases, lineage, verify, references, tables and models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import runfold
from runfold.errors import NotFound, UsageError
from tests.artifacts.conftest import blob_count, tree_bytes, write_tree

FILES = {
    "train.csv": "x,y\n" + "".join(f"{i},{i * i}\n" for i in range(500)),
    "images/cat.bin": os.urandom(70_000),
    "images/nested/dog.bin": os.urandom(3_000),
    "empty.txt": b"",
    "ünïcode name.txt": "ok",
}


def _dataset(root: Path, name: str = "mnist", **kwargs: object) -> runfold.Artifact:
    artifact = runfold.Artifact(name, "dataset", **kwargs)  # type: ignore[arg-type]
    artifact.add_dir(root)
    return artifact


def test_a_folder_round_trips_byte_for_byte(tmp_path: Path, runfold_dir: Path) -> None:
    data = write_tree(tmp_path / "data", FILES)
    with runfold.init(project="p") as run:
        logged = run.log_artifact(
            _dataset(data, metadata={"rows": 500}), aliases=["raw"]
        )
        logged.wait()
        assert logged.name == "mnist:v0" and logged.version == "v0"
        assert sorted(logged.aliases) == ["latest", "raw"]
    found = runfold.Api().artifact("p/mnist:raw")
    assert found.metadata == {"rows": 500} and found.type == "dataset"
    assert found.file_count == len(FILES) and found.size == sum(
        len(v.encode() if isinstance(v, str) else v) for v in FILES.values()
    )
    folder = Path(found.download(tmp_path / "out"))
    assert tree_bytes(folder) == tree_bytes(data)
    found.verify(folder)
    # the default folder is ./artifacts/<name>:<version>
    assert Path(found.download()) == Path("artifacts") / "mnist:v0"
    assert tree_bytes(Path("artifacts") / "mnist:v0") == tree_bytes(data)


def test_a_single_file_and_new_files_and_a_path(tmp_path: Path) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(os.urandom(10_000))
    with runfold.init(project="p") as run:
        art = runfold.Artifact("weights", "model", description="first try")
        art.add_file(model, name="ckpt/model.pt")
        with art.new_file("notes/readme.md") as f:
            f.write("# weights\n")
        run.log_artifact(art).wait()
        by_path = run.log_artifact(str(model), type="model").wait()
    assert by_path.name == "model.pt:v0"
    found = runfold.Api().artifact("p/weights:latest")
    assert found.description == "first try"
    assert [e.path for e in found.files()] == ["ckpt/model.pt", "notes/readme.md"]
    assert found.get_entry("notes/readme.md").read_bytes() == b"# weights\n"
    target = Path(found.get_path("ckpt/model.pt").download(tmp_path / "one"))
    assert target.read_bytes() == model.read_bytes()


def test_identical_content_is_no_new_version_and_one_changed_file_costs_one_file(
    tmp_path: Path, runfold_dir: Path
) -> None:
    data = write_tree(
        tmp_path / "data", {f"part-{i}.bin": os.urandom(2_000) for i in range(20)}
    )
    with runfold.init(project="p") as run:
        first = run.log_artifact(_dataset(data)).wait()
        again = run.log_artifact(_dataset(data)).wait()
        assert (first.version, again.version) == ("v0", "v0")
        stored = blob_count(runfold_dir, "p")
        assert stored == 21  # 20 files and the manifest
        (data / "part-7.bin").write_bytes(os.urandom(2_000))
        second = run.log_artifact(_dataset(data)).wait()
    assert second.version == "v1" and second.digest != first.digest
    # two versions that share 19 of their 20 files: one more file, one more manifest
    assert blob_count(runfold_dir, "p") == stored + 2
    versions = runfold.Api().artifacts("dataset", "p/mnist")
    assert [(v.version, v.aliases) for v in versions] == [
        ("v0", []),
        ("v1", ["latest"]),
    ]


def test_aliases_move_and_can_be_edited(tmp_path: Path) -> None:
    data = write_tree(tmp_path / "data", {"a.txt": "1"})
    with runfold.init(project="p") as run:
        run.log_artifact(_dataset(data), aliases=["best"]).wait()
        (data / "a.txt").write_text("2")
        run.log_artifact(_dataset(data)).wait()
        (data / "a.txt").write_text("3")
        run.log_artifact(_dataset(data), aliases=["best"]).wait()
    api = runfold.Api()
    assert api.artifact("p/mnist:best").version == "v2"
    assert api.artifact("p/mnist:latest").version == "v2"
    v1 = api.artifact("p/mnist:v1")
    v1.aliases.append("production")
    v1.description = "the one we ship"
    v1.save()
    shipped = api.artifact("p/mnist:production")
    assert (shipped.version, shipped.description) == ("v1", "the one we ship")
    with pytest.raises(NotFound, match="no version 'nope'"):
        api.artifact("p/mnist:nope")


def test_use_artifact_records_lineage_dataset_train_evaluate(tmp_path: Path) -> None:
    data = write_tree(tmp_path / "data", {"rows.csv": "1\n2\n"})
    with runfold.init(project="p", job_type="prepare") as prep:
        run_id_prep = prep.id
        prep.log_artifact(_dataset(data)).wait()
    with runfold.init(project="p", job_type="train", group="exp") as train:
        dataset = train.use_artifact("mnist:latest")
        folder = Path(dataset.download(tmp_path / "in"))
        assert (folder / "rows.csv").read_text() == "1\n2\n"
        (tmp_path / "model.bin").write_bytes(b"weights")
        train.log_model(tmp_path / "model.bin", name="net", aliases=["candidate"])
        run_id_train = train.id
    with runfold.init(project="p", job_type="eval", group="exp") as evaluate:
        path = evaluate.use_model("net:candidate")
        assert (Path(path) / "model.bin").read_bytes() == b"weights"
        run_id_eval = evaluate.id
    api = runfold.Api()
    dataset = api.artifact("p/mnist:v0")
    assert dataset.logged_by().id == run_id_prep
    assert [r.id for r in dataset.used_by()] == [run_id_train]
    net = api.artifact("p/net:v0")
    assert net.type == "model" and net.logged_by().id == run_id_train
    assert [r.id for r in net.used_by()] == [run_id_eval]
    train_run = api.run(f"p/{run_id_train}")
    assert [a.name for a in train_run.used_artifacts()] == ["mnist:v0"]
    assert [a.name for a in train_run.logged_artifacts()] == ["net:v0"]
    graph = api.artifact_lineage("p/net")
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert (f"run:{run_id_prep}", "artifact:mnist:v0") in edges  # upstream
    assert ("artifact:mnist:v0", f"run:{run_id_train}") in edges
    assert (f"run:{run_id_train}", "artifact:net:v0") in edges
    assert ("artifact:net:v0", f"run:{run_id_eval}") in edges


def test_verify_detects_a_changed_a_missing_and_an_extra_file(tmp_path: Path) -> None:
    data = write_tree(tmp_path / "data", {"a.txt": "alpha", "b/c.txt": "gamma"})
    with runfold.init(project="p") as run:
        run.log_artifact(_dataset(data)).wait()
    found = runfold.Api().artifact("p/mnist:v0")
    folder = Path(found.download(tmp_path / "copy"))
    found.verify(folder)
    (folder / "a.txt").write_text("alphA")
    with pytest.raises(ValueError, match="a.txt: changed"):
        found.verify(folder)
    (folder / "b" / "c.txt").unlink()
    (folder / "stray.txt").write_text("?")
    with pytest.raises(
        UsageError, match="b/c.txt: missing.*stray.txt: not in the version"
    ):
        found.verify(folder)
    found.checkout(folder)  # back to exactly the version
    found.verify(folder)
    assert tree_bytes(folder) == tree_bytes(data)


def test_references_are_recorded_with_their_checksum_not_copied(
    tmp_path: Path, runfold_dir: Path
) -> None:
    shared = write_tree(
        tmp_path / "shared", {"big.bin": os.urandom(5_000), "x/y.txt": "y"}
    )
    with runfold.init(project="p") as run:
        art = runfold.Artifact("external", "dataset")
        art.add_reference(shared.as_uri(), name="ext")
        art.add_reference("https://127.0.0.1:9/unreachable.bin", checksum=True)
        run.log_artifact(art).wait()
    assert blob_count(runfold_dir, "p") == 1  # the manifest alone: nothing copied
    found = runfold.Api().artifact("p/external:v0")
    refs = {e.path: e for e in found.files()}
    assert refs["ext/big.bin"].ref == (shared / "big.bin").resolve().as_uri()
    assert refs["unreachable.bin"].digest is None  # recorded all the same
    out = Path(found.download(tmp_path / "out", allow_missing_references=True))
    assert (out / "ext" / "big.bin").read_bytes() == (shared / "big.bin").read_bytes()
    (shared / "x" / "y.txt").write_text("changed")
    with pytest.raises(UsageError, match="changed since it was logged"):
        found.download(tmp_path / "again")


def test_a_table_added_reads_back(tmp_path: Path) -> None:
    table = runfold.Table(columns=["id", "label"], data=[[1, "cat"], [2, "dog"]])
    with runfold.init(project="p") as run:
        art = runfold.Artifact("preds", "predictions")
        art.add(table, "val")
        run.log_artifact(art).wait()
    back = runfold.Api().artifact("p/preds:v0").get("val")
    assert back.columns == ["id", "label"] and back.data == [[1, "cat"], [2, "dog"]]


def test_a_name_keeps_its_type_and_bad_names_are_refused(tmp_path: Path) -> None:
    data = write_tree(tmp_path / "data", {"a": "1"})
    with runfold.init(project="p") as run:
        run.log_artifact(_dataset(data)).wait()
        other = runfold.Artifact("mnist", "model")
        other.add_dir(data)
        with pytest.raises(UsageError, match="is a 'dataset', not a 'model'"):
            run.log_artifact(other)
        with pytest.raises(UsageError, match="is not allowed"):
            runfold.Artifact("no/slash", "dataset")
        art = runfold.Artifact("x", "dataset")
        with pytest.raises(UsageError, match="is not allowed"):
            art.add_file(data / "a", name="../../outside")
        with pytest.raises(UsageError, match="is logged already"):
            logged = run.log_artifact(_dataset(data, name="y"))
            logged.add_file(data / "a", name="more")


def test_module_level_calls_act_on_the_current_run(tmp_path: Path) -> None:
    data = write_tree(tmp_path / "data", {"a.txt": "a"})
    run = runfold.init(project="p")
    runfold.log_artifact(str(data), name="folder", type="dataset").wait()
    used = runfold.use_artifact("folder:v0")
    assert used.download(tmp_path / "o") == str(tmp_path / "o")
    run.finish()
    assert runfold.Api().artifact("p/folder:latest").used_by()[0].id == run.id


def test_a_finished_run_leaves_no_staging_thread(tmp_path: Path) -> None:
    import threading

    before = sum(t.name == "runfold-artifacts" for t in threading.enumerate())
    for i in range(3):
        (tmp_path / "f.txt").write_text(f"version {i}")
        with runfold.init(project="threads") as run:
            artifact = runfold.Artifact("data", "dataset")
            artifact.add_file(str(tmp_path / "f.txt"))
            run.log_artifact(artifact)
    after = sum(t.name == "runfold-artifacts" for t in threading.enumerate())
    assert after == before
    versions = runfold.Api().artifact_versions("dataset", "threads/data")
    assert len(list(versions)) == 3
