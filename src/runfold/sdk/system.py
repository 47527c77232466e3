"""System metrics: a background thread samples CPU, memory, disk, network and GPUs.

Every sample is one row ``(index, timestamp, {"system/...": value})`` handed to
``emit``; the run stores the rows as its system series (x is time, not the step).
The first sample comes after ``first_after`` seconds (CPU percentages need an
interval to mean anything), then one every ``interval`` seconds.

GPUs are read through NVML (``nvidia-ml-py``); without a driver or a GPU the GPU
part is a clean no-op, and a GPU field the device does not support is left out.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["SystemSampler", "NvmlGpus", "SYSTEM_PREFIX"]

SYSTEM_PREFIX = "system/"
_MB = 1024 * 1024

Row = tuple[int, float, dict[str, float]]


class NvmlGpus:
    """Per-GPU readings through NVML; ``count == 0`` where there is none."""

    def __init__(self) -> None:
        self._nvml: Any = None
        self._handles: list[Any] = []
        try:
            import pynvml

            pynvml.nvmlInit()
            count = pynvml.nvmlDeviceGetCount()
            self._handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            self._nvml = pynvml
        except Exception:  # noqa: BLE001 - no library, no driver, no GPU: no-op
            self._handles = []

    @property
    def count(self) -> int:
        return len(self._handles)

    def _read(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - a field this device does not support
            return None

    def sample(self) -> dict[str, float]:
        nv = self._nvml
        out: dict[str, float] = {}
        for i, h in enumerate(self._handles):
            base = f"{SYSTEM_PREFIX}gpu.{i}."
            util = self._read(nv.nvmlDeviceGetUtilizationRates, h)
            if util is not None:
                out[base + "util"] = float(util.gpu)
            mem = self._read(nv.nvmlDeviceGetMemoryInfo, h)
            if mem is not None:
                out[base + "memory.used_mb"] = mem.used / _MB
                out[base + "memory.total_mb"] = mem.total / _MB
                out[base + "memory.percent"] = 100.0 * mem.used / mem.total
            temp = self._read(nv.nvmlDeviceGetTemperature, h, 0)
            if temp is not None:
                out[base + "temp_c"] = float(temp)
            power = self._read(nv.nvmlDeviceGetPowerUsage, h)
            if power is not None:
                out[base + "power_w"] = power / 1000.0
        return out

    def describe(self) -> dict[str, Any]:
        """Names, memory, driver and CUDA versions, for the run's host info."""
        if not self._handles:
            return {"count": 0}
        nv = self._nvml
        names = [self._read(nv.nvmlDeviceGetName, h) for h in self._handles]
        memory = [self._read(nv.nvmlDeviceGetMemoryInfo, h) for h in self._handles]
        cuda = self._read(nv.nvmlSystemGetCudaDriverVersion)
        return {
            "count": len(self._handles),
            "names": [n.decode() if isinstance(n, bytes) else n for n in names],
            "memory_total_mb": [m.total / _MB if m else None for m in memory],
            "driver": _text(self._read(nv.nvmlSystemGetDriverVersion)),
            "cuda": f"{cuda // 1000}.{cuda % 1000 // 10}" if cuda else None,
        }


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


class SystemSampler:
    """Samples every ``interval`` seconds on a daemon thread until ``stop()``."""

    def __init__(
        self,
        emit: Callable[[Row], None],
        *,
        interval: float = 10.0,
        first_after: float = 1.0,
        disk_path: Path | None = None,
        gpus: NvmlGpus | None = None,
    ) -> None:
        import psutil

        self._psutil = psutil
        self._emit = emit
        self.interval = interval
        self.first_after = min(first_after, interval)
        self._disk_path = str(disk_path or Path.cwd())
        self._process = psutil.Process(os.getpid())
        self._gpus = gpus if gpus is not None else NvmlGpus()
        self._stop = threading.Event()
        self._index = 0
        self._io0 = self._counters()
        psutil.cpu_percent(None)  # prime: the next call measures from here
        self._process.cpu_percent(None)
        self._thread = threading.Thread(
            target=self._loop, name="runfold-system", daemon=True
        )

    def _counters(self) -> tuple[Any, Any]:
        try:
            disk = self._psutil.disk_io_counters()
        except Exception:  # noqa: BLE001 - some containers have no disk counters
            disk = None
        try:
            net = self._psutil.net_io_counters()
        except Exception:  # noqa: BLE001
            net = None
        return disk, net

    def start(self) -> SystemSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _loop(self) -> None:
        wait = self.first_after
        while not self._stop.wait(wait):
            try:
                self._emit((self._index, time.time(), self.sample()))
                self._index += 1
            except Exception:  # noqa: BLE001 - a failed sample must not end the run
                pass
            wait = self.interval

    def sample(self) -> dict[str, float]:
        ps = self._psutil
        p = SYSTEM_PREFIX
        out: dict[str, float] = {
            p + "cpu.percent": ps.cpu_percent(None),
            p + "proc.cpu.percent": self._process.cpu_percent(None),
            p + "proc.memory.rss_mb": self._process.memory_info().rss / _MB,
            p + "memory.percent": ps.virtual_memory().percent,
            p + "memory.available_mb": ps.virtual_memory().available / _MB,
        }
        try:
            out[p + "disk.percent"] = ps.disk_usage(self._disk_path).percent
        except OSError:
            pass
        out.update(self._io_since_start())
        out.update(self._gpus.sample())
        return out

    def _io_since_start(self) -> dict[str, float]:
        (disk0, net0), (disk, net) = self._io0, self._counters()
        p = SYSTEM_PREFIX
        out = {}
        if disk0 is not None and disk is not None:
            out[p + "disk.read_mb"] = (disk.read_bytes - disk0.read_bytes) / _MB
            out[p + "disk.write_mb"] = (disk.write_bytes - disk0.write_bytes) / _MB
        if net0 is not None and net is not None:
            out[p + "network.sent_mb"] = (net.bytes_sent - net0.bytes_sent) / _MB
            out[p + "network.recv_mb"] = (net.bytes_recv - net0.bytes_recv) / _MB
        return out
