"""`import runfold` stays light: no NumPy, store, server or CLI dependencies."""

from __future__ import annotations

import subprocess
import sys


def test_import_runfold_loads_only_the_sdk() -> None:
    code = "import runfold, sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(out.stdout.split())
    heavy = {
        "numpy",
        "fastapi",
        "psycopg",
        "httpx",
        "click",
        "rich",
        "sqlite3",
        "pandas",
    }
    assert not heavy & {m.split(".")[0] for m in loaded}
    assert "runfold.api" not in loaded and "runfold.store.sqlite" not in loaded
    assert "runfold.sdk.run" in loaded


# What only a started run needs: init() imports these (issue 19: together they
# were ~30 ms of a 50 ms budget for ``import runfold``).
FOR_INIT = {
    "importlib.metadata",  # the package list
    "subprocess",  # git
    "platform",
    "socket",
    "shutil",
    "getpass",
    "tempfile",
    "gzip",
    "msgpack",  # the run log
    "runfold.settings",
    "runfold.sdk.capture",
    "runfold.sdk.runlog",
    "runfold.sdk.sinks",
    "runfold.sdk.uploads",
}


def test_import_runfold_leaves_what_init_needs_for_init() -> None:
    code = "import runfold, sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert sorted(FOR_INIT & set(out.stdout.split())) == []


def test_api_is_reachable_lazily() -> None:
    code = "import runfold; print(runfold.Api.__module__)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "runfold.api"
