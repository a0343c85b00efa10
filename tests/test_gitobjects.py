"""--ref: a commit read straight from git objects, the working tree untouched."""

from __future__ import annotations

import pytest

from gitdigest import UnknownRef, UsageError, digest

from .conftest import MakeRepo, git, write_files


def test_ref_reads_the_commit_not_the_working_tree(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "old\n", "sub/b.py": "b\n"})
    git(root, "tag", "v1")
    write_files(root, {"a.py": "new\n", "c.py": "untracked\n"})
    git(root, "checkout", "-q", "-b", "feature/deep/x")
    status_before = git(root, "status", "--porcelain")
    result = digest(str(root), ref="v1")
    assert {d.path: c for d, c in result.contents()} == {"a.py": "old\n", "sub/b.py": "b\n"}
    assert result.source.ref == "v1"
    assert result.source.commit == git(root, "rev-parse", "v1").strip()
    assert git(root, "status", "--porcelain") == status_before
    assert (root / "a.py").read_text() == "new\n"


def test_ref_digest_equals_worktree_digest_at_that_commit(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", "d/e.md": "e\n", "pic.png": b"\x89PNG", "bin.dat": b"\0\1"})
    from_tree = digest(str(root))
    from_objects = digest(str(root), ref="HEAD")
    assert [(d.path, d.tokens, d.bytes) for d in from_objects.files] == \
        [(d.path, d.tokens, d.bytes) for d in from_tree.files]
    assert from_objects.skipped == from_tree.skipped
    assert from_objects.tree == from_tree.tree


def test_ref_on_a_subfolder_and_branch_with_slashes(make_repo: MakeRepo) -> None:
    root = make_repo({"top.py": "t\n", "pkg/a.py": "a\n", "pkg/inner/b.py": "b\n"})
    git(root, "branch", "feature/deep/x")
    result = digest(str(root / "pkg"), ref="feature/deep/x")
    assert [d.path for d in result.files] == ["a.py", "inner/b.py"]
    assert result.source.subpath == "pkg"


def test_ref_with_symlinks_and_gitdigestignore(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", ".gitdigestignore": "*.log\n", "x.log": "x\n"})
    (root / "up").symlink_to("../../etc/passwd")
    (root / "in").symlink_to("a.py")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "links")
    result = digest(str(root), ref="HEAD")
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons == {"up": "symlink-outside", "in": "symlink", "x.log": "ignored"}
    assert "up -> ../../etc/passwd" in result.tree


def test_ref_on_a_bare_repository(make_repo: MakeRepo, tmp_path: object) -> None:
    root = make_repo({"a.py": "a\n"})
    bare = root.parent / "bare.git"
    git(root.parent, "clone", "-q", "--bare", str(root), str(bare))
    with pytest.raises(UsageError, match="--ref HEAD"):
        digest(str(bare))
    assert [d.path for d in digest(str(bare), ref="HEAD").files] == ["a.py"]


def test_unknown_ref_suggests_close_names(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"})
    git(root, "branch", "release-1.0")
    with pytest.raises(UnknownRef, match=r"did you mean release-1\.0"):
        digest(str(root), ref="release-1.1")
    with pytest.raises(UnknownRef):
        digest(str(root), ref="--output=x")


def test_ref_outside_git_is_a_usage_error(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"}, git_repo=False)
    with pytest.raises(UsageError, match="not in one"):
        digest(str(root), ref="HEAD")


def test_read_ahead_gives_the_same_bytes_in_any_order(make_repo: MakeRepo) -> None:
    """Blobs asked for ahead come back as a plain read gives them; a read out of that order
    (or of a blob not asked for) is still right, and closing mid-way leaves nothing behind."""
    from gitdigest.sources.gitobjects import RefSource

    files = {f"f{i:02d}.txt": f"file {i}\n" * (i + 1) for i in range(20)}
    files["same.txt"] = files["f03.txt"]  # one blob, two paths
    root = make_repo(files)
    source = RefSource(root, "HEAD", str(root))
    entries = sorted(source.listing().entries, key=lambda e: e.path)
    expected = {e.path: (root / e.path).read_bytes() for e in entries}
    source.read_ahead(entries)
    assert [source.read(e) for e in entries] == [expected[e.path] for e in entries]
    source.read_ahead(entries)
    assert source.read(entries[5]) == expected[entries[5].path]  # out of order
    assert [source.read(e) for e in entries] == [expected[e.path] for e in entries]
    source.read_ahead(list(reversed(entries)))
    assert source.read(entries[-1]) == expected[entries[-1].path]
    source.close()  # with nineteen answers unread
