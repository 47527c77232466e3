"""The artifacts pages in Debian's chromium, over runs logged through the real SDK
into the store a real server serves: the project's artifacts by type, an
artifact's versions, aliases, files (downloaded byte for byte), who used it and
the lineage graph; a run's inputs and outputs; a group's artifacts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

import runfold
from tests.artifacts.conftest import write_tree
from tests.browser.conftest import screenshot


@pytest.fixture
def chain(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """prep logs mnist v0 (best) and v1; train (group exp) uses mnist:latest and
    logs the model net; eval (group exp) uses net."""
    monkeypatch.setenv("RUNFOLD_DIR", str(live_server.store_dir))
    monkeypatch.setenv("RUNFOLD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    data = write_tree(
        tmp_path / "data", {"train.csv": "a,b\n1,2\n", "images/x.bin": os.urandom(3000)}
    )
    ids = {}
    with runfold.init(project="p", name="prep", job_type="prepare") as run:
        first = runfold.Artifact("mnist", "dataset", metadata={"rows": 1})
        first.add_dir(data)
        run.log_artifact(first, aliases=["best"]).wait()
        (data / "train.csv").write_text("a,b\n1,2\n3,4\n")
        second = runfold.Artifact("mnist", "dataset", metadata={"rows": 2})
        second.add_dir(data)
        run.log_artifact(second).wait()
        ids["prep"] = run.id
    with runfold.init(project="p", name="train", group="exp", job_type="train") as run:
        run.use_artifact("mnist:latest")
        (tmp_path / "net.pt").write_bytes(b"weights" * 100)
        run.log_model(tmp_path / "net.pt", name="net")
        ids["train"] = run.id
    with runfold.init(project="p", name="eval", group="exp", job_type="eval") as run:
        run.use_model("net:latest")
        ids["eval"] = run.id
    return ids


def test_artifacts_pages_show_versions_files_and_lineage(
    page: Any, live_server: Any, chain: dict[str, str]
) -> None:
    page.goto(f"{live_server.url}/projects/p")
    page.get_by_test_id("artifacts-link").click()
    expect(page.locator("section.art-type")).to_have_count(2)
    row = page.locator("[data-testid=artifact-row][data-name=mnist]")
    expect(row.locator("[data-col=versions]")).to_have_text("2")
    expect(page.locator("section[data-type=model] [data-name=net]")).to_have_count(1)
    screenshot(page, "artifacts-list")

    row.get_by_role("link", name="mnist").click()
    expect(page.get_by_test_id("artifact-name")).to_contain_text("mnist")
    versions = page.get_by_test_id("versions")
    expect(versions.locator("tbody tr")).to_have_count(2)
    expect(versions.locator("tr[data-version=v1] [data-alias=latest]")).to_have_count(1)
    expect(versions.locator("tr[data-version=v0] [data-alias=best]")).to_have_count(1)
    detail = page.get_by_test_id("version-detail")
    expect(detail).to_have_attribute("data-version", "v1")
    expect(detail.get_by_test_id("used-by")).to_contain_text("train")
    files = page.get_by_test_id("artifact-files")
    expect(files.locator("tr")).to_have_count(2)
    link = files.locator("tr[data-path='train.csv'] a")
    body = page.request.get(f"{live_server.url}{link.get_attribute('href')}").body()
    assert body == b"a,b\n1,2\n3,4\n"
    expect(page.get_by_test_id("metadata")).to_contain_text('"rows": 2')

    graph = page.get_by_test_id("lineage")
    for node in (f"run:{chain['prep']}", "artifact:mnist:v1", f"run:{chain['train']}",
                 "artifact:net:v0", f"run:{chain['eval']}"):  # fmt: skip
        expect(graph.locator(f"[data-node='{node}']")).to_have_count(1)
    versions.locator("tr[data-version=v0]").click()
    expect(detail).to_have_attribute("data-version", "v0")
    expect(detail.get_by_test_id("aliases")).to_have_text("best")
    expect(detail.get_by_test_id("used-by")).to_contain_text("no run yet")
    assert "version=v0" in page.url
    screenshot(page, "artifact-page")

    graph.locator(f"[data-node='run:{chain['train']}']").click()
    expect(page.get_by_test_id("run-name")).to_contain_text("train")
    io = page.get_by_test_id("run-artifacts")
    expect(
        io.locator("[data-testid=artifacts-used] [data-artifact='mnist:v1']")
    ).to_have_count(1)
    expect(
        io.locator("[data-testid=artifacts-made] [data-artifact='net:v0']")
    ).to_have_count(1)

    page.goto(f"{live_server.url}/projects/p/groups/exp")
    group = page.get_by_test_id("group-artifacts")
    expect(group.locator("[data-testid=artifacts-used] tr")).to_have_count(
        2
    )  # mnist:v1, net:v0
    expect(
        group.locator("[data-testid=artifacts-made] [data-artifact='net:v0']")
    ).to_contain_text("train")
    screenshot(page, "group-artifacts")
