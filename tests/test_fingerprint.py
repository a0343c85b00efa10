"""The fingerprint: a sha256 over the digest's content, the same whatever the folder, time,
worker count or cache state, and different as soon as any shown text changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gitdigest import digest
from gitdigest.core.records import fingerprint_of, text_sha256

from .conftest import MakeRepo, git

FILES = {"README.md": "# Project\n", "src/app.py": "print('hi')\n", "logo.png": b"\x89PNG\r\n"}


def test_fingerprint_is_sha256_of_files_and_skips(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(FILES)))
    expected = fingerprint_of(
        [("README.md", text_sha256("# Project\n")), ("src/app.py", text_sha256("print('hi')\n"))],
        [("logo.png", "ignored", "default:*.png")], (None, None))
    assert result.fingerprint == expected
    assert len(expected) == 64 and int(expected, 16) >= 0


@pytest.mark.slow
def test_stable_across_runs_folders_workers_and_cache_states(make_repo: MakeRepo,
                                                             tmp_path: Path) -> None:
    # over 4 MB in all, so more than one worker really forks
    big = {f"data/{i}.txt": f"line {i} of a big file\n" * 70_000 for i in range(3)}
    root = make_repo({**FILES, **big})
    cold = digest(str(root), workers=2)
    warm = digest(str(root), workers=1)
    uncached = digest(str(root), cache=False, workers=2)
    copy = tmp_path / "elsewhere" / "other-name"
    shutil.copytree(root, copy)
    moved = digest(str(copy))
    from_objects = digest(str(root), ref="HEAD")
    assert len({cold.fingerprint, warm.fingerprint, uncached.fingerprint, moved.fingerprint,
                from_objects.fingerprint}) == 1
    # a new commit with no change in content is the same content
    git(root, "commit", "-q", "--allow-empty", "-m", "nothing changed")
    assert digest(str(root)).fingerprint == cold.fingerprint


def test_changes_with_content_skips_and_prologue(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    before = digest(str(root)).fingerprint
    assert digest(str(root), header="Review this.").fingerprint != before
    assert digest(str(root), exclude="README.md").fingerprint != before
    (root / "data.bin").write_bytes(b"\0\1\2")  # a new skip that is not machine-local
    with_binary = digest(str(root)).fingerprint
    assert with_binary != before
    (root / "src/app.py").write_text("print('changed')\n")
    assert digest(str(root)).fingerprint not in (before, with_binary)


def test_ignored_paths_and_own_outputs_do_not_count(make_repo: MakeRepo) -> None:
    """A developer's folder (a virtualenv, caches, build output, the digest itself) and a fresh
    CI checkout of the same commit give the same fingerprint."""
    root = make_repo({**FILES, ".gitignore": "build/\n/digest.json\n"})
    before = digest(str(root)).fingerprint
    for name in (".venv/pyvenv.cfg", "__pycache__/a.pyc", "build/out.o", "node_modules/x.js"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("local\n")
    digest(str(root)).write(str(root / "digest.json"), "json")
    digest(str(root)).write(str(root / "other.json"), "json")
    after = digest(str(root), output=str(root / "digest.json"))
    assert {s.path for s in after.skipped} >= {".venv/", "build/", "digest.json", "other.json"}
    assert after.fingerprint == before


def test_in_every_format_and_the_same_in_each(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(FILES)))
    print_ = result.fingerprint
    assert json.loads(result.render("json"))["summary"]["fingerprint"] == print_
    assert f"- Fingerprint: {print_}\n" in result.render("markdown")
    assert f"<fingerprint>{print_}</fingerprint>" in result.render("xml")


def test_a_long_text_is_hashed_in_slices_to_the_same_sha256(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    import hashlib

    from gitdigest.core import records

    monkeypatch.setattr(records, "_HASH_SLICE", 3)  # slices that cut between any characters
    for text in ("", "abc", "héllo wörld ✓ \U0001f600 x" * 5, "a\udc80b\udcffc" * 4):
        whole = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        assert text_sha256(text) == whole
