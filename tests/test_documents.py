"""Reading and counting on all cores: forked workers give the parent exactly what one process
would (counts, charsets, the text's sha256), and small files come back as the bytes counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitdigest.core import workers as worker_pool
from gitdigest.core.records import Document, Entry, text_sha256
from gitdigest.count import documents
from gitdigest.count.documents import _KEEP_FILE, Reader, TextSettings
from gitdigest.count.tokens import TokenCounter
from gitdigest.sources.local import WorktreeSource

from .conftest import MakeRepo


def _files() -> dict[str, str]:
    files = {f"pkg/m{i:03d}.py": f"def f{i}(x):\n    return x * {i}\n" for i in range(300)}
    files["big.txt"] = "word " * (_KEEP_FILE // 4)  # over the kept size
    files["latin.txt"] = "caf\xe9\n"  # written as UTF-8 here; rewritten as Latin-1 below
    return files


def _documents(root: Path, workers: int) -> tuple[Reader, list[Document]]:
    source = WorktreeSource(root, str(root))
    entries = sorted((e for e in source.listing().entries if e.kind == "file"),
                     key=lambda e: e.path)
    reader = Reader(source, TokenCounter("o200k_base"), TextSettings())
    results = reader.analyze(entries, workers)
    assert all(isinstance(r, Document) for r in results)
    return reader, [r for r in results if isinstance(r, Document)]


def _repo(make_repo: MakeRepo) -> Path:
    root = make_repo(_files())
    (root / "latin.txt").write_bytes("caf\xe9 cr\xe8me\n".encode("latin-1"))
    return root


def test_workers_give_what_one_process_gives(make_repo: MakeRepo,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(make_repo)
    _, serial = _documents(root, 1)
    monkeypatch.setattr(worker_pool, "PARALLEL_BYTES", 0)  # fork even for this small tree
    _, forked = _documents(root, 2)
    assert forked == serial
    reader, _ = _documents(root, 1)
    for document in forked:
        assert document.sha256 == text_sha256(reader.load(document))


def test_small_files_are_shown_as_counted(make_repo: MakeRepo) -> None:
    """A small file changed after counting is shown as it was counted (the digest's counts
    stay true); a large one is read again."""
    root = _repo(make_repo)
    reader, found = _documents(root, 1)
    by_path = {d.path: d for d in found}
    (root / "pkg/m007.py").write_text("changed after counting\n")
    (root / "big.txt").write_text("changed too\n")
    assert reader.load_raw(by_path["pkg/m007.py"]) == b"def f7(x):\n    return x * 7\n"
    assert reader.load_raw(by_path["big.txt"]) == b"changed too\n"
    assert reader.load_raw(by_path["latin.txt"]) is None  # not UTF-8: decoded, not copied


def test_tasks_start_with_the_largest_files_and_hold_each_once() -> None:
    from gitdigest.core.records import Entry

    sizes = [10] * 500 + [50_000, 3, 900_000, 120_000] + [7] * 300
    entries = [Entry(f"f{i}", "file", size) for i, size in enumerate(sizes)]
    tasks = documents._tasks(entries, 2)
    assert sorted(p for task in tasks for p in task) == list(range(len(entries)))
    firsts = [entries[task[0]].size for task in tasks]
    assert firsts[:3] == [900_000, 120_000, 50_000] and firsts == sorted(firsts, reverse=True)
    bound = sum(sizes) // 128
    assert all(len(task) == 1 or sum(sizes[p] for p in task) <= bound for task in tasks)
    assert all(len(task) <= max(4, len(sizes) // 128) for task in tasks)


def test_a_batch_gives_what_each_file_alone_gives(make_repo: MakeRepo) -> None:
    """Phases over a batch (read all, scan all, count all) change nothing a file gets: with a
    secret, a binary file, an unreadable one and an earlier output among ordinary files."""
    from gitdigest.core.layout import TRAILER
    from gitdigest.core.records import Entry, Skipped

    from .test_secrets import GITHUB  # a fake token, made at run time

    files = _files()
    files["app.py"] = f'import os\nTOKEN = "{GITHUB}"\nprint(TOKEN)\n'
    files["old-digest.txt"] = "text\n" + TRAILER
    root = make_repo(files)
    (root / "blob.bin").write_bytes(b"\0\1\2" * 100)
    source = WorktreeSource(root, str(root))
    listed = sorted((e for e in source.listing().entries if e.kind == "file"),
                    key=lambda e: e.path)
    entries = [*listed, Entry("gone.txt", "file", 3)]
    reader = Reader(source, TokenCounter("o200k_base"), TextSettings())
    batch = reader.analyze_batch(entries)
    assert batch == [reader.analyze_keyed(entry) for entry in entries]
    reasons = {r.path: r.reason for r, _, _ in batch if isinstance(r, Skipped)}
    assert reasons == {"blob.bin": "binary", "old-digest.txt": "excluded",
                       "gone.txt": "unreadable"}
    assert any(isinstance(r, Document) and r.secrets for r, _, _ in batch)


@pytest.mark.parametrize("workers", [1, 2])
def test_counting_stops_when_told_and_caches_what_it_did(
        make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        workers: int) -> None:
    """``enough`` stops the files not done yet (the workers at once); what was done is in
    the cache, and a later run counts the rest to the same documents."""
    from gitdigest.count.cache import TokenCache

    root = _repo(make_repo)
    _, expected = _documents(root, 1)
    monkeypatch.setattr(worker_pool, "PARALLEL_BYTES", 0)
    source = WorktreeSource(root, str(root), index_oids=False)
    entries = sorted((e for e in source.listing().entries if e.kind == "file"),
                     key=lambda e: e.path)
    cache = TokenCache(tmp_path / "cache.sqlite")
    asked: list[int] = []
    first = Reader(source, TokenCounter("o200k_base"), TextSettings(), cache=cache)
    partial = first.analyze(entries, workers, enough=lambda: asked.append(1) is None)
    cache.flush()
    assert len(asked) == 1 and 0 < len(partial) < len(entries)
    assert len(cache.get_many(cache_keys(first, entries))) == len(partial)
    again = Reader(source, TokenCounter("o200k_base"), TextSettings(), cache=cache)
    assert [_counted(d) for d in again.analyze(entries, workers)] == [
        _counted(d) for d in expected]
    cache.close()


def _counted(result: object) -> tuple[object, ...]:
    assert isinstance(result, Document)
    return (result.path, result.tokens, result.block_tokens, result.charset, result.sha256)


def cache_keys(reader: Reader, entries: list[Entry]) -> list[str]:
    """The token-cache key of each file (from its bytes, as a fresh run keys it)."""
    keys = [reader._key(entry) for entry in entries]
    return [key for key in keys if isinstance(key, str)]
