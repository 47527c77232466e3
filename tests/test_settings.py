"""Settings precedence: argument > RUNFOLD_* > WANDB_* > default (one table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runfold.errors import UsageError
from runfold.settings import load_sweep_params, resolve

CASES = [
    # (field, init kwargs, environ, expected)
    ("project", {}, {}, "uncategorized"),
    ("project", {}, {"WANDB_PROJECT": "w"}, "w"),
    ("project", {}, {"WANDB_PROJECT": "w", "RUNFOLD_PROJECT": "r"}, "r"),
    ("project", {"project": "a"}, {"RUNFOLD_PROJECT": "r"}, "a"),
    ("group", {}, {"WANDB_RUN_GROUP": "w"}, "w"),
    ("group", {}, {"RUNFOLD_RUN_GROUP": "r", "WANDB_RUN_GROUP": "w"}, "r"),
    ("group", {"group": "a"}, {"RUNFOLD_RUN_GROUP": "r"}, "a"),
    ("group", {}, {"TORCHELASTIC_RUN_ID": "abc"}, "torchrun-abc"),
    ("group", {}, {"SLURM_JOB_ID": "42", "SLURM_NTASKS": "4"}, "slurm-42"),
    ("group", {}, {"SLURM_JOB_ID": "42", "SLURM_NTASKS": "1"}, None),
    ("group", {}, {"RUNFOLD_RUN_GROUP": "r", "TORCHELASTIC_RUN_ID": "abc"}, "r"),
    ("job_type", {}, {"WANDB_JOB_TYPE": "eval"}, "eval"),
    ("job_type", {}, {"RUNFOLD_JOB_TYPE": "train", "WANDB_JOB_TYPE": "eval"}, "train"),
    ("run_id", {}, {"WANDB_RUN_ID": "abc123"}, "abc123"),
    ("name", {}, {"RUNFOLD_NAME": "n1"}, "n1"),
    ("notes", {}, {"WANDB_NOTES": "hi"}, "hi"),
    ("tags", {}, {"RUNFOLD_TAGS": "a, b,,c"}, ["a", "b", "c"]),
    ("tags", {"tags": ("x",)}, {"RUNFOLD_TAGS": "a"}, ["x"]),
    ("mode", {}, {}, "local"),
    # W&B's offline means "no server": Runfold's local store, unless a server is set
    ("mode", {}, {"WANDB_MODE": "offline"}, "local"),
    ("mode", {}, {"WANDB_MODE": "dryrun"}, "local"),
    ("mode", {}, {"WANDB_MODE": "offline", "RUNFOLD_BASE_URL": "http://h"}, "offline"),
    ("mode", {}, {"RUNFOLD_MODE": "offline"}, "offline"),
    ("mode", {"mode": "disabled"}, {"RUNFOLD_MODE": "offline"}, "disabled"),
    ("resume", {}, {"WANDB_RESUME": "allow"}, "allow"),
    ("resume", {"resume": True}, {}, "allow"),
    ("resume", {}, {"RUNFOLD_RESUME": "must"}, "must"),
    ("resume", {}, {}, None),
    ("base_url", {}, {"WANDB_BASE_URL": "http://h"}, "http://h"),
    ("api_key", {}, {"RUNFOLD_API_KEY": "k"}, "k"),
    ("silent", {}, {"WANDB_SILENT": "true"}, True),
    ("silent", {}, {}, False),
    ("flush_seconds", {}, {"RUNFOLD_FLUSH_SECONDS": "5"}, 1.0),
    ("heartbeat_seconds", {}, {"RUNFOLD_HEARTBEAT_SECONDS": "2"}, 2.0),
    ("shared_dir", {}, {"RUNFOLD_SHARED_DIR": "1"}, True),
]


@pytest.mark.parametrize(("field", "kwargs", "environ", "expected"), CASES)
def test_settings_precedence(
    field: str, kwargs: dict[str, Any], environ: dict[str, str], expected: Any
) -> None:
    assert getattr(resolve(environ, **kwargs), field) == expected


def test_dir_from_environment_and_argument(tmp_path: Path) -> None:
    assert resolve({"WANDB_DIR": str(tmp_path / "w")}).dir == tmp_path / "w"
    assert (
        resolve({"RUNFOLD_DIR": str(tmp_path / "r")}, dir=str(tmp_path / "a")).dir
        == tmp_path / "a"
    )


@pytest.mark.parametrize(
    "bad", ["a:b", "a;b", "a,b", "a#b", "a?b", "a/b", "a'b", " ab", "ab ", "", ".."]
)
def test_run_ids_with_forbidden_characters_are_refused(bad: str) -> None:
    with pytest.raises(
        UsageError, match=r"^Run id .* is not allowed: .*Use letters, digits"
    ):
        resolve({}, id=bad)


def test_unknown_mode_names_the_choices() -> None:
    with pytest.raises(
        UsageError,
        match=r"mode='cloud' is not a Runfold mode; use one of local, online, offline, disabled.",
    ):
        resolve({}, mode="cloud")


def test_bad_resume_value_is_refused() -> None:
    with pytest.raises(UsageError, match="resume='sometimes' is not understood"):
        resolve({}, resume="sometimes")


def test_bad_number_setting_says_which_variable() -> None:
    with pytest.raises(
        UsageError, match=r"RUNFOLD_FLUSH_SECONDS='soon' must be a number of seconds."
    ):
        resolve({"RUNFOLD_FLUSH_SECONDS": "soon"})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, (False, 50.0, 200)),
        ({"RUNFOLD_TEAM_MODE": "1", "RUNFOLD_RATE_LIMIT": "0"}, (True, 0.0, 200)),
        ({"RUNFOLD_RATE_LIMIT": "5.5", "RUNFOLD_RATE_BURST": "10"}, (False, 5.5, 10)),
    ],
)
def test_server_options_come_from_the_environment(
    environ: dict[str, str], expected: tuple[bool, float, int]
) -> None:
    from runfold.settings import server_options

    options = server_options(environ)
    assert (options.team_mode, options.rate_limit, options.rate_burst) == expected


def test_bad_rate_limit_says_what_is_expected() -> None:
    from runfold.settings import server_options

    with pytest.raises(UsageError, match=r"RUNFOLD_RATE_LIMIT='fast' must be a number"):
        server_options({"RUNFOLD_RATE_LIMIT": "fast"})


# ---- sweeps: the agent sets both families; one cleared means "not the sweep run"

BOTH = {
    "RUNFOLD_SWEEP_ID": "sw1", "WANDB_SWEEP_ID": "sw1",
    "RUNFOLD_RUN_ID": "run1", "WANDB_RUN_ID": "run1",
}  # fmt: skip
WANDB_CLEARED = {"RUNFOLD_SWEEP_ID": "sw1", "RUNFOLD_RUN_ID": "run1"}
RUNFOLD_CLEARED = {"WANDB_SWEEP_ID": "sw1", "WANDB_RUN_ID": "run1"}


@pytest.mark.parametrize(
    ("kwargs", "environ", "expected"),
    [
        ({}, BOTH, ("run1", "sw1", "allow")),
        ({"resume": "never"}, BOTH, ("run1", "sw1", "never")),
        ({"id": "mine"}, BOTH, ("mine", "sw1", "allow")),
        ({}, WANDB_CLEARED, (None, None, None)),
        ({}, RUNFOLD_CLEARED, (None, None, None)),
        ({}, {**WANDB_CLEARED, "WANDB_RUN_ID": "run1"}, (None, None, None)),
        ({"id": "mine"}, WANDB_CLEARED, ("mine", None, None)),
        ({}, {"WANDB_RUN_ID": "run1"}, ("run1", None, None)),
        ({}, {"RUNFOLD_RUN_ID": "run1"}, ("run1", None, None)),
    ],
)
def test_sweep_variables_count_only_in_pairs(
    kwargs: dict[str, Any], environ: dict[str, str], expected: tuple[Any, ...]
) -> None:
    settings = resolve(environ, **kwargs)
    assert (settings.run_id, settings.sweep_id, settings.resume) == expected


PARAM_FILES = [
    (
        "p.yaml",
        "wandb_version: 1\nlr:\n  desc: null\n  value: 0.01\nopt:\n  value: adam\n",
    ),
    ("p.yml", "lr: 0.01\nopt: adam\n"),
    ("p.json", '{"lr": {"value": 0.01}, "opt": {"value": "adam"}}'),
    ("p.json", '{"lr": 0.01, "opt": "adam"}'),
    ("params", '{"lr": {"value": 0.01}, "opt": {"value": "adam"}}'),
    ("params", "lr: 0.01\nopt: adam\n"),
]


@pytest.mark.parametrize(("name", "text"), PARAM_FILES)
def test_sweep_parameters_are_read_from_the_agents_file(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    environ = {**BOTH, "RUNFOLD_SWEEP_PARAM_PATH": str(path),
               "WANDB_SWEEP_PARAM_PATH": str(path)}  # fmt: skip
    settings = resolve(environ)
    assert settings.sweep_param_path == str(path)
    assert load_sweep_params(str(path)) == {"lr": 0.01, "opt": "adam"}
    cleared = {k: v for k, v in environ.items() if not k.startswith("WANDB_")}
    assert resolve(cleared).sweep_param_path is None


def test_an_empty_parameter_file_is_no_parameters(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("")
    assert load_sweep_params(tmp_path / "p.yaml") == {}


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("missing.json", None, "cannot be read"),
        ("p.json", "{lr: 1", "is not valid JSON"),
        ("p.yaml", "lr: [1", "is not valid YAML"),
        ("p.json", "[1, 2]", "holds a list, not a mapping of parameters"),
    ],
)
def test_a_bad_parameter_file_says_what_is_wrong(
    tmp_path: Path, name: str, text: str | None, why: str
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(UsageError, match=r"\(RUNFOLD_SWEEP_PARAM_PATH\) " + why):
        load_sweep_params(path)


def test_a_bad_sweep_id_is_refused() -> None:
    with pytest.raises(UsageError, match=r"RUNFOLD_SWEEP_ID='a/b' is not a sweep id"):
        resolve({"RUNFOLD_SWEEP_ID": "a/b", "WANDB_SWEEP_ID": "a/b"})
