"""The command line that starts one run of a sweep, built as W&B's agent builds it.

A sweep's ``command`` is a list of words; without one it is W&B's default
``${env} ${interpreter} ${program} ${args}``. A word that is exactly a macro is
replaced by zero, one or several words:

=========================  =====================================================
``${env}``                 ``/usr/bin/env`` (nothing on Windows)
``${interpreter}``         the Python to run (``sys.executable``; W&B says ``python``)
``${program}``             the sweep's ``program``
``${args}``                ``--key=value`` per parameter
``${args_no_hyphens}``     ``key=value`` per parameter (Hydra's override syntax)
``${args_no_boolean_flags}`` as ``${args}``, but True gives ``--key``, False nothing
``${args_json}``           all parameters as one JSON word
``${args_json_file}``      the path of a JSON file holding them (written here)
=========================  =====================================================

``${envvar:NAME}`` is replaced by the variable's value anywhere inside a word (W&B
leaves the name itself when the variable is unset; here that is an error).

Values are written as W&B writes them, with Python's ``str()``: ``True``, ``None``,
``[1, 2]``. A nested parameter is one argument per top-level key, as W&B's agent
gives it: ``--optimizer={'lr': 0.01}``, which argparse takes as text and which a W&B
script reads back from its config. ``dotted=True`` writes one argument per leaf
instead (``--optimizer.lr=0.01``), which suits Hydra and jsonargparse.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from ..errors import UsageError

__all__ = [
    "COMMAND_MACROS", "DEFAULT_COMMAND", "build_command", "check_command",
    "command_args",
]  # fmt: skip

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
COMMAND_MACROS = (
    "env", "interpreter", "program", "args", "args_no_hyphens",
    "args_no_boolean_flags", "args_json", "args_json_file",
)  # fmt: skip
_MACRO = re.compile(r"^\$\{([^}]*)\}$")
_ENVVAR = re.compile(r"\$\{envvar:([A-Za-z0-9_]*)\}")
_MACRO_LIST = ", ".join("${" + m + "}" for m in COMMAND_MACROS) + ", ${envvar:NAME}"
_NOT_WORDS = "Sweep key 'command' must be a list of words, e.g. [${{env}}, ${{interpreter}}, ${{program}}, ${{args}}] (got {got!r})."
_UNKNOWN_MACRO = (
    "Sweep key 'command': unknown macro {word!r}. Macros: "
    + _MACRO_LIST.replace("{", "{{").replace("}", "}}")
    + "."
)
_NO_PROGRAM = "The sweep's command runs ${program}, but the sweep has no program: add program: train.py to its definition."
_NO_JSON_FILE = "The sweep's command uses ${args_json_file}: pass build_command a path for that file (args_json_file=...)."
_NO_ENVVAR = "The sweep's command uses ${{envvar:{name}}}, but {name} is not set."


class SweepCommand(Protocol):
    """What ``build_command`` reads of a sweep (``SweepDefinition`` has both)."""

    @property
    def command(self) -> tuple[str, ...] | None: ...

    @property
    def program(self) -> str | None: ...


def check_command(spec: Any) -> tuple[str, ...]:
    """A definition's ``command``, checked: a list of words, known macros only."""
    if not isinstance(spec, list) or not all(
        isinstance(w, str | int | float) and not isinstance(w, bool) for w in spec
    ):
        raise UsageError(_NOT_WORDS.format(got=spec))
    words = tuple(map(str, spec))
    for word in words:
        match = _MACRO.match(word)
        if match and match[1] not in COMMAND_MACROS:
            if not match[1].startswith("envvar:"):
                raise UsageError(_UNKNOWN_MACRO.format(word=word))
    return words


def command_args(
    params: Mapping[str, Any], *, dotted: bool = False
) -> dict[str, list[str]]:
    """The argument forms of ``params`` (a run's config), by macro name."""
    pairs = list(_flatten(params, "")) if dotted else list(params.items())
    flags_no_booleans = []
    for key, value in pairs:
        if value is True:
            flags_no_booleans.append(f"--{key}")
        elif value is not False:
            flags_no_booleans.append(f"--{key}={value}")
    return {
        "args": [f"--{key}={value}" for key, value in pairs],
        "args_no_hyphens": [f"{key}={value}" for key, value in pairs],
        "args_no_boolean_flags": flags_no_booleans,
        "args_json": [json.dumps(dict(params))],
    }


def _flatten(params: Mapping[str, Any], prefix: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in params.items():
        if isinstance(value, Mapping) and value:
            out += _flatten(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def build_command(
    defn: SweepCommand,
    params: Mapping[str, Any],
    *,
    program: str | None = None,
    interpreter: str = sys.executable,
    env: Sequence[str] | None = None,
    args_json_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    dotted: bool = False,
) -> list[str]:
    """The argv that runs one point ``params`` of the sweep ``defn``.

    ``program`` overrides the definition's; ``env`` is what ``${env}`` becomes
    (default ``/usr/bin/env``, nothing on Windows); ``args_json_file`` is where
    ``${args_json_file}`` writes the parameters (needed only when the command has
    it; the folder is created); ``environ`` serves ``${envvar:NAME}`` (default
    ``os.environ``); ``dotted`` flattens nested parameters (see the module doc).
    """
    words = defn.command or DEFAULT_COMMAND
    forms: dict[str, list[str]] = {
        **command_args(params, dotted=dotted),
        "env": list(env) if env is not None else _default_env(),
        "interpreter": [interpreter],
    }
    if "${program}" in words:
        chosen = program or defn.program
        if not chosen:
            raise UsageError(_NO_PROGRAM)
        forms["program"] = [chosen]
    if "${args_json_file}" in words:
        forms["args_json_file"] = [_write_json(args_json_file, params)]
    out: list[str] = []
    for word in words:
        match = _MACRO.match(word)
        if match and match[1] in forms:
            out += forms[match[1]]
        else:
            out.append(
                _expand_envvars(word, os.environ if environ is None else environ)
            )
    return out


def _default_env() -> list[str]:
    return [] if sys.platform == "win32" else ["/usr/bin/env"]


def _write_json(path: str | os.PathLike[str] | None, params: Mapping[str, Any]) -> str:
    if path is None:
        raise UsageError(_NO_JSON_FILE)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(dict(params)), encoding="utf-8")
    return str(target)


def _expand_envvars(word: str, environ: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name not in environ:
            raise UsageError(_NO_ENVVAR.format(name=name))
        return environ[name]

    return _ENVVAR.sub(value, word)
