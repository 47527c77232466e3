"""The rest of W&B's SDK surface, with ``import runfold as wandb``: setup and
Settings, resumed/offline/disabled, resume="auto", restore, log_code, config
objects and W&B's rule for changing values, dir=, alert, termlog, and what
Runfold does not do raising a RunfoldError that names it."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import runfold as wandb
from runfold.errors import (
    ConfigError,
    MissingAttribute,
    NotSupported,
    RunNotFound,
    UsageError,
)
from runfold.sdk import wandbsettings
from runfold.sdk.wandbinit import read_init_arguments

from ..conftest import run_script


@pytest.fixture(autouse=True)
def no_setup_defaults() -> Iterator[None]:
    yield
    wandbsettings._defaults.clear()


# ---- setup(), Settings, init's other arguments ---------------------------------


def test_settings_fill_in_init_arguments(api: wandb.Api) -> None:
    wandb.setup(settings=wandb.Settings(run_group="from-setup", project="p"))
    settings = wandb.Settings(run_name="named", run_tags=["a"], unknown_field=3)
    run = wandb.init(settings=settings, job_type="train")
    run.finish()
    [stored] = api.runs("p")
    assert (stored.name, stored.group, stored.tags, stored.job_type) == (
        "named", "from-setup", ["a"], "train",
    )  # fmt: skip
    run = wandb.init(project="p", name="argument wins", settings={"run_name": "x"})
    assert run.name == "argument wins"
    run.finish()
    assert wandb.init(settings={"mode": "disabled"}).disabled
    wandb.finish()


def test_settings_that_act_as_runfold_variables() -> None:
    found = read_init_arguments(
        {}, {"settings": wandb.Settings(
            console="off", silent=True, x_disable_stats=True, disable_git=True,
            save_code=False, base_url="http://127.0.0.1:1", runfold_dir="/tmp/s",
        )}, None,
    )  # fmt: skip
    env = found.environ
    assert env["RUNFOLD_CONSOLE"] == "off" and env["RUNFOLD_SILENT"] == "1"
    assert env["RUNFOLD_SYSTEM_SECONDS"] == "0" and env["RUNFOLD_DISABLE_GIT"] == "1"
    assert env["RUNFOLD_DISABLE_CODE"] == "1"
    assert env["RUNFOLD_BASE_URL"] == "http://127.0.0.1:1"
    assert env["RUNFOLD_DIR"] == "/tmp/s"  # Runfold's own: the store's folder
    interval = read_init_arguments(
        {}, {"settings": {"x_stats_sampling_interval": 2.5}}, None
    )
    assert interval.environ["RUNFOLD_SYSTEM_SECONDS"] == "2.5"


def test_init_arguments_runfold_does_not_take(api: wandb.Api) -> None:
    with pytest.warns(wandb.RunfoldWarning, match="TensorBoard"):
        wandb.init(project="p", sync_tensorboard=True, anonymous="allow").finish()
    with pytest.raises(NotSupported, match="fork"):
        wandb.init(project="p", fork_from="abc?_step=3")
    with pytest.raises(UsageError, match="'colour'"):
        wandb.init(project="p", colour="blue")


def test_dir_is_wandbs_folder_not_a_store(api: wandb.Api, tmp_path: Path) -> None:
    folder = tmp_path / "outputs"
    run = wandb.init(project="p", dir=str(folder))
    run.finish()
    assert folder.is_dir() and not (folder / "runfold.db").exists()
    assert [r.id for r in api.runs("p")] == [run.id]


def test_resumed_offline_disabled(api: wandb.Api) -> None:
    run = wandb.init(project="p", id="r1")
    assert not run.resumed and not run.offline and not run.disabled
    run.finish()
    again = wandb.init(project="p", id="r1", resume="allow")
    assert again.resumed
    again.finish()
    offline = wandb.init(project="p", mode="offline")
    assert offline.offline and offline.mode == "offline"
    offline.finish(quiet=True)


# ---- resume="auto" -------------------------------------------------------------


def test_resume_auto_resumes_the_run_that_did_not_finish(api: wandb.Api) -> None:
    first = wandb.init(project="p", resume="auto")
    first.log({"loss": 1.0})
    first.finish(exit_code=1)  # failed: auto resumes it
    second = wandb.init(project="p", resume=True)
    assert second.id == first.id and second.resumed and second.step == 1
    second.log({"loss": 0.5})
    second.finish()  # finished: the next one is new
    third = wandb.init(project="p", resume="auto")
    assert third.id != first.id and not third.resumed
    third.finish()
    [resumed] = [r for r in api.runs("p") if r.id == first.id]
    assert [r["loss"] for r in resumed.history()] == [1.0, 0.5]


def test_resume_auto_after_a_crash_and_per_directory(
    api: wandb.Api, tmp_path: Path
) -> None:
    result = run_script(
        """
        import os, runfold
        run = runfold.init(project="p", resume="auto")
        run.log({"loss": 1.0})
        print(run.id)
        os._exit(9)  # killed: no finish
        """,
        check=False,
    )
    crashed = result.stdout.strip()
    elsewhere = wandb.init(project="p", resume="auto", dir=str(tmp_path / "other"))
    assert elsewhere.id != crashed  # another directory remembers another run
    elsewhere.finish()
    resumed = wandb.init(project="p", resume="auto")
    assert resumed.id == crashed and resumed.resumed
    resumed.finish()


# ---- config --------------------------------------------------------------------


@dataclasses.dataclass
class Hyper:
    lr: float = 0.01
    layers: tuple[int, ...] = (64, 32)
    seed: int = 0


class Plain:
    def __init__(self) -> None:
        self.lr = 0.1
        self.name = "plain"


class Namespace:  # a class used as a bag of settings, as some scripts do
    lr = 0.2
    epochs = 3

    @staticmethod
    def helper() -> None:
        return None


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (Hyper(), {"lr": 0.01, "layers": [64, 32], "seed": 0}),
        (Plain(), {"lr": 0.1, "name": "plain"}),
        (Namespace, {"lr": 0.2, "epochs": 3}),
        (argparse.Namespace(lr=0.3, opt="adam"), {"lr": 0.3, "opt": "adam"}),
    ],
    ids=["dataclass", "object", "class", "argparse"],
)
def test_init_config_objects(api: wandb.Api, config: object, expected: dict) -> None:
    wandb.init(project="p", config=config).finish()
    assert api.runs("p")[0].config == expected


def test_init_config_file_and_keys(api: wandb.Api, tmp_path: Path) -> None:
    path = tmp_path / "config-defaults.json"
    data = {"wandb_version": 1, "lr": {"desc": "rate", "value": 0.1}, "seed": 3}
    path.write_text(json.dumps(data))
    wandb.init(project="p", name="file", config=str(path)).finish()
    wandb.init(
        project="p", name="in", config=Hyper(), config_include_keys=["lr"]
    ).finish()
    wandb.init(
        project="p", name="ex", config=Hyper(), config_exclude_keys=["seed", "layers"]
    ).finish()
    configs = {r.name: r.config for r in api.runs("p")}
    assert configs == {"file": {"lr": 0.1, "seed": 3}, "in": {"lr": 0.01},
                       "ex": {"lr": 0.01}}  # fmt: skip
    with pytest.raises(UsageError, match="not both"):
        wandb.init(config={}, config_include_keys=["a"], config_exclude_keys=["b"])


def test_init_config_omegaconf(api: wandb.Api) -> None:
    omegaconf = pytest.importorskip("omegaconf", reason="pip install omegaconf")
    cfg = omegaconf.OmegaConf.create({"model": {"lr": 0.1, "double": "${model.lr}"}})
    wandb.init(project="p", config=cfg).finish()
    assert api.runs("p")[0].config == {"model": {"lr": 0.1, "double": 0.1}}


def test_changing_a_config_value_follows_wandbs_rule(api: wandb.Api) -> None:
    run = wandb.init(project="p", id="c1", config={"lr": 0.1})
    run.config.update({"lr": 0.1, "epochs": 2})  # the same value, a new key: fine
    with pytest.raises(ConfigError, match="allow_val_change"):
        run.config.update({"lr": 0.2})
    with pytest.raises(ConfigError):
        run.config.lr = 0.3
    run.config.update({"lr": 0.2}, allow_val_change=True)
    run.finish()
    # init(config=) applies over a resumed run's values; later changes need allowing
    resumed = wandb.init(project="p", id="c1", resume="allow", config={"lr": 0.5})
    assert resumed.config.as_dict() == {"lr": 0.5, "epochs": 2}
    with pytest.raises(ConfigError):
        resumed.config.update({"epochs": 3})
    resumed.finish()
    free = wandb.init(project="p", id="c1", resume="allow", allow_val_change=True)
    free.config.epochs = 4
    free.finish()
    assert api.run("p/c1").config == {"lr": 0.5, "epochs": 4}


# ---- alert, log_code, restore, terminal output, log() --------------------------


def test_alert_is_recorded_and_printed(
    api: wandb.Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUNFOLD_SILENT")
    run = wandb.init(project="p")
    wandb.alert(title="loss exploded", text="loss is 1e9", level=wandb.AlertLevel.WARN)
    run.alert("loss exploded", "again", wait_duration=300)  # within the wait: skipped
    run.alert("done", "ok")
    run.finish()
    err = capsys.readouterr().err
    assert "runfold: alert (WARN) loss exploded: loss is 1e9" in err
    assert "again" not in err
    alerts = api.runs("p")[0].summary["_alerts"]
    assert [(a["title"], a["text"], a["level"]) for a in alerts] == [
        ("loss exploded", "loss is 1e9", "WARN"), ("done", "ok", "INFO"),
    ]  # fmt: skip
    with pytest.raises(UsageError, match="level"):
        wandb.init(project="p").alert("t", "x", level="LOUD")


def test_log_code_copies_the_code(api: wandb.Api, tmp_path: Path) -> None:
    root = tmp_path / "project"
    for name in ("train.py", "lib/model.py", "data.csv", ".venv/x.py", "wandb/y.py",
                 "requirements.txt"):  # fmt: skip
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}\n")
    run = wandb.init(project="p")
    saved = run.log_code(str(root))
    assert saved == ["code/lib/model.py", "code/requirements.txt", "code/train.py"]
    assert run.log_code(str(root), include_fn=lambda p: p.endswith(".csv")) == [
        "code/data.csv"
    ]
    assert run.log_code(str(root), exclude_fn=lambda p, r: "lib" in p) == [
        "code/requirements.txt", "code/train.py",
    ]  # fmt: skip
    run.finish()
    stored = api.runs("p")[0]
    assert stored.file("code/lib/model.py").read_bytes() == b"# lib/model.py\n"


def test_restore_a_file_of_a_past_run(
    api: wandb.Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("weights.txt").write_text("w=1")
    first = wandb.init(project="p")
    first.save("weights.txt", policy="now")
    first.finish()
    Path("weights.txt").unlink()
    got = wandb.restore(
        "weights.txt", run_path=f"p/{first.id}", root=str(tmp_path / "r")
    )
    assert got is not None and got.read() == "w=1"
    got.close()
    assert wandb.restore("absent.txt", run_path=f"p/{first.id}") is None
    with pytest.raises(RunNotFound):
        wandb.restore("weights.txt", run_path="p/nosuchrun")
    with pytest.raises(UsageError, match="run_path"):
        wandb.restore("weights.txt")
    again = wandb.init(project="p", id=first.id, resume="allow")
    handle = wandb.restore("weights.txt")  # the current run's, into its files
    assert handle is not None and Path(handle.name).parent == again.dir / "files"
    handle.close()
    again.finish()


def test_terminal_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wandb.termwarn("careful", repeat=False)
    wandb.termwarn("careful", repeat=False)
    wandb.termerror("broken")
    wandb.termlog("quiet in silent mode")
    err = capsys.readouterr().err
    assert err.count("runfold: WARNING careful") == 1
    assert "runfold: ERROR broken" in err and "quiet" not in err
    monkeypatch.delenv("RUNFOLD_SILENT")
    wandb.termlog("now heard")
    assert "runfold: now heard" in capsys.readouterr().err


def test_log_with_no_data_commits_the_row(api: wandb.Api) -> None:
    run = wandb.init(project="p")
    wandb.log({"loss": 1.0}, commit=False)
    wandb.log({"acc": 0.5}, commit=False)
    wandb.log()
    run.log()  # nothing open: the step still advances, as in W&B
    wandb.log({"loss": 0.5})
    run.finish()
    assert [(r["_step"], r["loss"]) for r in api.runs("p")[0].history()] == [
        (0, 1.0), (2, 0.5),
    ]  # fmt: skip


def test_what_runfold_does_not_do_says_so() -> None:
    run = wandb.init(project="p")
    run._label(code="transformers_trainer")  # W&B's telemetry: nothing to do
    with pytest.raises(MissingAttribute, match="run.display") as missing:
        run.display()
    assert isinstance(missing.value, AttributeError) and not hasattr(run, "to_html")
    assert run.path == f"p/{run.id}" and run.project_name() == "p"
    wandb.require("service")
    with pytest.raises(NotSupported, match="runfold.sweep"):
        wandb.controller()
    run.finish()
    os.environ.get("unused")  # keep os imported for monkeypatched variables
