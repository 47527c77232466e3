"""The command line of one sweep run (sweeps/command.py), macro by macro."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runfold.errors import UsageError
from runfold.sweeps import (
    DEFAULT_COMMAND,
    build_command,
    command_args,
    parse_definition,
)
from runfold.sweeps.definition import SweepDefinition

PARAMS: dict[str, Any] = {"lr": 0.01, "layers": [64, 32], "amp": True, "ema": False}
NESTED: dict[str, Any] = {
    "batch": 32,
    "optimizer": {"lr": 0.001, "nadam": {"beta": 0.9}},
}


def _defn(
    command: list[str] | None = None, program: str | None = "train.py"
) -> SweepDefinition:
    data: dict[str, Any] = {"method": "random", "parameters": {"lr": {"value": 0.01}}}
    if command is not None:
        data["command"] = command
    if program is not None:
        data["program"] = program
    return parse_definition(data)


def _build(command: list[str], params: dict[str, Any] = PARAMS, **kw: Any) -> list[str]:
    return build_command(
        _defn(command), params, interpreter="python3", env=["/usr/bin/env"], **kw
    )


def test_default_command_is_wandbs() -> None:
    assert DEFAULT_COMMAND == ("${env}", "${interpreter}", "${program}", "${args}")
    argv = build_command(_defn(), {"lr": 0.01, "bs": 32}, interpreter="/venv/python")
    assert argv[1:] == ["/venv/python", "train.py", "--lr=0.01", "--bs=32"]
    assert argv[0] == "/usr/bin/env"


def test_args_is_one_flag_per_parameter_written_as_wandb_writes_it() -> None:
    assert _build(["${args}"]) == [
        "--lr=0.01",
        "--layers=[64, 32]",
        "--amp=True",
        "--ema=False",
    ]


def test_args_no_hyphens_suits_hydra() -> None:
    assert _build(["${args_no_hyphens}"], {"lr": 0.01, "model": "vit"}) == [
        "lr=0.01",
        "model=vit",
    ]


def test_args_no_boolean_flags_turns_true_into_a_flag_and_drops_false() -> None:
    assert _build(
        ["${args_no_boolean_flags}"], {"amp": True, "ema": False, "lr": 1}
    ) == [
        "--amp",
        "--lr=1",
    ]


def test_args_json_is_one_word() -> None:
    (word,) = _build(["${args_json}"])
    assert json.loads(word) == PARAMS


def test_args_json_file_writes_the_parameters_and_passes_the_path(
    tmp_path: Path,
) -> None:
    target = tmp_path / "sweep-1" / "config-run.json"
    argv = _build(
        ["${program}", "--config", "${args_json_file}"], args_json_file=target
    )
    assert argv == ["train.py", "--config", str(target)]
    assert json.loads(target.read_text()) == PARAMS


def test_args_json_file_needs_a_path() -> None:
    with pytest.raises(UsageError, match=r"pass build_command a path for that file"):
        _build(["${args_json_file}"])


def test_env_interpreter_and_program_can_be_given() -> None:
    argv = build_command(
        _defn(), {"x": 1}, program="other.py", interpreter="py", env=[]
    )
    assert argv == ["py", "other.py", "--x=1"]


def test_program_is_needed_only_when_the_command_runs_it() -> None:
    with pytest.raises(UsageError) as caught:
        build_command(_defn(program=None), {"x": 1})
    assert str(caught.value) == (
        "The sweep's command runs ${program}, but the sweep has no program: "
        "add program: train.py to its definition."
    )
    no_program = _defn(["python", "-m", "trainer", "${args}"], program=None)
    assert build_command(no_program, {"x": 1}) == ["python", "-m", "trainer", "--x=1"]


def test_envvar_is_expanded_inside_words() -> None:
    argv = _build(
        ["--data=${envvar:DATA}/train", "${envvar:N}"], environ={"DATA": "/d", "N": "4"}
    )
    assert argv == ["--data=/d/train", "4"]
    with pytest.raises(
        UsageError, match=r"uses \$\{envvar:MISSING\}, but MISSING is not set"
    ):
        _build(["${envvar:MISSING}"], environ={})


def test_other_words_pass_through_and_macros_only_fill_whole_words() -> None:
    argv = _build(["accelerate", "launch", "--cfg=${args_json}", "${interpreter}"])
    assert argv == ["accelerate", "launch", "--cfg=${args_json}", "python3"]  # as W&B


def test_numbers_in_a_command_become_words() -> None:
    defn = parse_definition(
        {
            "method": "grid",
            "parameters": {"x": {"value": 1}},
            "command": ["torchrun", "--nproc", 8, "${args}"],
        }
    )
    assert build_command(defn, {"x": 1}) == ["torchrun", "--nproc", "8", "--x=1"]


def test_nested_parameters_are_one_flag_per_top_key_as_wandbs_agent() -> None:
    assert _build(["${args}"], NESTED) == [
        "--batch=32",
        "--optimizer={'lr': 0.001, 'nadam': {'beta': 0.9}}",
    ]
    assert json.loads(_build(["${args_json}"], NESTED)[0]) == NESTED


def test_dotted_flattens_nested_parameters() -> None:
    assert command_args(NESTED, dotted=True)["args_no_hyphens"] == [
        "batch=32",
        "optimizer.lr=0.001",
        "optimizer.nadam.beta=0.9",
    ]
    assert _build(["${args}"], NESTED, dotted=True)[1] == "--optimizer.lr=0.001"
