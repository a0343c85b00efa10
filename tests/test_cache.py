"""The token cache: hits, misses, invalidation, corruption, concurrency; output never changes."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import Digest, digest
from gitdigest.core import workers as worker_pool
from gitdigest.core.records import Entry
from gitdigest.count import tokens
from gitdigest.count.cache import SCHEMA_VERSION, Counts, TokenCache, blob_id, cache_dir
from gitdigest.read import secrets
from gitdigest.sources.local import WorktreeSource

from .conftest import MakeRepo, git, write_files

FILES = {"a.py": "def a():\n    return 1\n" * 50, "b/c.md": "# C\n\nText.\n" * 30,
         "d.bin": b"\0\1\2" * 10, "e.ipynb": '{"cells": [{"cell_type": "code", "source": "x"}]}'}


def _db() -> Path:
    return cache_dir() / f"tokens-v{SCHEMA_VERSION}.sqlite"


def _rows() -> int:
    with contextlib.closing(sqlite3.connect(_db())) as db:
        return int(db.execute("SELECT count(*) FROM counts").fetchone()[0])


def _full(result: Digest) -> str:
    """Contents, per-file counts, the total and the skips: what a cache bug would change
    (the text format alone carries no counts)."""
    return result.render("json")


def test_blob_id_is_gits(make_repo: MakeRepo) -> None:
    root = make_repo({"x.txt": "hello\n"})
    assert blob_id(b"hello\n") == git(root, "rev-parse", "HEAD:x.txt").strip()


def test_warm_run_needs_no_tokenizer_and_gives_the_same_bytes(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    cold = _full(digest(str(root), cache=False))
    fresh = digest(str(root))
    assert _full(fresh) == cold and _rows() >= 4
    # an empty cache cannot hit: git's index is not asked for ids, the workers hash instead
    assert all(d.entry.oid is None for d in fresh.files)
    tokens._cores.clear()
    warm = digest(str(root))
    assert _full(warm) == cold
    assert all(d.entry.oid for d in warm.files)  # looked up by the ids git's index holds
    assert not tokens._cores  # every count came from the cache: no tokenizer was built
    assert [s.reason for s in warm.skipped] == ["binary"]


@pytest.mark.slow
def test_content_change_invalidates(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    digest(str(root))
    write_files(root, {"a.py": "def a():\n    return 2\n" * 50})
    fresh = digest(str(root), cache=False)
    assert _full(digest(str(root))) == _full(fresh)


def test_same_content_at_another_path_is_a_separate_entry(make_repo: MakeRepo) -> None:
    root = make_repo({"one.py": "x = 1\n"})
    digest(str(root))
    before = _rows()
    write_files(root, {"a/much/longer/path/two.py": "x = 1\n"})
    result = digest(str(root))
    # its own row (the blob is the same), the new frame's and the new path names' verdict
    assert _rows() == before + 3
    assert _full(result) == _full(digest(str(root), cache=False))
    one, two = result.files
    assert one.tokens == two.tokens and one.block_tokens != two.block_tokens


def test_options_that_change_text_are_part_of_the_key(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    digest(str(root))
    for changed in ({"line_numbers": True}, {"tokenizer": "cl100k_base"},
                    {"notebook_outputs": True}):
        assert _full(digest(str(root), **changed)) == \
            _full(digest(str(root), cache=False, **changed)), changed


@pytest.mark.parametrize("damage", [b"this is not a database" * 100, b""])
def test_a_damaged_cache_is_rebuilt(make_repo: MakeRepo, damage: bytes) -> None:
    root = make_repo(FILES)
    expected = _full(digest(str(root), cache=False))
    digest(str(root))
    _db().write_bytes(damage)
    for suffix in ("-wal", "-shm"):
        Path(str(_db()) + suffix).unlink(missing_ok=True)
    assert _full(digest(str(root))) == expected
    assert _rows() >= 4  # rebuilt and filled again


def test_a_wrong_row_is_never_trusted(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    expected = _full(digest(str(root), cache=False))
    digest(str(root))
    with contextlib.closing(sqlite3.connect(_db())) as db:
        db.execute("UPDATE counts SET tokens = -5, kind = 'bogus'")
        db.commit()
    assert _full(digest(str(root))) == expected
    digest(str(root))
    with contextlib.closing(sqlite3.connect(_db())) as db:  # plausible but wrong numbers
        db.execute("UPDATE counts SET tokens = tokens + 1, block = block + 1")
        db.commit()
    assert _full(digest(str(root))) != expected  # proves the check above could fail


def test_cache_api_round_trip(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "c.sqlite")
    assert cache.empty  # a first run: the engines start loading before the listing
    cache.put_many([("k", Counts("text", "utf-8", 3, 9))])
    assert cache.get_many(["k", "missing"]) == {"k": Counts("text", "utf-8", 3, 9)}
    assert not cache.empty
    cache.close()
    assert TokenCache(None).get_many(["k"]) == {} and TokenCache(None).empty


def test_rows_written_apart_are_stored_when_the_cache_closes(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "c.sqlite")
    rows = [(f"k{i:05d}", "text", "utf-8", i, i + 1, "", "") for i in range(2000)]
    cache.put_rows(rows[::-1], later=True)  # a thread writes them while the caller goes on
    cache.close()
    again = TokenCache(tmp_path / "c.sqlite")
    assert again.get_many(["k00007", "k01999"]) == {"k00007": Counts("text", "utf-8", 7, 8),
                                                    "k01999": Counts("text", "utf-8", 1999, 2000)}
    again.close()


def test_process_pool_gives_byte_identical_output(make_repo: MakeRepo,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"m{i:02}.py": f"value_{i} = {i}\n" * (i + 1) for i in range(40)}
    root = make_repo(dict(files, **FILES))
    serial = _full(digest(str(root), cache=False, workers=1))
    serial_ref = _full(digest(str(root), cache=False, workers=1, ref="HEAD"))
    monkeypatch.setattr(worker_pool, "PARALLEL_BYTES", 0)  # fork even for a small repository
    assert _full(digest(str(root), cache=False, workers=2)) == serial
    assert _full(digest(str(root), cache=False, workers=3, ref="HEAD")) == serial_ref


@pytest.mark.slow
def test_concurrent_runs_share_the_cache(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({f"f{i}.txt": f"line {i}\n" * 200 for i in range(60)})
    expected = _full(digest(str(root), cache=False))
    outputs = [tmp_path / f"out{i}.json" for i in range(3)]
    runs = [subprocess.Popen([sys.executable, "-m", "gitdigest", str(root), "-q", "-f", "json",
                              "-o", str(out)]) for out in outputs]
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


def test_second_run_is_warm_when_disk_bytes_are_not_the_blob(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    # numpy's doc/make.bat: checked out with CRLF, stored with LF. The first run keys it by
    # the bytes it reads, the second by the id git's index holds; both must find one row.
    root = make_repo({".gitattributes": "*.bat text eol=crlf\n",
                      "run.bat": "@echo off\necho hi\n" * 20, "a.py": "x = 1\n"})
    (root / "run.bat").unlink()
    git(root, "checkout", "--", "run.bat")
    assert b"\r\n" in (root / "run.bat").read_bytes()
    for name in ("run.bat", "a.py", ".gitattributes"):  # older than the index: not "racily
        os.utime(root / name, (1_600_000_000, 1_600_000_000))  # clean", the index vouches
    git(root, "update-index", "--refresh")
    first = digest(str(root))
    assert all(d.entry.oid is None for d in first.files)  # keyed by what was read
    for _ in ("second", "third"):
        tokens._cores.clear()
        monkeypatch.setattr(secrets, "_scanner", None)
        warm = digest(str(root))
        assert _full(warm) == _full(first)
        assert all(d.entry.oid for d in warm.files)  # keyed by the index's ids
        assert not tokens._cores  # no tokenizer built...
        assert secrets._scanner is None  # ...and no scanner: nothing was counted again


def test_a_cache_of_other_counts_is_probed_not_read_through(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    # every file misses by its index id (another tokenizer filled the cache): only a probe of
    # them is read again to look for a first run's keys, not every file
    root = make_repo({f"f{i:03d}.txt": f"line {i}\n" for i in range(100)})
    digest(str(root), tokenizer="cl100k_base")
    digest(str(root), tokenizer="cl100k_base")  # the index now vouches for every file
    reads: list[str] = []
    original = WorktreeSource.read

    def counting(self: WorktreeSource, entry: Entry) -> bytes:
        reads.append(entry.path)
        return original(self, entry)

    monkeypatch.setattr(WorktreeSource, "read", counting)
    digest(str(root), workers=1, cache=False)
    without_cache = len(reads)
    reads.clear()
    digest(str(root), workers=1)
    assert len(reads) == without_cache + 32  # what counting reads anyway, plus the probe


def test_a_secret_in_a_path_is_found_on_warm_runs_too(make_repo: MakeRepo) -> None:
    # a clean verdict on the path names is remembered (a warm run loads no scanner); one with
    # a secret is not, so the name stays redacted and its file withheld on every run
    from .test_secrets import GITHUB  # a fake token, made at run time

    root = make_repo({f"keys/{GITHUB}.txt": "hello\n", "a.py": "x = 1\n"})
    runs = [digest(str(root)) for _ in range(3)]
    for result in runs:
        assert [d.path for d in result.files] == ["a.py"]
        assert GITHUB not in result.render("json")
    assert _full(runs[1]) == _full(runs[0]) == _full(runs[2])
