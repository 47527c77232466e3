"""Which ``wandb`` modules zero-change mode provides, and from what.

``MODULES`` maps each W&B module a script or a library imports to the Runfold
modules whose names it has, searched in order (the first also answers what is
looked up later, such as ``wandb.run``, or ``wandb.setup`` through runfold's
own ``__getattr__``). ``MISSING`` names W&B modules Runfold
does not have, with what to use instead; any other ``wandb.*`` module is
missing too, with a general hint. Both are plain data, read by ``finder``.
"""

from __future__ import annotations

__all__ = [
    "PASSTHROUGH",
    "MODULES",
    "MISSING",
    "OVERRIDES",
    "DYNAMIC",
    "WANDB_VERSION",
    "GENERAL_HINT",
]

# The W&B release whose API Runfold follows: ``wandb.__version__`` and the
# ``wandb`` distribution's version in zero-change mode (libraries check it:
# Lightning's WandbLogger wants wandb>=0.12.10).
WANDB_VERSION = "0.28.0"

_SDK = "runfold.compat.wbsdk"

MODULES: dict[str, tuple[str, ...]] = {
    "wandb": ("runfold",),
    "wandb.plot": ("runfold.plot",),
    "wandb.sklearn": ("runfold.sklearn",),
    "wandb.keras": ("runfold.keras",),
    "wandb.xgboost": ("runfold.integration.xgboost",),
    "wandb.lightgbm": ("runfold.integration.lightgbm",),
    "wandb.util": ("runfold.util",),
    "wandb.env": ("runfold.compat.wbenv",),
    "wandb.errors": ("runfold.compat.wberrors",),
    "wandb.data_types": ("runfold",),
    "wandb.apis": ("runfold.compat.public",),
    "wandb.apis.public": ("runfold.compat.public",),
    "wandb.wandb_run": (_SDK,),
    "wandb.integration": ("runfold.integration",),
    "wandb.integration.keras": ("runfold.integration.keras",),
    "wandb.integration.keras.callbacks": ("runfold.integration.keras",),
    "wandb.integration.xgboost": ("runfold.integration.xgboost",),
    "wandb.integration.lightgbm": ("runfold.integration.lightgbm",),
    "wandb.integration.sklearn": ("runfold.sklearn",),
    "wandb.sdk": (_SDK, "runfold"),
    "wandb.sdk.lib": (_SDK,),
    "wandb.sdk.lib.config_util": (_SDK,),
    "wandb.sdk.lib.disabled": (_SDK,),
    "wandb.sdk.lib.runid": ("runfold.util",),
    "wandb.sdk.wandb_run": (_SDK,),
    "wandb.sdk.wandb_settings": (_SDK,),
    "wandb.sdk.wandb_config": (_SDK,),
    "wandb.sdk.wandb_summary": (_SDK,),
    "wandb.sdk.wandb_init": ("runfold",),
    "wandb.sdk.wandb_setup": (_SDK,),
    "wandb.sdk.data_types": ("runfold",),
    "wandb.artifacts": ("runfold.artifacts",),
    "wandb.sdk.artifacts": ("runfold.artifacts",),
    "wandb.sdk.artifacts.artifact": ("runfold.artifacts",),
}  # fmt: skip

# W&B modules left to the real wandb package when it is installed: its record
# format, which Runfold's importer of W&B runs reads (``runfold.importers``).
PASSTHROUGH = ("wandb.proto",)

# Names a W&B module takes from elsewhere than its sources, loaded on first use:
# ``wandb.Api`` is W&B's flavour of runfold.Api (W&B's field names and defaults).
OVERRIDES: dict[str, dict[str, str]] = {
    "wandb": {"Api": "runfold.compat.public"},
}
# Names looked up anew on every use (the current run's), never kept.
DYNAMIC = frozenset({"run", "config", "summary"})

GENERAL_HINT = (
    "Runfold's zero-change mode provides the W&B modules listed in "
    "docs/migrating-from-wandb.md; use the Runfold call the table there names, "
    "or unset RUNFOLD_AS_WANDB to use the real wandb package"
)
MISSING: dict[str, str] = {
    "wandb.tensorboard": (
        "Runfold does not copy TensorBoard logs; log the metrics with runfold.log()"
    ),
    "wandb.integration.tensorboard": (
        "Runfold does not copy TensorBoard logs; log the metrics with runfold.log()"
    ),
    "wandb.integration.lightning": (
        "for Lightning use lightning's own WandbLogger (it works in zero-change "
        "mode) or runfold.integration.lightning.RunfoldLogger"
    ),
    "wandb.integration.lightning.fabric": (
        "Runfold has no Lightning Fabric logger; call runfold.log() from the loop"
    ),
    "wandb.integration.sb3": (
        "Runfold has no Stable-Baselines3 callback; log episode returns with "
        "runfold.log() from a stable_baselines3 callback"
    ),
    "wandb.integration.openai": "Runfold has no OpenAI autolog",
    "wandb.integration.langchain": "Runfold has no LangChain tracer",
    "wandb.integration.huggingface": (
        "transformers' Trainer(report_to='wandb') works in zero-change mode; or "
        "use runfold.integration.huggingface.RunfoldCallback"
    ),
    "wandb.integration.torch": "use run.watch(model) for gradients and parameters",
    "wandb.proto": (
        "W&B's record format comes from the real wandb package, which zero-change "
        "mode leaves it to: pip install wandb"
    ),
    "wandb.beta": "Runfold has no W&B beta features",
    "wandb.automations": "Runfold has no automations; run.alert() records alerts",
    "wandb.sweeps": "use runfold.sweep() and runfold.agent() (docs/sweeps.md)",
    "wandb.wandb_agent": "use runfold.agent() (docs/sweeps.md)",
    "wandb.sdk.wandb_login": "runfold.login() is accepted; no login is needed",
}  # fmt: skip
