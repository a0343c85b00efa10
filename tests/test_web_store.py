"""Finished digests on disk, keyed by commit and options."""

from __future__ import annotations

import json
from pathlib import Path

from gitdigest import Options, open_digest
from gitdigest.web.store import ResultStore, result_key

from .conftest import MakeRepo, git


def test_keys_follow_commit_and_options(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "print(1)\n", "b.md": "# b\n"})

    def key(**values: object) -> str | None:
        options = Options.create(source=str(repo), **values)
        with open_digest(options) as result:
            return result_key(result, options)

    first = key(ref="HEAD")
    assert first is not None and first == key(ref="HEAD")
    assert key(ref="main") != first  # the digest names the ref it was asked for
    assert key(ref="HEAD", exclude="b.md") != first
    assert key(ref="HEAD", workers=1) == first  # how it was computed does not matter
    assert key() is None  # a working tree can change under the same commit: never cached
    (repo / "a.py").write_text("print(2)\n")
    git(repo, "commit", "-qam", "two")
    assert key(ref="HEAD") != first


def test_store_saves_renders_and_prunes(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.py": "print(1)\n"})
    store = ResultStore(tmp_path, keep=1)
    keys = []
    for exclude in ((), ("nothing",)):
        options = Options.create(source=str(repo), ref="HEAD", format="markdown",
                                 exclude=exclude)
        with open_digest(options) as result:
            key = result_key(result, options)
            assert key is not None
            store.save(key, result, {"source": "x"})
            expected = result.render()
        keys.append(key)
        path = store.digest_path(key)
        assert path is not None and path.name == "digest.md"
        assert path.read_text(encoding="utf-8") == expected
        meta = store.meta(key)
        assert meta is not None and meta["files"] == [["a.py", result.files[0].tokens, 9]]
        assert json.dumps(meta).count("print(1)") == 0  # no contents in the page's data
    assert store.folder(keys[0]) is None  # the older result made room (keep=1)
    assert store.folder("../../etc") is None
