"""A run that includes nothing says so, and why."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.core.records import Skipped
from gitdigest.select.explain import nothing_included

from .conftest import MakeRepo


@pytest.mark.parametrize(("files", "args", "expected"), [
    ({"a.py": "a\n", "b.py": "b\n"}, ["-i", ""],
     "nothing included: no path matches --include '' (2 paths tried)"),
    ({"a.py": "a\n"}, ["-i", "*.rs", "-i", "docs/"],
     "nothing included: no path matches --include '*.rs', 'docs/' (1 path tried)"),
    ({}, [], "nothing included: the source has no files (an empty repository or folder)"),
    ({"logo.png": b"\x89PNG\r\n", "x.bin": b"\0\1\2\3"}, [],
     "nothing included: all 2 paths were skipped (binary 1, ignored 1); the digest's Skipped "
     "list says why for each"),
])
def test_empty_runs_say_why(make_repo: MakeRepo, files: dict[str, str | bytes], args: list[str],
                            expected: str) -> None:
    root = make_repo(files)
    result = CliRunner().invoke(cli, [str(root), "-o", "-", *args])
    assert result.exit_code == 0
    assert f"gitdigest: warning: {expected}\n" in result.stderr
    assert "Files:    0 included" in result.stderr


def test_an_explicitly_named_binary_file(make_repo: MakeRepo) -> None:
    root = make_repo({"blob.dat": b"\0\1\2\3" * 10})
    result = digest(str(root / "blob.dat"))
    assert result.notes == ["nothing included: blob.dat was skipped (binary: NUL or control "
                            "bytes, or no text encoding fits)"]


def test_the_reason_comes_from_the_skips(make_repo: MakeRepo) -> None:
    assert nothing_included([], ()).startswith("nothing included: the source has no files")
    assert digest(str(make_repo({"a.py": "a\n"}))).notes == []  # files: nothing to explain
    assert nothing_included([Skipped("a", "excluded", "matched no --include pattern"),
                             Skipped("b", "binary")], ["*.py"]).startswith(
        "nothing included: all 2 paths were skipped (binary 1, excluded 1)")
