"""``python -m runfold.compat SCRIPT [ARGS...]`` (or ``-m MODULE [ARGS...]``):
run an unchanged W&B script with zero-change mode on, without installing the
``.pth`` file or setting ``RUNFOLD_AS_WANDB`` (useful from a source checkout).
Processes the script starts get the mode only through the installed ``.pth``
file and the variable, which this sets for them."""

from __future__ import annotations

import os
import runpy
import sys

from . import ENV_VAR, as_wandb

USAGE = "usage: python -m runfold.compat SCRIPT [ARGS...] | -m MODULE [ARGS...]"


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        raise SystemExit(0 if argv else 2)
    os.environ[ENV_VAR] = "1"
    as_wandb(why="python -m runfold.compat")
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            raise SystemExit(2)
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
