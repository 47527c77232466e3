"""Console capture: the terminal sees the same bytes; output.log gets the lines."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = """
import sys
from pathlib import Path
capture = None
if sys.argv[1] == "capture":
    from runfold.sdk.console import ConsoleCapture
    capture = ConsoleCapture(Path(sys.argv[2])).start()
print("epoch 1")
for i in range(101):
    sys.stdout.write(f"\\rtraining {i:3d}%")
    sys.stdout.flush()
print()
print("warning: lr high", file=sys.stderr)
print("ünïcödé ✓", end="")
print(" done")
sys.stdout.write("no newline at the end")
if capture:
    capture.stop()
print("after stop")
"""


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), *args],
        capture_output=True, check=True, env={"PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip


def test_terminal_output_is_byte_identical_with_capture(tmp_path: Path) -> None:
    plain = _run("plain", "-")
    captured = _run("capture", str(tmp_path))
    assert captured.stdout == plain.stdout
    assert captured.stderr == plain.stderr
    assert b"\rtraining 100%" in captured.stdout


def test_output_log_has_lines_with_progress_bars_collapsed(tmp_path: Path) -> None:
    _run("capture", str(tmp_path))
    lines = (tmp_path / "output.log").read_text("utf-8").splitlines()
    assert lines == [
        "epoch 1",
        "training 100%",
        "warning: lr high",
        "ünïcödé ✓ done",
        "no newline at the end",
    ]
