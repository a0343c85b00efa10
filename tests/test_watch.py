"""``--watch``: a change to a held file, a rule file or a new file starts one more digest; the
digest's own output never does; everything before the first changed file stays byte for byte;
Ctrl-C ends the watch cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gitdigest import Options, write_digest
from gitdigest.core.records import DigestData
from gitdigest.output.watch import Relevance, Run, describe, watch

from .conftest import MakeRepo

pytest.importorskip("watchfiles")


def _relevance(root: Path) -> Relevance:
    relevance = Relevance(root, [str(root / "digest.txt")])
    relevance.learn(["src/app.py"], ["node_modules/", "debug.log"])
    return relevance


@pytest.mark.parametrize(("path", "expected"), [
    ("src/app.py", True),             # a file the digest holds
    ("src/new.py", True),             # a new file: it may be selected
    (".gitignore", True),             # a rule that chooses files
    ("pkg/.gitdigest.toml", True),
    (".git/info/exclude", True),
    (".git/HEAD", True),              # a commit or a checkout
    ("digest.txt", False),            # our own output
    (".digest.txt.tmp8f2", False),    # the atomic writer's temporary file beside it
    ("node_modules/x/index.js", False),  # inside a folder skipped whole
    ("debug.log", False),             # a file the rules leave out
    (".git/objects/ab/cdef", False),
    (".git/index", False),
])
def test_which_changes_start_a_run(tmp_path: Path, path: str, expected: bool) -> None:
    assert _relevance(tmp_path)(str(tmp_path / path)) is expected


def test_a_path_outside_the_root_never_counts(tmp_path: Path) -> None:
    assert _relevance(tmp_path / "root")(str(tmp_path / "elsewhere.py")) is False


def _wait_for(condition: threading.Event, seconds: float = 20) -> None:
    assert condition.wait(seconds), "the watch did not run again in time"


def test_a_change_digests_again_and_keeps_the_unchanged_prefix(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "A = 1\n", "m.py": "M = 2\n", "z.py": "Z = 3\n"})
    output = root / "digest.txt"  # inside the watched folder, as by default
    runs: list[Run] = []
    texts: list[bytes] = []
    second, stop = threading.Event(), threading.Event()

    def run() -> tuple[DigestData, list[str]]:
        return write_digest(Options.create(source=str(root), output=str(output), workers=1))

    def report(current: Run) -> None:
        runs.append(current)
        texts.append(output.read_bytes())
        if len(runs) == 2:
            second.set()

    thread = threading.Thread(target=watch, args=(root, run, report),
                              kwargs={"stop": stop, "debounce_ms": 100}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runs and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the watcher is set up after the first run
    (root / "m.py").write_text("M = 2\nMORE = 'a longer line than before'\n")
    _wait_for(second)
    time.sleep(1.0)  # writing digest.txt must not start a third run
    stop.set()
    thread.join(10)
    assert len(runs) == 2 and runs[1].changed == ("m.py",)
    assert runs[1].digest.summary.tokens > runs[0].digest.summary.tokens
    first, again = texts
    start = first.index(b"FILE: m.py")
    assert first[:start] == again[:start]  # everything before the changed file is the same
    assert b"MORE" in again and b"MORE" not in first
    line = describe(runs[1], runs[0])
    assert "tokens (+" in line and "changed: m.py" in line


def _spawn(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "gitdigest", *args], cwd=root, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            env={**os.environ, "NO_COLOR": "1"})


def test_ctrl_c_ends_the_watch_cleanly(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "A = 1\n"})
    process = _spawn(root, "--watch", "-q", "-o", "out.txt")
    deadline = time.monotonic() + 30
    while not (root / "out.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert stderr.splitlines()[-1] == "gitdigest: stopped watching after 1 run(s)"
    assert "Traceback" not in stderr


@pytest.mark.parametrize(("args", "message"), [
    (["https://example.invalid/o/r.git"], "--watch digests a local folder"),
    (["-o", "-"], "--watch rewrites a file each time"),
    (["--stats"], "--watch rewrites a file each time"),
])
def test_a_watch_that_cannot_work_is_a_usage_error(make_repo: MakeRepo, args: list[str],
                                                   message: str) -> None:
    root = make_repo({"a.py": "A = 1\n"})
    process = _spawn(root, "--watch", *args)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and message in stderr, stderr
