"""The rest of W&B's ``Run``: ``resumed``, ``offline``, ``disabled``, ``entity``,
``path``, ``log_code``, ``alert``, ``restore``, ``_label`` (artifacts and models:
``runartifacts``).

A mixin: ``Run`` owns the state it reads (``mode``, ``project``, ``id``, ``dir``,
``summary``). Any other attribute W&B's Run has and Runfold's does not raises
``MissingAttribute`` (a RunfoldError and an AttributeError, so ``hasattr`` works).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MissingAttribute, UsageError

__all__ = ["WandbRunSurface", "AlertLevel", "ALERT_LEVELS"]

ALERT_LEVELS = ("INFO", "WARN", "ERROR")
NOT_ON_RUN = (
    "run.{name}: W&B's Run has this, Runfold's does not. See "
    "docs/migrating-from-wandb.md for what Runfold's Run does."
)
# Folders log_code never walks into (besides W&B's wandb/ and .wandb/).
_SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv",
    ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "wandb", ".wandb",
    ".runfold",
})  # fmt: skip


class AlertLevel:
    """W&B's ``wandb.AlertLevel``: ``INFO``, ``WARN``, ``ERROR`` (plain text here)."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def _is_code(path: str, root: str) -> bool:
    """W&B's default for ``log_code``: Python files, requirements, Dockerfiles."""
    name = os.path.basename(path)
    return name.endswith(".py") or name == "requirements.txt" or name == "Dockerfile"


def _never(path: str, root: str) -> bool:
    return False


def _call(fn: Callable[..., Any], path: str, root: str) -> bool:
    """W&B's include/exclude functions take ``(path)`` or ``(path, root)``."""
    import inspect

    try:
        takes = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        takes = 1
    return bool(fn(path, root) if takes >= 2 else fn(path))


class WandbRunSurface:
    """W&B's Run beyond logging (a mixin of ``Run``)."""

    mode: str
    project: str
    id: str
    dir: Path
    silent: bool
    summary: Any
    _resumed = False  # init() sets these two
    _entity: str | None = None
    _alerted: dict[str, float]

    @property
    def resumed(self) -> bool:
        """Whether this run appends to a run that existed (``resume=``)."""
        return self._resumed

    @property
    def offline(self) -> bool:
        return self.mode == "offline"

    @property
    def disabled(self) -> bool:
        return self.mode == "disabled"

    @property
    def entity(self) -> str | None:
        """The ``entity=`` given to ``init`` (or RUNFOLD_ENTITY / WANDB_ENTITY)."""
        return self._entity

    @property
    def path(self) -> str:
        """``"entity/project/run_id"`` (``"project/run_id"`` without an entity):
        what ``runfold.Api().run(path)`` and ``runfold.restore(run_path=)`` take."""
        parts = [self._entity] if self._entity else []
        return "/".join([*parts, self.project, self.id])

    def project_name(self) -> str:
        return self.project

    def _label(self, *args: Any, **kwargs: Any) -> None:
        """W&B's telemetry label, set by integrations; nothing to do here."""
        return None

    def log_code(
        self,
        root: str | os.PathLike[str] | None = ".",
        name: str | None = None,
        include_fn: Callable[..., bool] = _is_code,
        exclude_fn: Callable[..., bool] = _never,
    ) -> list[str] | None:
        """Copy the code under ``root`` (by default the ``.py`` files,
        ``requirements.txt`` and ``Dockerfile``s) into the run's files under
        ``code/``, keeping their paths below ``root``. ``include_fn`` and
        ``exclude_fn`` take ``(path)`` or ``(path, root)``, as in W&B. Returns
        the names saved (``["code/train.py", ...]``), or None when none was
        (W&B returns its code artifact; ``name`` names that and is unused)."""
        if root is None or self.mode == "disabled":
            return None
        import glob

        from .files import save_files

        base = os.path.abspath(root)
        own = self.dir.resolve()
        saved: list[str] = []
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(
                d for d in dirs
                if d not in _SKIPPED_DIRS and not _inside(Path(folder, d), own)
            )  # fmt: skip
            for file_name in sorted(names):
                path = os.path.join(folder, file_name)
                if _call(include_fn, path, base) and not _call(exclude_fn, path, base):
                    saved += save_files(
                        self.dir / "files" / "code", glob.escape(path),
                        base_path=base, policy="now",
                    )  # fmt: skip
        return sorted(f"code/{name}" for name in saved) or None

    def alert(
        self,
        title: str,
        text: str,
        level: str | Any = None,
        wait_duration: float | Any = None,
    ) -> None:
        """Record an alert with the run (the summary's ``_alerts`` list, which
        the run page shows) and print it. Another alert with the same title
        within ``wait_duration`` seconds (a number or a timedelta) is skipped,
        as W&B does. Runfold sends no e-mail or Slack message."""
        if self.mode == "disabled":
            return
        level_text = str(getattr(level, "value", level) or "INFO").upper()
        if level_text not in ALERT_LEVELS:
            raise UsageError(
                f"run.alert level={level!r}; use one of {', '.join(ALERT_LEVELS)}."
            )
        now = time.time()
        wait = getattr(wait_duration, "total_seconds", lambda: wait_duration)()
        alerted = self.__dict__.setdefault("_alerted", {})
        if wait and now - alerted.get(title, -float("inf")) < float(wait):
            return
        alerted[title] = now
        entry = {"title": str(title), "text": str(text), "level": level_text, "at": now}
        alerts = list(self.summary.get("_alerts") or [])
        self.summary["_alerts"] = [*alerts, entry]
        if not self.silent:
            print(f"runfold: alert ({level_text}) {title}: {text}", file=sys.stderr)

    def restore(
        self,
        name: str,
        run_path: str | None = None,
        replace: bool = False,
        root: str | None = None,
    ) -> Any:
        """``runfold.restore`` (a file of a past run, by default this run's)."""
        import runfold  # runfold.restore reads runs back: not the SDK's to import

        restore: Any = runfold.__getattr__("restore")
        return restore(name, run_path or self.path, replace, root)

    if not TYPE_CHECKING:  # for mypy, Run keeps only the attributes it has

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            raise MissingAttribute(NOT_ON_RUN.format(name=name))


def _inside(folder: Path, own: Path) -> bool:
    """Whether log_code must skip ``folder``: the run's own directory, or a
    Runfold store's (which holds every run's files)."""
    try:
        resolved = folder.resolve()
    except OSError:
        return False
    return resolved == own or (resolved / "runfold.db").exists()
