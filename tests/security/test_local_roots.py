"""A server that serves local folders (``--root``, ``NetworkPolicy(local_roots=...)``) reads
nothing outside them through a repository under them: not another git directory named by a
``.git`` file, not a promisor remote of a partial clone, not a folder a symlink points to."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitdigest import digest
from gitdigest.api import Digest
from gitdigest.sources.gitcmd import git_env
from gitdigest.sources.netguard import NetworkPolicy, SourceRefused

from ..conftest import MakeRepo, git
from ..gitserver import GitHTTPServer, make_bare

Served = tuple[Path, GitHTTPServer]


def _policy(root: Path) -> NetworkPolicy:
    return NetworkPolicy(local_roots=(root,))


def _files(result: Digest) -> dict[str, str]:
    return {doc.path: text for doc, text in result.contents()}


@pytest.fixture
def partial_clone(tmp_path: Path, make_repo: MakeRepo
                  ) -> Iterator[tuple[Path, GitHTTPServer]]:
    """``root/pc``: a blobless clone, without a checkout, of a repository served on loopback."""
    work = make_repo({"secret.txt": "served only over the network\n"}, name="work")
    served = tmp_path / "served"
    make_bare(served, "repo.git", work)
    root = tmp_path / "root"
    root.mkdir()
    with GitHTTPServer(served, "unused") as http:
        subprocess.run(["git", "clone", "-q", "--filter=blob:none", "--no-checkout",
                        f"{http.url}/repo.git", str(root / "pc")], check=True)
        yield root, http


def test_a_partial_clone_under_a_root_is_refused_and_fetches_nothing(partial_clone: Served
                                                                   ) -> None:
    root, http = partial_clone
    before = len(http.requests)
    with pytest.raises(SourceRefused, match="partial clone"):
        digest(str(root / "pc"), ref="HEAD", policy=_policy(root), cache=False)
    with pytest.raises(SourceRefused, match="partial clone"):
        digest(str(root / "pc"), policy=_policy(root), cache=False)
    assert http.requests[before:] == []


def test_the_partial_clone_extension_alone_makes_a_partial_clone(partial_clone: Served
                                                                ) -> None:
    root, _ = partial_clone  # git 2.39 writes remote.origin.promisor; newer ones the extension
    git(root / "pc", "config", "--unset-all", "remote.origin.promisor")
    git(root / "pc", "config", "extensions.partialClone", "origin")
    with pytest.raises(SourceRefused, match="partial clone"):
        digest(str(root / "pc"), ref="HEAD", policy=_policy(root), cache=False)


def test_the_cli_still_reads_its_own_partial_clone(partial_clone: Served) -> None:
    root, _ = partial_clone
    result = digest(str(root / "pc"), ref="HEAD", cache=False)
    assert _files(result) == {"secret.txt": "served only over the network\n"}


def test_git_is_told_never_to_fetch_lazily_under_a_policy() -> None:
    # git 2.45+ honours it; the refusal above covers older ones
    assert git_env(offline=True)["GIT_NO_LAZY_FETCH"] == "1"
    assert "GIT_NO_LAZY_FETCH" not in git_env()


@pytest.fixture
def gitfile(tmp_path: Path, make_repo: MakeRepo) -> Path:
    """``root/gitfile``: a folder whose ``.git`` file names a repository outside the root."""
    make_repo({"private.txt": "outside the root\n"}, name="private")
    root = tmp_path / "root"
    (root / "gitfile").mkdir(parents=True)
    (root / "gitfile" / ".git").write_text(f"gitdir: {tmp_path / 'private' / '.git'}\n")
    return root


@pytest.mark.parametrize("ref", ["HEAD", None])
def test_a_git_file_pointing_outside_the_root_is_refused(gitfile: Path, ref: str | None
                                                         ) -> None:
    with pytest.raises(SourceRefused, match="git directory is outside"):
        digest(str(gitfile / "gitfile"), ref=ref, policy=_policy(gitfile), cache=False)


def test_a_linked_worktree_of_a_repository_outside_is_refused(tmp_path: Path,
                                                              make_repo: MakeRepo) -> None:
    private = make_repo({"private.txt": "outside the root\n"}, name="private")
    root = tmp_path / "root"
    root.mkdir()
    git(private, "worktree", "add", "-q", str(root / "linked"))
    with pytest.raises(SourceRefused, match="git directory is outside"):
        digest(str(root / "linked"), ref="HEAD", policy=_policy(root), cache=False)


def test_repositories_inside_the_root_still_work(tmp_path: Path, make_repo: MakeRepo) -> None:
    repo = make_repo({"a.txt": "a\n"}, name="root/repo")
    git(repo, "worktree", "add", "-q", str(repo.parent / "linked"))
    root = repo.parent
    for source in (repo, repo.parent / "linked"):
        for ref in ("HEAD", None):
            result = digest(str(source), ref=ref, policy=_policy(root), cache=False)
            assert _files(result) == {"a.txt": "a\n"}


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
