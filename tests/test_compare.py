"""--check-against: exit 0 when the content is the same as a digest on disk (JSON or text),
exit 1 naming the files added, removed and changed, whatever the folder or commit."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.output.compare import differences, manifest_of, read_manifest, text_manifest

from .conftest import MakeRepo, git

FILES = {"README.md": "# Project\n", "src/app.py": "print('hi')\n", "src/old.py": "old\n"}


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_identical_content_passes_even_after_a_commit_and_a_move(
        make_repo: MakeRepo, tmp_path: Path, fmt: str) -> None:
    root = make_repo(FILES)
    saved = tmp_path / f"saved.{fmt}"
    assert run(str(root), "-f", fmt, "-o", str(saved), "-q", cwd=tmp_path)[0] == 0
    git(root, "commit", "-q", "--allow-empty", "-m", "no content change")
    moved = shutil.copytree(root, tmp_path / "moved" / "other")
    code, out, err = run(str(moved), "-o", "-", "-q", "--check-against", str(saved),
                         cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith("Source: other\n")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_changes_are_exit_1_and_named(make_repo: MakeRepo, tmp_path: Path, fmt: str) -> None:
    root = make_repo(FILES)
    saved = tmp_path / f"saved.{fmt}"
    run(str(root), "-f", fmt, "-o", str(saved), "-q", cwd=tmp_path)
    (root / "src/app.py").write_text("print('changed')\n")
    (root / "src/old.py").unlink()
    (root / "src/new.py").write_text("new\n")
    code, out, err = run(str(root), "-o", str(tmp_path / "new.txt"), "-q", "--check-against",
                         str(saved), cwd=tmp_path)
    assert code == 1 and out == ""
    assert err == (f"gitdigest: error: the digest differs from {saved}: added 1: src/new.py; "
                   "removed 1: src/old.py; changed 1: src/app.py (the digest was written all "
                   f"the same: {tmp_path / 'new.txt'})\n")
    assert (tmp_path / "new.txt").exists()  # the digest is written all the same


def test_same_files_but_other_skips_are_a_difference_in_json(make_repo: MakeRepo,
                                                              tmp_path: Path) -> None:
    root = make_repo(FILES)
    saved = tmp_path / "saved.json"
    run(str(root), "-f", "json", "-o", str(saved), "-q", cwd=tmp_path)
    (root / "data.bin").write_bytes(b"\0\1\2")  # a new binary file: skipped, not ignored
    code, _, err = run(str(root), "-o", "-", "-q", "--check-against", str(saved), cwd=tmp_path)
    assert code == 1 and "the same files, but the skipped files or the prompt changed" in err


def test_checking_against_the_output_itself_updates_it(make_repo: MakeRepo) -> None:
    """What the pre-commit hook does: compare with the committed digest, then replace it."""
    root = make_repo(FILES)
    code, _, err = run("-q", "--check-against", "digest.txt", cwd=root)
    assert code == 1 and err == ("gitdigest: error: digest.txt did not exist: 3 files are new "
                                 "(the digest was written all the same: digest.txt)\n")
    assert run("-q", "--check-against", "digest.txt", cwd=root)[0] == 0
    (root / "README.md").write_text("# Changed\n")
    code, _, err = run("-q", "--check-against", "digest.txt", cwd=root)
    assert code == 1 and "changed 1: README.md" in err
    assert run("-q", "--check-against", "digest.txt", cwd=root)[0] == 0


def test_not_a_digest_is_exit_2(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(FILES)
    (tmp_path / "notes.txt").write_text("hello\n")
    code, _, err = run(str(root), "-o", "-", "--check-against", str(tmp_path / "notes.txt"),
                       cwd=tmp_path)
    assert code == 2
    assert err == (f"gitdigest: error: {tmp_path / 'notes.txt'} is not a gitdigest JSON or "
                   "text digest\n")
    (tmp_path / "bad.json").write_text('{"files": 3}')
    code, _, err = run(str(root), "-o", "-", "--check-against", str(tmp_path / "bad.json"),
                       cwd=tmp_path)
    assert code == 2 and "is not a gitdigest JSON digest" in err


def test_manifests_read_back_what_was_written(make_repo: MakeRepo, tmp_path: Path) -> None:
    tricky = {"a.txt": "ends without newline", "b.txt": "\n\n\n", "c.txt": "",
              "d/e.py": "x = 1\n\n"}
    result = digest(str(make_repo(tricky)))
    from_text = text_manifest(result.render("text"))
    assert from_text.files == manifest_of(result).files
    (tmp_path / "d.json").write_text(result.render("json"))
    from_json = read_manifest(str(tmp_path / "d.json"))
    assert from_json.fingerprint == result.fingerprint
    assert json.loads(result.render("json"))["summary"]["fingerprint"] == result.fingerprint
    assert not differences(from_json, manifest_of(result))


def test_a_closing_skipped_list_is_not_part_of_the_last_file(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(FILES)))
    text = result.render("text")
    trailer = text[text.rindex("<!--"):]
    listed = text.replace(trailer, "=" * 48 + "\nSKIPPED: 1 path\n" + "=" * 48
                          + "\n.venv/ (ignored: default:.venv)\n\n" + trailer)
    assert text_manifest(listed).files == text_manifest(text).files == manifest_of(result).files
