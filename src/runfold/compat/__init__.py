"""Zero-change mode: unchanged W&B code records into Runfold.

With ``RUNFOLD_AS_WANDB=1`` in the environment, or ``runfold.as_wandb()`` called
before anything imports wandb, ``import wandb`` and ``from wandb.<module> import
...`` resolve to Runfold, in the script and inside libraries (transformers'
``Trainer(report_to="wandb")``, Lightning's ``WandbLogger``, Keras callbacks
from ``wandb.integration.keras``, ``wandb.xgboost``, ``wandb.lightgbm`` ...).

- **How**: a ``sys.meta_path`` finder (``finder.WandbFinder``) serves the W&B
  modules of ``modules.MODULES``, and a ``wandb`` distribution to
  ``importlib.metadata`` so libraries' "is wandb installed?" checks pass.
- **The variable**: the wheel installs ``runfold-as-wandb.pth`` into
  site-packages; at every interpreter start it checks ``RUNFOLD_AS_WANDB`` and,
  only when it is set (1/true/yes/on), imports ``runfold.compat.boot``, which
  calls ``as_wandb()``. So child processes (DataLoader workers, DDP ranks,
  ``torchrun``) inherit the mode with the variable. A ``.pth`` file, not
  ``sitecustomize``: there is one ``sitecustomize`` per interpreter, and Debian,
  conda and many images ship their own, which would shadow Runfold's or be
  shadowed by it; ``.pth`` files are all read. Without an installed Runfold
  (``PYTHONPATH=src``), ``python -m runfold.compat train.py`` does the same
  for one script.
- **With the real wandb installed**: zero-change mode wins only when asked. The
  finder comes first on ``sys.meta_path``, so ``import wandb`` is Runfold in that
  process, and ``as_wandb()`` says once on stderr that the installed wandb is
  not used. Without the variable (and without ``as_wandb()``) nothing changes:
  ``import wandb`` is the real wandb. If the real wandb was imported already,
  ``as_wandb()`` refuses (UsageError): objects made by it cannot be taken back.
"""

from __future__ import annotations

import sys

from ..errors import UsageError

__all__ = ["as_wandb", "installed", "uninstall", "ENV_VAR"]

ENV_VAR = "RUNFOLD_AS_WANDB"
REAL_WANDB_IMPORTED = (
    "runfold.as_wandb(): the real wandb package ({where}) was imported already, "
    "and what it made cannot be taken back. Call runfold.as_wandb() before "
    "anything imports wandb, or set RUNFOLD_AS_WANDB=1 in the environment."
)
REAL_WANDB_SHADOWED = (
    "runfold: zero-change mode ({why}): `import wandb` gives Runfold in this "
    "process; the installed wandb {version} is not used. Unset RUNFOLD_AS_WANDB "
    "(and drop runfold.as_wandb()) to use it."
)


def installed() -> bool:
    """Whether zero-change mode is on in this process."""
    from .finder import installed as finder

    return finder() is not None


def as_wandb(*, why: str = "runfold.as_wandb()") -> None:
    """Turn zero-change mode on for this process (idempotent)."""
    from .finder import WandbFinder
    from .finder import installed as finder

    if finder() is not None:
        return
    existing = sys.modules.get("wandb")
    if existing is not None and not hasattr(existing, "__runfold__"):
        where = getattr(existing, "__file__", None) or "already in sys.modules"
        raise UsageError(REAL_WANDB_IMPORTED.format(where=where))
    real = _real_wandb_version()
    sys.meta_path.insert(0, WandbFinder())
    if real is not None:
        print(REAL_WANDB_SHADOWED.format(why=why, version=real), file=sys.stderr)


def uninstall() -> None:
    """Turn zero-change mode off and forget the ``wandb`` modules it made (for
    tests; objects already made keep working)."""
    from .finder import WandbFinder

    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, WandbFinder)]
    for name in [n for n in sys.modules if n == "wandb" or n.startswith("wandb.")]:
        if hasattr(sys.modules[name], "__runfold__") or sys.modules[name] is None:
            del sys.modules[name]


def _real_wandb_version() -> str | None:
    """The version of a real wandb package on sys.path, if there is one."""
    import importlib.machinery

    if importlib.machinery.PathFinder.find_spec("wandb") is None:
        return None
    import importlib.metadata

    try:
        return importlib.metadata.version("wandb")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"
