"""Imported at interpreter start by ``runfold-as-wandb.pth`` when
``RUNFOLD_AS_WANDB`` is set: turns zero-change mode on (``runfold.compat``).

It never stops the interpreter from starting: a failure is one line on stderr.
"""

from __future__ import annotations

import os
import sys


def _boot() -> None:
    value = os.environ.get("RUNFOLD_AS_WANDB", "").strip()
    if value.lower() not in ("1", "true", "yes", "on"):
        return
    try:
        from . import as_wandb

        as_wandb(why=f"RUNFOLD_AS_WANDB={value}")
    except Exception as exc:  # noqa: BLE001 - the interpreter must start
        print(
            f"runfold: RUNFOLD_AS_WANDB={value} but zero-change mode could not start: "
            f"{exc}",
            file=sys.stderr,
        )


_boot()
