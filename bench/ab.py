"""One benchmark, two versions of Runfold, in one run: a past commit and the
working tree, taking turns, so both figures come from the same machine state.

    .venv/bin/python bench/ab.py f0110cd bench/bench_query.py --dataset chart
    .venv/bin/python bench/ab.py --rounds 5 f0110cd bench/bench_server.py

The past commit is checked out (``git worktree``) under ``bench/out/ab-<commit>``
and put first on ``PYTHONPATH``, so the benchmark script (of the working tree)
imports that version of ``runfold``; both read one dataset (built by the past
commit in the first round), so use it only across versions that store alike. Prints, per
figure that both versions report in milliseconds, the median over the rounds
of each and the ratio (working tree / past commit), then the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from statistics import median
from typing import Any

from common import result_in
from machine import describe, load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _checkout(commit: str) -> Path:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", commit], cwd=ROOT, check=True,
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    tree = HERE / "out" / f"ab-{sha}"
    if not (tree / "src" / "runfold").is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", "-f", str(tree), sha],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    return tree


def _run(script: list[str], src: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src), "RUNFOLD_SILENT": "1",
           "RUNFOLD_BENCH_DATA_KEY": "ab"}  # fmt: skip
    done = subprocess.run([sys.executable, *script], env=env, capture_output=True,
                          text=True, cwd=ROOT)  # fmt: skip
    if done.returncode:
        sys.exit(f"{script[0]} failed with {src}:\n{done.stderr[-3000:]}")
    return result_in(done.stdout)


def _figures(result: Any, path: str = "") -> dict[str, float]:
    """Every number under a key ending in ``ms`` (``calls.group_series.ms``), and
    the median of a ``{"median": …, "min": …, "max": …}`` under one
    (``figures.interactive_ms``)."""
    if isinstance(result, dict) and path.endswith("ms") and "median" in result:
        median_ms = result["median"]
        return {path: float(median_ms)} if isinstance(median_ms, (int, float)) else {}
    if isinstance(result, dict):
        found: dict[str, float] = {}
        for key, value in result.items():
            found.update(_figures(value, f"{path}.{key}" if path else key))
        return found
    is_ms = path.endswith("ms") and isinstance(result, (int, float))
    return {path: float(result)} if is_ms else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the past commit to compare with")
    parser.add_argument(
        "script", nargs=argparse.REMAINDER, help="benchmark and its arguments"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    script = [a for a in args.script if a != "--"]
    script[0] = str(Path(script[0]).resolve())
    trees = {"before": _checkout(args.commit) / "src", "after": ROOT / "src"}
    seen: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for name, src in trees.items():
            seen[name].append(_figures(_run(script, src)))
    keys = sorted(set(seen["before"][0]) & set(seen["after"][0]))
    print(f"{'figure':<44} {args.commit:>12} {'working tree':>13} {'ratio':>6}")
    for key in keys:
        before = median(r[key] for r in seen["before"])
        after = median(r[key] for r in seen["after"])
        ratio = after / before if before else float("nan")
        print(f"{key:<44} {before:>10.1f}ms {after:>11.1f}ms {ratio:>6.2f}")
    print(json.dumps({**describe(), "load": load(), "rounds": args.rounds}))


if __name__ == "__main__":
    main()
