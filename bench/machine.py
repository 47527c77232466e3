"""What the benchmarks ran on: CPU, cores, memory, Python, OS and the code's commit."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from runfold.sdk.capture import cpu_model

ROOT = Path(__file__).resolve().parent.parent


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def load() -> str:
    """The 1, 5 and 15 minute load averages: other work on the box skews timings."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def describe() -> dict[str, str]:
    ram = _ram_gib()
    dirty = " (uncommitted changes)" if _git("status", "--porcelain") else ""
    return {
        "cpu": cpu_model() or "unknown",
        "cores": str(len(os.sched_getaffinity(0))),
        "ram": f"{ram:.1f} GiB" if ram else "unknown",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        "commit": _git("rev-parse", "--short", "HEAD") + dirty,
        "load average before": load(),
    }
