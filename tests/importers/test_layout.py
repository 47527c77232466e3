"""The importers load the sources' packages only when ``runfold import`` runs."""

from __future__ import annotations

import subprocess
import sys


def test_the_cli_and_the_sdk_load_no_importer_and_no_source_package() -> None:
    code = "import runfold, runfold.cli, sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(out.stdout.split())
    assert not {m for m in loaded if m.startswith("runfold.importers")}
    assert not {"wandb", "mlflow", "tensorboard", "tbparse"} & {
        m.split(".")[0] for m in loaded
    }
