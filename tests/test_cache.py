"""The token cache: hits, misses, invalidation, corruption, concurrency; output never changes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import digest, documents
from gitdigest.cache import Counts, TokenCache, blob_id, cache_dir
from gitdigest.tokens import get_core

from .conftest import MakeRepo, git, write_files

FILES = {"a.py": "def a():\n    return 1\n" * 50, "b/c.md": "# C\n\nText.\n" * 30,
         "d.bin": b"\0\1\2" * 10, "e.ipynb": '{"cells": [{"cell_type": "code", "source": "x"}]}'}


def _db() -> Path:
    return cache_dir() / "tokens-v1.sqlite"


def _rows() -> int:
    with sqlite3.connect(_db()) as db:
        return int(db.execute("SELECT count(*) FROM counts").fetchone()[0])


def test_blob_id_is_gits(make_repo: MakeRepo) -> None:
    root = make_repo({"x.txt": "hello\n"})
    assert blob_id(b"hello\n") == git(root, "rev-parse", "HEAD:x.txt").strip()


def test_warm_run_needs_no_tokenizer_and_gives_the_same_bytes(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    cold = digest(str(root), cache=False).render("text")
    first = digest(str(root)).render("text")
    assert first == cold and _rows() >= 4
    get_core.cache_clear()
    warm = digest(str(root))
    assert warm.render("text") == cold
    assert get_core.cache_info().currsize == 0  # every count came from the cache
    assert [s.reason for s in warm.skipped] == ["binary"]


def test_content_change_invalidates(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    digest(str(root))
    write_files(root, {"a.py": "def a():\n    return 2\n" * 50})
    fresh = digest(str(root), cache=False)
    assert digest(str(root)).render("text") == fresh.render("text")
    assert {d.path: d.tokens for d in digest(str(root)).files} == \
        {d.path: d.tokens for d in fresh.files}


def test_same_content_at_another_path_is_a_separate_entry(make_repo: MakeRepo) -> None:
    root = make_repo({"one.py": "x = 1\n"})
    digest(str(root))
    write_files(root, {"a/much/longer/path/two.py": "x = 1\n"})
    result = digest(str(root))
    assert result.summary.tokens == digest(str(root), cache=False).summary.tokens


def test_options_that_change_text_are_part_of_the_key(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    digest(str(root))
    numbered = digest(str(root), line_numbers=True)
    assert numbered.render("text") == digest(str(root), line_numbers=True, cache=False).render()
    other = digest(str(root), tokenizer="cl100k_base")
    assert other.summary.tokens == digest(str(root), tokenizer="cl100k_base",
                                          cache=False).summary.tokens


@pytest.mark.parametrize("damage", [b"this is not a database" * 100, b""])
def test_a_damaged_cache_is_rebuilt(make_repo: MakeRepo, damage: bytes) -> None:
    root = make_repo(FILES)
    expected = digest(str(root), cache=False).render("text")
    digest(str(root))
    _db().write_bytes(damage)
    for suffix in ("-wal", "-shm"):
        Path(str(_db()) + suffix).unlink(missing_ok=True)
    assert digest(str(root)).render("text") == expected
    assert _rows() >= 4  # rebuilt and filled again


def test_a_wrong_row_is_never_trusted(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    expected = digest(str(root), cache=False)
    digest(str(root))
    with sqlite3.connect(_db()) as db:
        db.execute("UPDATE counts SET tokens = -5, kind = 'bogus'")
    assert digest(str(root)).render("text") == expected.render("text")


def test_cache_api_round_trip(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "c.sqlite")
    cache.put_many([("k", Counts("text", "utf-8", 3, 9))])
    assert cache.get_many(["k", "missing"]) == {"k": Counts("text", "utf-8", 3, 9)}
    cache.close()
    assert TokenCache(None).get_many(["k"]) == {}


def test_process_pool_gives_byte_identical_output(make_repo: MakeRepo,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"m{i:02}.py": f"value_{i} = {i}\n" * (i + 1) for i in range(40)}
    root = make_repo(dict(files, **FILES))
    serial = digest(str(root), cache=False, workers=1).render("text")
    serial_ref = digest(str(root), cache=False, workers=1, ref="HEAD").render("text")
    monkeypatch.setattr(documents, "_PARALLEL_BYTES", 0)  # fork even for a small repository
    assert digest(str(root), cache=False, workers=2).render("text") == serial
    assert digest(str(root), cache=False, workers=3, ref="HEAD").render("text") == serial_ref


def test_concurrent_runs_share_the_cache(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({f"f{i}.txt": f"line {i}\n" * 200 for i in range(60)})
    expected = digest(str(root), cache=False).render("text")
    outputs = [tmp_path / f"out{i}.txt" for i in range(3)]
    runs = [subprocess.Popen([sys.executable, "-m", "gitdigest", str(root), "-q", "-o", str(out)])
            for out in outputs]
    assert [run.wait() for run in runs] == [0, 0, 0]
    assert {out.read_text() for out in outputs} == {expected}
    assert _rows() >= 60


def test_disk_and_git_objects_never_share_counts(make_repo: MakeRepo) -> None:
    root = make_repo({".gitattributes": "*.bat text eol=crlf\n",
                      "run.bat": "@echo off\necho hi\n" * 20})
    (root / "run.bat").unlink()
    git(root, "checkout", "--", "run.bat")  # checkout writes CRLF: disk bytes != blob bytes
    assert b"\r\n" in (root / "run.bat").read_bytes()
    on_disk = digest(str(root))
    from_git = digest(str(root), ref="HEAD")
    assert on_disk.summary.tokens == digest(str(root), cache=False).summary.tokens
    assert from_git.summary.tokens == digest(str(root), ref="HEAD", cache=False).summary.tokens
    disk_bat, git_bat = (next(d for d in r.files if d.path == "run.bat")
                         for r in (on_disk, from_git))
    assert (disk_bat.bytes, disk_bat.block_tokens) != (git_bat.bytes, git_bat.block_tokens)
