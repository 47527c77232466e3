"""``from runfold.keras import WandbCallback``: the twin of W&B's ``wandb.keras``
import path. The callbacks live in ``runfold.integration.keras`` (Keras 3, any
backend); importing this module imports Keras."""

from __future__ import annotations

from .integration.keras import WandbCallback, WandbMetricsLogger
from .integration.keras import __getattr__ as __getattr__

__all__ = ["WandbCallback", "WandbMetricsLogger"]
