"""``import runfold`` time and what it pulls in.

    python bench/bench_import.py --repeat 10

Times fresh interpreters running ``import runfold`` against ones running ``pass``
(interleaved, median of each), lists the slowest imports from ``-X importtime``,
and checks that heavy modules are not loaded by the import.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from common import emit, median

# Must not be loaded by ``import runfold`` (DESIGN §7, STYLE §5.1; issue 19).
HEAVY = (
    "numpy",
    "sqlite3",
    "runfold.store.sqlite",
    "runfold.api",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "psycopg",
    "click",
    "rich",
    "pandas",
    # what only init() needs (issue 19): capture, the run log, the sinks
    "subprocess",
    "importlib.metadata",
    "platform",
    "tempfile",
    "msgpack",
    "runfold.sdk.capture",
    "runfold.sdk.sinks",
)


def _wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _slowest(top: int) -> list[tuple[str, float]]:
    """The slowest imports by cumulative µs, as ``-X importtime`` reports them."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import runfold"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            found.append((parts[2].rstrip(), int(parts[1]) / 1000.0))
    found.sort(key=lambda item: -item[1])
    return found[:top]


def _loaded() -> list[str]:
    code = "import runfold, sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    modules = set(json.loads(out.stdout))
    return [name for name in HEAVY if name in modules]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    _wall("import runfold")  # compile the .pyc files first
    bare, full = [], []
    for _ in range(args.repeat):
        bare.append(_wall("pass"))
        full.append(_wall("import runfold"))
    emit(
        {
            "repeat": args.repeat,
            "python_pass_ms": median(bare) * 1000,
            "python_import_ms": median(full) * 1000,
            "import_ms": (median(full) - median(bare)) * 1000,
            "import_ms_of_fastest": (min(full) - min(bare)) * 1000,
            "slowest_imports_ms": _slowest(8),
            "heavy_modules_loaded": _loaded(),
        }
    )


if __name__ == "__main__":
    main()
