"""Progress is for a person at a terminal: drawn on a terminal's stderr, never in a pipe, never
with -q, never in the digest; colour only on a terminal and never with NO_COLOR."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import Options, open_digest
from gitdigest.sources import Step

from .conftest import MakeRepo

_SGR = b"\x1b["  # every escape sequence progress or colour could write starts so


def _on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, bytes, bytes]:
    """Run gitdigest with stderr on a pseudo-terminal; its stdout goes to a pipe."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "gitdigest", *args],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                               env=env)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert process.stdout is not None
    with process.stdout:  # small digests: the pipe never fills while the terminal is read
        out = process.stdout.read()
    return process.wait(timeout=60), out, seen


def _repo(make_repo: MakeRepo) -> Path:
    return make_repo({f"m{i}.py": f"x = {i}\n" * 50 for i in range(5)} | {"a.bin": b"\0\1"})


@pytest.mark.slow
def test_piped_stderr_gets_no_escape_codes(make_repo: MakeRepo) -> None:
    root = _repo(make_repo)
    result = subprocess.run([sys.executable, "-m", "gitdigest", str(root), "-o", "-",
                             "--priority", "x"], capture_output=True, timeout=120, check=False)
    assert result.returncode == 0
    assert _SGR not in result.stderr and b"\r" not in result.stderr
    assert b"gitdigest: warning: --priority has no effect" in result.stderr
    assert b"reading" not in result.stderr  # no progress at all
    assert _SGR not in result.stdout and result.stdout.startswith(b"Source: repo\n")


@pytest.mark.slow
def test_a_terminal_gets_progress_and_colour(make_repo: MakeRepo) -> None:
    root = _repo(make_repo)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"COLUMNS": "100"}
    code, out, seen = _on_terminal([str(root), "-o", "-", "--priority", "x"], env)
    assert code == 0
    assert b"gitdigest: reading, scanning and counting" in seen and b"100%" in seen
    assert b"\x1b[33m" in seen  # the yellow "warning"
    assert b"Tokens:" in seen
    assert _SGR not in out and b"reading" not in out  # the digest holds none of it
    quiet_code, _, quiet = _on_terminal([str(root), "-o", "-", "-q"], env)
    assert quiet_code == 0 and b"reading" not in quiet and quiet.strip() == b""


@pytest.mark.slow
def test_no_color_is_honoured(make_repo: MakeRepo) -> None:
    root = _repo(make_repo)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    code, _, seen = _on_terminal([str(root), "-o", "-", "--priority", "x"], env)
    assert code == 0
    assert b"gitdigest: warning: --priority" in seen
    assert b"\x1b[33m" not in seen and b"\x1b[1m" not in seen
    code, _, seen = _on_terminal([str(root), "--stats", "-f", "xml"], env)
    assert code == 2 and b"gitdigest: error: --stats" in seen and b"\x1b[31m" not in seen


def test_the_library_reports_counted_steps_and_prints_nothing(make_repo: MakeRepo,
                                                              capfd: object) -> None:
    root = _repo(make_repo)
    seen: list[str] = []
    with open_digest(Options.create(source=str(root), cache=False), seen.append) as result:
        assert result.summary.files == 5
    steps = [s for s in seen if isinstance(s, Step)]
    assert "listing files..." in seen
    assert steps and steps[-1].done == steps[-1].total == sum(
        (root / f"m{i}.py").stat().st_size for i in range(5)) + 2
    assert steps[-1] == f"reading, scanning and counting: {steps[-1].total:,} of " \
                        f"{steps[-1].total:,} bytes"  # a plain line for a plain callback
    out, err = capfd.readouterr()  # type: ignore[attr-defined]
    assert out == "" and err == ""
