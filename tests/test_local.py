"""The working-tree source's reading of git's index: what it says of every kind of entry is
what git says."""

from __future__ import annotations

import os
import subprocess

from gitdigest.sources.local import WorktreeSource

from .conftest import MakeRepo, git


def test_index_parse_matches_git_on_odd_entries(make_repo: MakeRepo) -> None:
    root = make_repo({"plain.txt": "a\n", "tool.sh": "#!/bin/sh\n", "sp ace/é.md": "x\n",
                      "new\nline.txt": "n\n"})
    os.chmod(root / "tool.sh", 0o755)
    (root / "link").symlink_to("plain.txt")
    (root / os.fsdecode(b"bytes-\xff.txt")).write_text("b\n")  # not UTF-8
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "more")
    source = WorktreeSource(root, str(root))
    fast = source._index()
    staged = git(root, "ls-files", "-z", "--stage").split("\0")
    expected = {line.partition("\t")[2]: line.split()[1] for line in staged if line}
    assert {path: (item.oid if item else None) for path, item in fast.items()} == {
        path: (oid if path != "link" else None) for path, oid in expected.items()}
    assert fast["tool.sh"] is not None and fast["tool.sh"].executable
    info = os.lstat(root / "plain.txt")
    assert fast["plain.txt"] is not None
    assert fast["plain.txt"].fields == (info.st_ctime_ns, info.st_mtime_ns, info.st_ino,
                                        info.st_size)


def test_an_unmerged_path_has_no_trusted_id(make_repo: MakeRepo) -> None:
    root = make_repo({"f.txt": "base\n"})
    commit = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam"]
    git(root, "checkout", "-qb", "other")
    (root / "f.txt").write_text("other\n")
    git(root, *commit, "other")
    git(root, "checkout", "-q", "-")
    (root / "f.txt").write_text("mine\n")
    git(root, *commit, "mine")
    merge = subprocess.run(["git", "merge", "-q", "other"], cwd=root, capture_output=True)
    assert merge.returncode != 0  # a conflict: three stages of f.txt in the index
    fast = WorktreeSource(root, str(root))._index()
    assert fast == {"f.txt": None}


def test_a_path_too_long_to_open_is_skipped_as_such(make_repo: MakeRepo) -> None:
    root = make_repo({"top.md": "t\n"})
    deep = "a/" * 5000 + "f.py"  # git holds it; no system call can open 10 KB of path
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=root, input=b"x\n",
                          capture_output=True, check=True).stdout.decode().strip()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{deep}")
    listing = WorktreeSource(root, str(root)).listing()
    assert [e.path for e in listing.entries] == ["top.md"]
    size = len(os.fsencode(f"{root}/{deep}"))
    assert [(s.path, s.reason, s.detail) for s in listing.skipped] == [
        (deep, "unreadable", f"too long for this system to open ({size:,} bytes)")]
