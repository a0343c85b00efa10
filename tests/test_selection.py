"""Selection equals what git sees; our own rules (defaults, .gitdigestignore, -i/-e) on top."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitdigest import digest

from .conftest import MakeRepo, git, write_files

# Nested .gitignore files with git's anchoring, negation, ** and directory rules.
IGNORE_TREE = {
    ".gitignore": "*.log\n!keep.log\n/anchored.txt\nbuild/\n**/deep/secret.txt\ntemp*\n!tempkeep\n",
    "keep.log": "kept\n",
    "drop.log": "dropped\n",
    "anchored.txt": "root only\n",
    "sub/anchored.txt": "not anchored here\n",
    "build/out.txt": "ignored dir\n",
    "src/build/gen.txt": "ignored dir at depth\n",
    "a/b/deep/secret.txt": "double star\n",
    "a/b/deep/public.txt": "visible\n",
    "tempfile.txt": "ignored\n",
    "tempkeep": "re-included\n",
    "sub/.gitignore": "x\n!important.log\n/local-only\n",
    "sub/x": "ignored by sub\n",
    "sub/deep/x": "ignored by sub at depth\n",
    "sub/important.log": "re-included in sub\n",
    "sub/local-only": "anchored to sub\n",
    "sub/deep/local-only": "not anchored this deep\n",
    "other/x": "sub's rule does not reach here\n",
    "README.md": "# hi\n",
    "pkg/mod.go": "package pkg\n",
    "bin/run.sh": "#!/bin/sh\n",
    "env/settings.py": "X = 1\n",
    "out/report.md": "# out\n",
}


def git_listing(root: Path, *extra: str) -> set[str]:
    return set(git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                   *extra).split("\0")) - {""}


def included(root: Path, **options: object) -> set[str]:
    return {d.path for d in digest(str(root), default_ignores=False, **options).files}


def test_selection_equals_git_ls_files(make_repo: MakeRepo) -> None:
    root = make_repo(IGNORE_TREE, commit=False)
    (root / ".git/info/exclude").write_text("README.md\n")
    assert included(root) == git_listing(root)


def test_selection_mixes_tracked_and_untracked_like_git(make_repo: MakeRepo) -> None:
    root = make_repo(IGNORE_TREE)
    git(root, "add", "-f", "drop.log")  # tracked files are never ignored
    git(root, "commit", "-q", "-m", "track an ignored file")
    write_files(root, {"new.txt": "untracked\n", "new.log": "untracked, ignored\n"})
    listing = git_listing(root)
    assert {"drop.log", "new.txt"} <= listing and "new.log" not in listing
    assert included(root) == listing


def test_core_excludes_file_is_honoured(make_repo: MakeRepo, isolated_git: Path) -> None:
    excludes = isolated_git / "global-ignore"
    excludes.write_text("*.md\n")
    with (isolated_git / ".gitconfig").open("a") as config:
        config.write(f"[core]\n\texcludesFile = {excludes}\n")
    root = make_repo(IGNORE_TREE, commit=False)
    listing = git_listing(root)
    assert "README.md" not in listing
    assert included(root) == listing


def test_plain_folder_honours_gitignore_exactly_like_git(make_repo: MakeRepo,
                                                         tmp_path: Path) -> None:
    reference = make_repo(IGNORE_TREE, commit=False)
    plain = tmp_path / "plain"
    shutil.copytree(reference, plain, ignore=shutil.ignore_patterns(".git"))
    result = digest(str(plain), default_ignores=False)
    assert result.source.is_git is False
    assert {d.path for d in result.files} == git_listing(reference)


def test_gitignored_paths_are_listed_with_their_rule(make_repo: MakeRepo) -> None:
    root = make_repo(IGNORE_TREE, commit=False)
    skipped = {s.path: s for s in digest(str(root), default_ignores=False).skipped}
    assert skipped["drop.log"].reason == "ignored"
    assert skipped["drop.log"].detail == ".gitignore:1:*.log"
    assert skipped["build/"].detail == ".gitignore:4:build/"  # a folder is one entry
    assert skipped["sub/deep/x"].detail == "sub/.gitignore:1:x"


def test_no_gitignore_lists_everything(make_repo: MakeRepo) -> None:
    root = make_repo(IGNORE_TREE, commit=False)
    assert included(root, gitignore=False) == set(IGNORE_TREE)


def test_default_ignores_are_narrow(make_repo: MakeRepo) -> None:
    root = make_repo({
        "pkg/a.go": "package a\n", "bin/tool.sh": "echo\n", "env/conf.py": "A = 1\n",
        "out/x.txt": "x\n", "build/b.py": "b\n", "dist/d.js": "d\n", "logo.svg": "<svg/>\n",
        "node_modules/lib/index.js": "x\n", "node_modules/lib/package.json": "{}\n",
        "myvenv/pyvenv.cfg": "home = /usr\n", "myvenv/lib/site.py": "x\n",
        "target/CACHEDIR.TAG": "Signature\n", "target/debug/out.rs": "x\n",
        "package-lock.json": "{}\n", "app.min.js": "x\n", "photo.png": b"\x89PNG\r\n",
        "src/__pycache__/m.cpython-311.pyc": b"\0\0", "src/m.py": "m\n",
    }, commit=False)
    result = digest(str(root))
    paths = {d.path for d in result.files}
    assert paths == {"pkg/a.go", "bin/tool.sh", "env/conf.py", "out/x.txt", "build/b.py",
                     "dist/d.js", "logo.svg", "src/m.py"}
    skipped = {s.path: s.detail for s in result.skipped if s.reason == "ignored"}
    assert skipped["node_modules/"] == "default:node_modules/ (not descended)"
    assert skipped["myvenv/"] == "default:virtualenv (2 files)"
    assert skipped["target/"] == "default:cache directory (2 files)"
    assert skipped["package-lock.json"] == "default:package-lock.json"
    assert skipped["photo.png"] == "default:*.png"


def test_gitignored_paths_inside_a_default_ignored_folder_fold_into_it(
        make_repo: MakeRepo) -> None:
    root = make_repo({".gitignore": "__pycache__/\n", "venv/pyvenv.cfg": "home = /usr\n",
                      "venv/lib/a/__pycache__/x.pyc": b"\0", "venv/lib/b/__pycache__/y.pyc": b"\0",
                      "src/__pycache__/z.pyc": b"\0", "src/m.py": "m\n"}, commit=False)
    skipped = {s.path: s.detail for s in digest(str(root)).skipped}
    assert skipped == {"src/__pycache__/": ".gitignore:1:__pycache__/",
                       "venv/": "default:virtualenv (3 files)"}


def test_tracked_files_in_a_default_folder_are_still_judged(make_repo: MakeRepo) -> None:
    root = make_repo({"node_modules/kept-by-git.js": "x\n", "a.py": "a\n"})
    write_files(root, {"node_modules/untracked.js": "y\n"})
    skipped = {s.path: s.detail for s in digest(str(root)).skipped}
    # the tracked file and the untracked one both fold into the folder's one entry
    assert skipped == {"node_modules/": "default:node_modules/ (2 files)"}


def test_no_default_ignores(make_repo: MakeRepo) -> None:
    root = make_repo({"package-lock.json": "{}\n", "a.py": "a\n"}, commit=False)
    assert included(root) == {"package-lock.json", "a.py"}


def test_include_narrows_and_exclude_removes(make_repo: MakeRepo) -> None:
    root = make_repo({"src/a.py": "a\n", "src/b.js": "b\n", "docs/c.md": "c\n",
                      "src/gen/d.py": "d\n"}, commit=False)
    result = digest(str(root), include=["*.py", "docs/"], exclude=["gen/"])
    assert {d.path for d in result.files} == {"src/a.py", "docs/c.md"}
    reasons = {s.path: (s.reason, s.detail) for s in result.skipped}
    assert reasons["src/b.js"] == ("excluded", "matched no --include pattern")
    assert reasons["src/gen/d.py"] == ("excluded", "--exclude gen/")


def test_explicit_include_brings_back_default_ignored(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", "logo.png": b"\x89PNG", "package-lock.json": "{}\n",
                      ".venv/lib/x.py": "x\n", "node_modules/m/i.js": "i\n"}, commit=False)
    assert {d.path for d in digest(str(root), include=["*.py"]).files} == {"a.py"}
    wanted = digest(str(root), include=["package-lock.json", "node_modules/m/**"])
    assert {d.path for d in wanted.files} == {"package-lock.json", "node_modules/m/i.js"}


def test_gitdigestignore_at_any_depth(make_repo: MakeRepo) -> None:
    root = make_repo({
        ".gitdigestignore": "*.txt\n!keep.txt\nfixtures/\n",
        "a.txt": "a\n", "keep.txt": "k\n", "sub/b.txt": "b\n",
        "sub/.gitdigestignore": "!b.txt\n", "tests/fixtures/big.json": "{}\n",
        "tests/fixtures/keep.txt": "in an ignored folder: cannot come back\n",
        "code.py": "c\n",
    }, commit=False)
    result = digest(str(root))
    assert {d.path for d in result.files} == {".gitdigestignore", "keep.txt", "sub/b.txt",
                                             "sub/.gitdigestignore", "code.py"}
    details = {s.path: s.detail for s in result.skipped}
    assert details["a.txt"] == ".gitdigestignore:1:*.txt"
    assert details["tests/fixtures/"] == ".gitdigestignore:3:fixtures/ (2 files)"


def test_output_file_is_never_digested(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"}, commit=False)
    digest(str(root)).write(str(root / "digest.txt"))
    result = digest(str(root), output=str(root / "digest.txt"))
    assert [d.path for d in result.files] == ["a.py"]
    assert ("digest.txt", "excluded") in {(s.path, s.reason) for s in result.skipped}


def test_earlier_outputs_are_never_digested(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"}, commit=False)
    digest(str(root)).write(str(root / "old.txt"))
    digest(str(root), format="json").write(str(root / "old.json"))
    result = digest(str(root), output="-")
    assert [d.path for d in result.files] == ["a.py"]
    details = {s.path: s.detail for s in result.skipped}
    assert details == {"old.txt": "an earlier gitdigest output",
                       "old.json": "an earlier gitdigest output"}


def test_too_large_and_caps_are_listed(make_repo: MakeRepo) -> None:
    root = make_repo({"a.txt": "a" * 10, "b.txt": "b" * 2000, "c.txt": "c\n", "d.txt": "d\n"},
                     commit=False)
    result = digest(str(root), max_size=1000, max_files=2)
    assert [d.path for d in result.files] == ["a.txt", "c.txt"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons == {"b.txt": "too-large", "d.txt": "limit"}
    assert any("LIMIT REACHED" in note for note in result.notes)
    capped = digest(str(root), max_total_size=12)
    assert [d.path for d in capped.files] == ["a.txt", "c.txt"]


@pytest.mark.parametrize("kind", ["symlink-inside", "symlink-outside"])
def test_symlinks_are_shown_never_read(make_repo: MakeRepo, tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    root = make_repo({"a.py": "a\n"}, commit=False)
    target = "a.py" if kind == "symlink-inside" else str(secret)
    (root / "link").symlink_to(target)
    result = digest(str(root))
    assert [d.path for d in result.files] == ["a.py"]
    assert f"link -> {target}" in result.tree
    assert "password" not in result.render("text")
    expected = "symlink" if kind == "symlink-inside" else "symlink-outside"
    assert (("link", expected)) in {(s.path, s.reason) for s in result.skipped}


def test_submodules_and_nested_repositories_appear(make_repo: MakeRepo) -> None:
    inner = make_repo({"lib.py": "x\n"}, name="inner")
    root = make_repo({"a.py": "a\n"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner),
        "vendor/inner")
    git(root, "commit", "-q", "-m", "submodule")
    result = digest(str(root))
    assert "inner/ (submodule)" in result.tree
    assert "vendor/inner" in {s.path for s in result.skipped if s.reason == "submodule"}
    assert "vendor/inner/lib.py" not in {d.path for d in result.files}


def test_fifo_is_never_opened(make_repo: MakeRepo) -> None:
    import os

    root = make_repo({"a.py": "a\n"}, commit=False)
    os.mkfifo(root / "pipe")  # opening it would block forever; git does not list it either
    result = digest(str(root))
    assert [d.path for d in result.files] == ["a.py"]


def test_ignored_listing_has_no_duplicates(make_repo: MakeRepo) -> None:
    root = make_repo({".gitignore": "*.log\n", "logs/a.log": "a\n", "logs/deep/b.log": "b\n",
                      "m.py": "m\n"}, commit=False)
    skipped = [(s.path, s.detail) for s in digest(str(root)).skipped]
    # git lists logs/ and logs/deep/ too (all their content is ignored); no rule names them
    assert skipped == [("logs/a.log", ".gitignore:1:*.log"),
                       ("logs/deep/b.log", ".gitignore:1:*.log")]
    only_unmatched = make_repo({".gitignore": "x/\n", "x/f": "f\n", "y/z/q.log": "q\n",
                                ".gitdigestignore": ""}, commit=False, name="second")
    assert [s.path for s in digest(str(only_unmatched)).skipped] == ["x/"]
