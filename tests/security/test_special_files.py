"""FIFOs, sockets and devices in a tree are never opened (reading one could block forever) and
never silently absent: each is listed as skipped, reason ``special``, unless git ignores it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import UsageError, digest

from ..conftest import MakeRepo, git


@pytest.mark.slow
@pytest.mark.parametrize("git_repo", [True, False], ids=["work tree", "plain folder"])
def test_fifos_and_sockets_are_listed_as_special(make_repo: MakeRepo, git_repo: bool) -> None:
    root = make_repo({"a.txt": "a\n", ".gitignore": "*.ignored\nbuild/\n"}, git_repo=git_repo,
                     commit=git_repo)
    os.mkfifo(root / "pipe")
    (root / "sub").mkdir()
    os.mkfifo(root / "sub" / "deeper")
    os.mkfifo(root / "x.ignored")
    (root / "build").mkdir()
    os.mkfifo(root / "build" / "inside-an-ignored-folder")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(root / "sock"))
        result = subprocess.run([sys.executable, "-m", "gitdigest", str(root), "-o", "-", "-q",
                                 "-f", "json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import json

    data = json.loads(result.stdout)
    assert [f["path"] for f in data["files"]] == [".gitignore", "a.txt"]
    skipped = {s["path"]: (s["reason"], s["detail"]) for s in data["skipped"]}
    assert skipped["pipe"] == ("special", "a FIFO (named pipe); never read")
    assert skipped["sub/deeper"] == ("special", "a FIFO (named pipe); never read")
    assert skipped["sock"] == ("special", "a socket; never read")
    assert skipped["x.ignored"] == ("ignored", ".gitignore:1:*.ignored")
    assert skipped["build/"][0] == "ignored"
    assert "build/inside-an-ignored-folder" not in skipped


def test_a_tracked_file_replaced_by_a_fifo(make_repo: MakeRepo) -> None:
    root = make_repo({"a.txt": "a\n", "b.txt": "b\n"})
    (root / "b.txt").unlink()
    os.mkfifo(root / "b.txt")
    result = digest(str(root))
    assert [d.path for d in result.files] == ["a.txt"]
    assert [(s.path, s.reason) for s in result.skipped] == [("b.txt", "special")]


def test_a_folder_missing_at_the_ref_is_a_usage_error(make_repo: MakeRepo) -> None:
    root = make_repo({"a.txt": "a\n"})
    first = git(root, "rev-parse", "HEAD").strip()
    (root / "later").mkdir()
    (root / "later" / "b.txt").write_text("b\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "later")
    with pytest.raises(UsageError, match=f"later does not exist at commit {first}"):
        digest(str(root / "later"), ref=first)


def test_nothing_blocks_on_a_fifo_given_as_source(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    result = subprocess.run([sys.executable, "-m", "gitdigest", str(tmp_path / "pipe")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == f"gitdigest: error: not a file or folder: {tmp_path / 'pipe'}\n"
