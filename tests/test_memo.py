"""Outlines, views and ranks are remembered in the token cache: a warm budgeted run parses
nothing, and a changed file is parsed again alone."""

from __future__ import annotations

import pytest

from gitdigest import digest
from gitdigest.count.cache import TokenCache
from gitdigest.focus import compress, memo
from gitdigest.focus.rank import references

from .conftest import MakeRepo


def test_a_warm_budgeted_run_takes_outlines_from_the_cache(make_repo: MakeRepo) -> None:
    pytest.importorskip("tree_sitter")
    files = {f"pkg/m{i}.py": f"def f{i}(x):\n    '''Doc.'''\n    return g{i + 1}(x) * {i}\n"
             * 30 for i in range(20)}
    root = make_repo(files)
    before = compress.parses
    cold = digest(str(root), max_tokens=1500, workers=1)
    assert compress.parses - before == 20  # each file parsed once
    before = compress.parses
    warm = digest(str(root), max_tokens=1500, workers=1)
    assert compress.parses == before  # nothing parsed again
    assert warm.render("text") == cold.render("text")
    assert {d.view for d in warm.files} >= {"map"}
    (root / "pkg/m3.py").write_text("def changed():\n    return 1\n")
    digest(str(root), max_tokens=1500, workers=1)
    assert compress.parses == before + 1  # only the changed file


def test_malformed_entries_are_misses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = TokenCache(tmp_path / "c.sqlite")
    try:
        cache.put_blobs([("k", b"not zlib"), ("j", memo.pack({"counts": 3}))])
        found = cache.get_blobs(["k", "j", "missing"])
        assert set(found) == {"k", "j"}
        assert memo.read_outline(found["k"]) is None and memo.read_outline(found["j"]) is None
        assert memo.read_ranks(found["k"]) is None
        assert memo.read_uses(found["k"]) is None and memo.read_uses(found["j"]) is None
        assert memo.read_uses(memo.pack({"names": "a\0b", "counts": [1]})) is None
        uses = references("alpha beta alpha gamma")
        assert memo.read_uses(memo.uses_entry(uses)) == uses
        assert dict(uses.items()) == {"alpha": 2, "beta": 1, "gamma": 1}
        assert memo.read_uses(memo.uses_entry(references(""))) == references("")
    finally:
        cache.close()


def test_a_warm_query_run_parses_nothing_and_scores_as_an_uncached_one(
        make_repo: MakeRepo) -> None:
    pytest.importorskip("numpy")  # the whole compress extra: --query needs it
    files = {f"pkg/m{i}.py": f"def f{i}(x):\n    '''Solve it.'''\n    return g{i + 1}(x) * {i}\n"
             * (i + 1) for i in range(12)}
    files["README.md"] = "# Pkg\nSolvers for piecewise equations.\n"
    files["pkg/piecewise.py"] = "class Piecewise:\n    def solve(self):\n        return f1(2)\n"
    root = make_repo(files)
    asked = "how does solve handle piecewise equations"
    uncached = digest(str(root), max_tokens=900, query=asked, workers=1, cache=False)
    before = compress.parses
    cold = digest(str(root), max_tokens=900, query=asked, workers=1)
    assert compress.parses - before == 13  # each Python file parsed once
    before = compress.parses
    warm = digest(str(root), max_tokens=900, query=asked, workers=1)
    other = digest(str(root), max_tokens=900, query="what does f3 return", workers=1)
    assert compress.parses == before  # nothing parsed again, whatever the question
    for run in (cold, warm):
        assert run.views == uncached.views  # scores, reasons and importance alike
        assert run.render("text") == uncached.render("text")
    assert other.views["pkg/m3.py"].score == max(v.score or 0 for v in other.views.values())
