"""Issue 18, item 14: CLI tables a new user can read at 80 columns and pipe. In a
terminal the table fits its width with no id broken across lines, the most useful
columns kept (``train/loss`` in the demo, not the first four keys in alphabetical
order); piped, plain text one run a line; ``--columns`` picks the columns."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

import runfold
from runfold.cli import cli

BOX = set("┏┃━│┡╇└┗┛┓")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def demo(runfold_dir: Path) -> list[str]:
    """The demo project, and its run ids."""
    result = CliRunner().invoke(cli, ["demo", "--steps", "10"])
    assert result.exit_code == 0, result.output
    api = runfold.Api()
    try:
        return [r.id for r in api.runs("demo")]
    finally:
        api.close()


def _in_terminal(args: list[str], columns: int = 80) -> str:
    """``runfold ARGS`` with its stdout on a pseudo-terminal ``columns`` wide."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "runfold.cli", *args], stdout=slave,
        stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": str(columns)},
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return _ANSI.sub("", b"".join(chunks).decode()).replace("\r", "")


def test_runs_at_80_columns_in_a_terminal_keep_ids_whole_and_train_loss(
    demo: list[str],
) -> None:
    out = _in_terminal(["runs", "demo"])
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "┃ id" in line)
    assert "train/loss" in header and "name" in header and "state" in header
    rows = [line for line in lines if line.startswith("│")]
    assert sorted(line.split("│")[1].strip() for line in rows) == sorted(demo)
    assert "Not shown at this width" in out and "--columns" in out


def test_runs_piped_are_plain_lines_one_run_each(demo: list[str]) -> None:
    result = CliRunner().invoke(cli, ["runs", "demo"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not BOX & set(result.output)
    header = lines[0].split()
    assert header[:6] == ["id", "name", "group", "job_type", "state", "runtime"]
    assert header[6] == "train/loss"  # the most useful key first, not eval/acc
    assert sorted(line.split()[0] for line in lines[1:]) == sorted(demo)


def test_runs_columns_option_picks_and_orders_the_columns(demo: list[str]) -> None:
    result = CliRunner().invoke(
        cli, ["runs", "demo", "--columns", "id,train/loss,config.lr,state"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "train/loss", "config.lr", "state"]
    assert all(len(line.split()) == 4 for line in lines[1:])
    bad = CliRunner().invoke(cli, ["runs", "demo", "--columns", "id,nope"])
    assert bad.exit_code == 2
    assert "Invalid value for --columns: 'nope' is neither a run field" in bad.output


def test_groups_piped_are_plain_text(demo: list[str]) -> None:
    result = CliRunner().invoke(cli, ["groups", "demo"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert not BOX & set(result.output)
    assert result.output.splitlines()[0].split()[:3] == ["group", "/", "job_type"]
    assert any(line.startswith("cv-resnet18") for line in result.output.splitlines())
