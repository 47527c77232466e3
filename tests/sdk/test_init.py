"""init(): ids, modes, reinit, resume, config and summary as a user sees them."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import runfold
from runfold import UsageError
from runfold.sdk.runlog import RUNLOG_NAME, scan


def test_defaults_project_id_and_readable_name(api: runfold.Api) -> None:
    run = runfold.init()
    assert run.project == "uncategorized"
    assert (
        len(run.id) == 8 and run.id.isalnum() and run.id.islower() or run.id.isdigit()
    )
    assert run.name.count("-") == 2
    run.finish()
    stored = api.run(f"uncategorized/{run.id}")
    assert (stored.name, stored.state) == (run.name, "finished")


def test_generate_id_is_eight_lowercase_alphanumerics() -> None:
    ids = {runfold.util.generate_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(
        len(i) == 8 and set(i) <= set("abcdefghijklmnopqrstuvwxyz0123456789")
        for i in ids
    )


def test_run_id_with_slash_is_refused_before_anything_is_written(
    runfold_dir: Path,
) -> None:
    with pytest.raises(
        UsageError, match=r"Run id 'a/b' is not allowed: it contains '/'"
    ):
        runfold.init(project="p", id="a/b")
    assert not runfold_dir.exists()


def test_config_persists_as_soon_as_set_and_reads_back(api: runfold.Api) -> None:
    run = runfold.init(project="p", config={"lr": 0.1, "optimizer": {"name": "adam"}})
    run.config.batch = 32
    run.config["layers"] = [64, 32]
    run.config.update(argparse.Namespace(seed=3, dropout=0.5))
    assert runfold.config.lr == 0.1 and run.config["optimizer"]["name"] == "adam"
    run._writer.flush()  # what the background writer does within its interval
    stored = api.run(f"p/{run.id}")
    assert stored.config == {"lr": 0.1, "optimizer": {"name": "adam"}, "batch": 32,
                             "layers": [64, 32], "seed": 3, "dropout": 0.5}  # fmt: skip
    assert stored.state == "running"
    run.finish()


def test_config_attribute_error_says_how_to_set_it() -> None:
    run = runfold.init(project="p")
    with pytest.raises(
        AttributeError, match=r"config has no key 'lr'; set it with config.lr = "
    ):
        _ = run.config.lr


def test_module_config_before_init_raises_a_clear_error() -> None:
    with pytest.raises(
        UsageError, match=r"Call runfold.init\(\) before using runfold.config."
    ):
        _ = runfold.config.lr


def test_summary_is_last_value_or_define_metric_rule_or_user_value(
    api: runfold.Api,
) -> None:
    run = runfold.init(project="p")
    run.define_metric("loss", summary="min")
    run.define_metric("val/*", summary="max")
    for value in (3.0, 1.0, 2.0):
        run.log({"loss": value, "acc": value, "val/acc": value, "val/f1": -value})
    run.summary["best_epoch"] = 7
    run.summary["acc"] = 99.0
    expected = {
        "loss": 1.0,
        "acc": 99.0,
        "val/acc": 3.0,
        "val/f1": -1.0,
        "best_epoch": 7,
    }
    assert {k: run.summary[k] for k in expected} == expected
    run.finish()
    assert {k: api.run(f"p/{run.id}").summary[k] for k in expected} == expected


def test_define_metric_mean(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    run.define_metric("x", summary="mean")
    for value in (1.0, 2.0, 6.0, float("nan")):
        run.log({"x": value})
    run.finish()
    assert api.run(f"p/{run.id}").summary["x"] == 3.0


def test_define_metric_rejects_unknown_summary() -> None:
    run = runfold.init(project="p")
    with pytest.raises(
        UsageError,
        match="summary='median' is not supported; use one of min, max, mean, last",
    ):
        run.define_metric("x", summary="median")


def test_disabled_mode_writes_nothing(runfold_dir: Path) -> None:
    run = runfold.init(project="p", mode="disabled", config={"a": 1})
    run.log({"x": 1.0})
    run.finish()
    assert run.config.a == 1
    assert not runfold_dir.exists()


def test_offline_mode_writes_only_the_run_log_and_sync_loads_it(
    runfold_dir: Path,
) -> None:
    run = runfold.init(project="p", mode="offline", group="g")
    for i in range(10):
        run.log({"x": float(i)})
    run.finish()
    assert not (runfold_dir / "runfold.db").exists()
    log_path = runfold_dir / "runs" / "p" / run.id / RUNLOG_NAME
    kinds = [kind for _, kind, _ in scan(log_path)]
    assert kinds[0] == "run" and kinds[-1] == "finish" and "history" in kinds

    from click.testing import CliRunner

    from runfold.cli import cli

    for _ in range(2):  # twice: nothing is added twice
        result = CliRunner().invoke(cli, ["sync"])
        assert result.exit_code == 0, result.output
    api = runfold.Api()
    stored = api.run(f"p/{run.id}")
    assert (stored.group, stored.state) == ("g", "finished")
    assert [r["x"] for r in stored.history()] == [float(i) for i in range(10)]
    api.close()


@pytest.mark.parametrize(
    ("env", "arg", "mode"),
    [
        ({"WANDB_MODE": "offline"}, None, "local"),  # W&B's "no server"
        ({"WANDB_MODE": "dryrun"}, None, "local"),
        ({"WANDB_MODE": "offline", "RUNFOLD_BASE_URL": "http://h:1"}, None, "offline"),
        ({"WANDB_MODE": "offline", "RUNFOLD_MODE": "offline"}, None, "offline"),
        ({"RUNFOLD_MODE": "offline"}, None, "offline"),  # Runfold's: run log only
        ({"WANDB_MODE": "offline"}, "offline", "offline"),  # the argument is ours
        ({"WANDB_MODE": "disabled"}, None, "disabled"),
        ({"WANDB_MODE": "online"}, None, "online"),  # init(): no server -> local
    ],
)
def test_wandb_offline_from_the_shell_means_local_without_a_server(
    env: dict[str, str], arg: str | None, mode: str
) -> None:
    from runfold.settings import resolve

    assert resolve(env, mode=arg).mode == mode


def test_init_says_in_one_line_which_mode_and_why(
    runfold_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("RUNFOLD_SILENT")
    monkeypatch.setenv("WANDB_MODE", "offline")
    run = runfold.init(project="p")
    run.log({"x": 1.0})
    run.finish()
    started = capsys.readouterr().err.splitlines()[0]
    assert started == (
        f"runfold: run p/{run.id} ({run.name}) started in local mode (WANDB_MODE="
        f"offline: no server, so the local store): writing to {runfold_dir}; see it "
        "with: runfold ui"
    )
    assert (runfold_dir / "runfold.db").exists()  # queryable at once

    monkeypatch.setenv("RUNFOLD_MODE", "offline")
    run = runfold.init(project="p")
    run.finish()
    started = capsys.readouterr().err.splitlines()[0]
    assert "started in offline mode (RUNFOLD_MODE=offline): only the run log " in (
        started
    )
    assert f"load it with: runfold sync {runfold_dir / 'runs' / 'p' / run.id}" in (
        started
    )


def test_init_prints_no_mode_line_when_silent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runfold.init(project="p", mode="disabled").finish()
    runfold.init(project="p").finish()
    assert capsys.readouterr().err == ""


def test_shared_dir_setting_writes_only_the_run_log(
    runfold_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNFOLD_SHARED_DIR", "1")
    run = runfold.init(project="p")
    run.log({"x": 1.0})
    run.finish()
    assert not (runfold_dir / "runfold.db").exists()
    assert (runfold_dir / "runs" / "p" / run.id / RUNLOG_NAME).stat().st_size > 0


def test_second_init_returns_the_active_run_unless_reinit(api: runfold.Api) -> None:
    first = runfold.init(project="p")
    assert runfold.init(project="p") is first
    second = runfold.init(project="p", reinit=True)
    assert second is not first and first.is_finished and runfold.run is second
    second.finish()
    assert runfold.run is None
    assert {r.state for r in api.runs("p")} == {"finished"}


def test_resume_allow_continues_step_and_keeps_config(api: runfold.Api) -> None:
    run = runfold.init(project="p", id="resume01", config={"lr": 0.1})
    for i in range(3):
        run.log({"x": float(i)})
    run.finish()
    again = runfold.init(project="p", id="resume01", resume="allow")
    assert again.step == 3 and again.config.lr == 0.1 and again.name == run.name
    again.log({"x": 3.0})
    again.finish()
    stored = api.run("p/resume01")
    assert [(r["_step"], r["x"]) for r in stored.history()] == [
        (i, float(i)) for i in range(4)
    ]
    assert stored.state == "finished" and len(api.runs("p")) == 1


def test_resume_must_for_a_missing_run_fails_clearly() -> None:
    with pytest.raises(
        UsageError,
        match=r"^resume='must' but run 'nope' does not exist in project 'p'.$",
    ):
        runfold.init(project="p", id="nope", resume="must")


def test_reusing_an_id_without_resume_fails_clearly() -> None:
    runfold.init(project="p", id="taken").finish()
    with pytest.raises(
        UsageError,
        match=r"Run 'taken' already exists in project 'p'. Pass resume='allow'",
    ):
        runfold.init(project="p", id="taken")


def test_context_manager_marks_failed_on_exception(api: runfold.Api) -> None:
    with pytest.raises(RuntimeError):
        with runfold.init(project="p") as run:
            run.log({"x": 1.0})
            raise RuntimeError("boom")
    stored = api.run(f"p/{run.id}")
    assert (stored.state, stored.exit_code) == ("failed", 1)
    assert stored.history()[0]["x"] == 1.0


def test_finish_with_exit_code_marks_failed(api: runfold.Api) -> None:
    run = runfold.init(project="p")
    runfold.finish(exit_code=2)
    assert api.run(f"p/{run.id}").state == "failed"


def test_edit_group_tags_notes_while_running_and_afterwards(api: runfold.Api) -> None:
    run = runfold.init(project="p", group="a", tags=["x"])
    run.group = "b"
    run.tags = ["x", "y"]
    run.notes = "first try"
    run.finish()
    stored = api.run(f"p/{run.id}")
    assert (stored.group, stored.tags, stored.notes) == ("b", ["x", "y"], "first try")
    stored.group = "c"
    stored.job_type = "eval"
    stored.config["lr"] = 0.5
    stored.update()
    again = api.run(f"p/{run.id}")
    assert (again.group, again.job_type, again.config) == ("c", "eval", {"lr": 0.5})


def test_save_copies_files_into_the_run_and_refreshes_live_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "model.pt").write_text("v1")
    run = runfold.init(project="p")
    assert runfold.save("ckpt/*.pt") == ["model.pt"]
    (tmp_path / "ckpt" / "model.pt").write_text("v2")
    run.finish()
    assert (run.dir / "files" / "model.pt").read_text() == "v2"


def test_save_rejects_an_unknown_policy() -> None:
    runfold.init(project="p")
    with pytest.raises(
        UsageError, match="policy='sometimes'; use one of live, now, end"
    ):
        runfold.save("*.txt", policy="sometimes")


MOUNTS = """\
/dev/vda1 / ext4 rw 0 0
server:/export /cluster nfs4 rw 0 0
/dev/vdb1 /cluster/local ext4 rw 0 0
lustre@o2ib:/fs /lustre lustre rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "is_shared"),
    [("/home/me/.runfold", False), ("/cluster/team/runs", True), ("/cluster", True),
     ("/cluster/local/x", False), ("/lustre/u/x", True), ("/clusterx/y", False)],
)  # fmt: skip
def test_network_filesystems_are_detected_from_mounts(
    path: str, is_shared: bool
) -> None:
    from runfold.sdk.init import _is_network_fs

    assert _is_network_fs(Path(path), MOUNTS) is is_shared
