"""Warnings the SDK gives the user, pointing at the user's own line.

A warning raised deep inside Runfold (``runfold.log`` -> ``Run.log`` -> the value
checks, or ``config.update`` -> the value conversion) would name a Runfold file
with a fixed ``stacklevel``, and the right level differs by path. ``warn`` walks
the stack instead and names the first frame outside the ``runfold`` package: the
script's line, or the framework's that called a Runfold callback (issue 18).
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["RunfoldWarning", "user_stacklevel", "warn"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class RunfoldWarning(UserWarning):
    """Something the user passed was not logged; the message says what to do."""


def user_stacklevel(skip: int = 1) -> int:
    """The ``stacklevel`` that makes ``warnings.warn``, called ``skip`` frames
    above this function (1: in its caller), name the first frame outside Runfold."""
    frame = sys._getframe(skip)
    level = skip
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def warn(message: str, category: type[Warning] = RunfoldWarning) -> None:
    """``warnings.warn`` at the user's line."""
    warnings.warn(message, category, stacklevel=user_stacklevel(2))
