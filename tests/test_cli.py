"""The runfold command: exit codes and what it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli
from runfold.demo import planned_runs


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo store for the read-only tests of this module (built once)."""
    directory = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(
        cli, ["demo", "--steps", "200", "--dir", str(directory)]
    )
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture
def demo_dir(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUNFOLD_DIR", str(demo_store))
    return demo_store


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "projects", "runs", "groups", "sync"):
        assert command in result.output


def test_demo_writes_grouped_project_with_failed_and_crashed_runs(
    demo_dir: Path,
) -> None:
    api = runfold.Api()
    runs = api.runs("demo")
    assert len(runs) == planned_runs(200)
    states = sorted(r.state for r in runs)
    assert states.count("failed") == 1
    assert states.count("crashed") in (
        0,
        1,
    )  # crashed once its 0.5 s heartbeat is stale
    groups = {g.name: g for g in api.groups("demo", by=["group", "job_type"])}
    assert groups["cv-resnet18 / fold"].count == 5
    assert groups["ddp-lr0.01 / train"].count == 4
    assert groups["ddp-lr0.01 / eval"].count == 1
    assert len(runs[0].history(keys=["train/loss"])) == 200
    api.close()


def test_groups_json_gives_counts_and_aggregates(
    runner: CliRunner, demo_dir: Path
) -> None:
    result = runner.invoke(cli, ["groups", "demo", "--by", "group", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    cv = rows["cv-resnet18"]
    assert cv["count"] == 5 and cv["states"] == {"finished": 5}
    assert cv["config"]["k"] == 5 and cv["config"]["fold"] == "mixed"
    assert cv["summary"]["train/loss"]["count"] == 5


def test_groups_table_shows_mean_and_std(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(
        cli, ["groups", "demo", "--metric", "train/loss"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "cv-resnet18 / fold" in result.output and "±" in result.output


def test_runs_filter_by_config(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(
        cli, ["runs", "demo", "--filter", '{"config.lr": {"$gte": 0.1}}', "--json"]
    )
    assert result.exit_code == 0, result.output
    lrs = {row["config"]["lr"] for row in json.loads(result.output)}
    assert lrs and min(lrs) >= 0.1


def test_runs_of_a_missing_project_is_a_clean_error(
    runner: CliRunner, demo_dir: Path
) -> None:
    result = runner.invoke(cli, ["runs", "nope"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Project 'nope' not found. List projects with: runfold projects"
    )


def test_demo_prints_where_it_wrote(runner: CliRunner, runfold_dir: Path) -> None:
    result = runner.invoke(cli, ["demo", "--steps", "100", "--project", "d2"])
    assert result.exit_code == 0, result.output
    assert (
        f"Wrote {planned_runs(100)} runs to project 'd2' in {runfold_dir}"
        in result.output
    )


def test_bad_filter_json_is_a_usage_error(runner: CliRunner, demo_dir: Path) -> None:
    result = runner.invoke(cli, ["runs", "demo", "--filter", "{lr>1}"])
    assert result.exit_code == 2
    assert "Error: Invalid value for --filter: not JSON" in result.output


def test_unknown_filter_operator_is_a_clean_error(
    runner: CliRunner, demo_dir: Path
) -> None:
    result = runner.invoke(
        cli, ["runs", "demo", "--filter", '{"config.lr": {"$bigger": 1}}']
    )
    assert result.exit_code == 1
    assert "Error: Unknown filter operator '$bigger'" in result.output


def test_commands_without_a_store_say_how_to_start(
    runner: CliRunner, runfold_dir: Path
) -> None:
    result = runner.invoke(cli, ["projects"])
    assert result.exit_code == 1
    assert "No Runfold store at" in result.output and "runfold demo" in result.output


def test_sync_of_a_missing_path_is_a_clean_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(cli, ["sync", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "Error: Nothing to sync at" in result.output


def test_demo_run_twice_leaves_the_project_as_it_was(
    runner: CliRunner, runfold_dir: Path
) -> None:
    """The README's first command, run again, must not double the demo's groups."""
    first = runner.invoke(cli, ["demo", "--steps", "20", "--project", "twice"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(cli, ["demo", "--steps", "20", "--project", "twice"])
    assert again.exit_code == 0, again.output
    runs = planned_runs(20)
    assert (
        f"Project 'twice' in {runfold_dir} already has {runs} runs: nothing written"
        in (again.output)
    )
    assert len(runfold.Api(runfold_dir).runs("twice")) == runs
    forced = runner.invoke(
        cli, ["demo", "--steps", "20", "--project", "twice", "--force"]
    )
    assert forced.exit_code == 0, forced.output
    assert len(runfold.Api(runfold_dir).runs("twice")) == 2 * runs


def test_demo_refuses_too_few_steps(runner: CliRunner, runfold_dir: Path) -> None:
    result = runner.invoke(cli, ["demo", "--steps", "-5"])
    assert result.exit_code == 2
    assert "Invalid value for '--steps': -5 is not in the range x>=10." in result.output


def test_groups_with_a_missing_metric_says_which_keys_exist(
    runner: CliRunner, demo_dir: Path
) -> None:
    result = runner.invoke(cli, ["groups", "demo", "--metric", "nope"])
    assert result.exit_code == 1
    assert (
        "No run of 'demo' has the summary key 'nope'; its keys are: " in result.output
    )
    assert "train/loss" in result.output
