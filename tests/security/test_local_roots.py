"""A server that serves local folders (``--root``, ``NetworkPolicy(local_roots=...)``) reads
nothing outside them through a repository under them: not another git directory named by a
``.git`` file, not a promisor remote of a partial clone, not a folder a symlink points to."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitdigest import digest
from gitdigest.api import Digest
from gitdigest.sources.netguard import NetworkPolicy

from ..conftest import MakeRepo


def _policy(root: Path) -> NetworkPolicy:
    return NetworkPolicy(local_roots=(root,))


def _files(result: Digest) -> dict[str, str]:
    return {doc.path: text for doc, text in result.contents()}


@pytest.fixture
def linked_folder(tmp_path: Path, make_repo: MakeRepo) -> Path:
    """A work tree whose tracked ``sub/private.txt`` is now under a link to a folder outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("outside the root\n")
    repo = make_repo({"a.txt": "a\n", "sub/private.txt": "x\n", "in/b.txt": "b\n"},
                     name="root/wt")
    for folder in ("sub", "in"):
        for child in (repo / folder).iterdir():
            child.unlink()
        (repo / folder).rmdir()
    os.symlink(outside, repo / "sub")
    os.symlink("a-folder", repo / "in")
    (repo / "a-folder").mkdir()
    (repo / "a-folder" / "b.txt").write_text("b\n")
    return repo


def test_a_tracked_file_under_a_folder_now_a_link_is_skipped(linked_folder: Path) -> None:
    result = digest(str(linked_folder), cache=False)
    assert "sub/private.txt" not in _files(result)
    assert "in/b.txt" not in _files(result)
    skipped = {s.path: s.reason for s in result.skipped}
    assert skipped["sub"] == skipped["sub/private.txt"] == "symlink-outside"
    assert skipped["in"] == skipped["in/b.txt"] == "symlink"
    assert "outside the root" not in result.render()


def test_a_server_reads_nothing_through_a_linked_folder(linked_folder: Path) -> None:
    result = digest(str(linked_folder), policy=_policy(linked_folder.parent), cache=False)
    assert "outside the root" not in result.render()
    assert {s.path: s.reason for s in result.skipped}["sub/private.txt"] == "symlink-outside"
