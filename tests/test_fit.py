"""Budgets: the exact digest fits, the documented priority decides, --check gates instead."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gitdigest import BudgetTooSmall, digest
from gitdigest.cli import cli
from gitdigest.core.records import Document, Entry
from gitdigest.count.tokens import TokenCounter
from gitdigest.plan.fit import CLEAR_MARGIN, CLEAR_SHARE, budget_key, clear_answer, fit, rank
from gitdigest.select.ignores import PatternSet

from .conftest import MakeRepo

REPO = {
    "README.md": "# Project\n" + "Intro text. " * 50 + "\n",
    "pyproject.toml": "[project]\nname = 'p'\n",
    "src/core.py": "def core():\n    return 1\n" * 40,
    "src/small.py": "X = 1\n",
    "tests/test_core.py": "def test():\n    assert True\n" * 40,
    "examples/demo.py": "print('demo')\n" * 40,
    "data/table.csv": "a,b,c\n1,2,3\n" * 200,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [("README.md", 1), ("README", 1), ("pkg/README.rst", 3), ("tools/swig/README", 3),
     ("src/a.py", 2), ("pkg/__main__.py", 2),
     ("docs/index.md", 3), ("pyproject.toml", 3), ("web/package.json", 3),
     ("requirements.txt", 3), ("docs/guide.md", 4), ("docs/snippet.py", 4), ("NOTES", 4),
     ("tests/test_a.py", 5), ("src/a_test.go", 5), ("web/a.spec.ts", 5), ("examples/x.py", 6),
     ("examples/README.md", 6), ("tests/certs/README.md", 5), ("tests/requirements.txt", 5),
     ("tests/fixtures/a.py", 7), ("data/x.csv", 7),
     ("api_pb2.py", 7), (".github/workflows/ci.yml", 8), (".github/ISSUE_TEMPLATE/a.md", 8),
     (".editorconfig", 8), (".vscode/settings.json", 8), ("LICENSE", 8), ("LICENSE.txt", 8),
     ("docs/license.rst", 8), ("Makefile", 8), ("docs/Makefile", 8), ("docs/conf.py", 8)],
)
def test_rank(path: str, expected: int) -> None:
    assert rank(path) == expected
    assert rank(path, PatternSet(["*"], "--priority")) == 0


@pytest.mark.parametrize("budget", [400, 700, 1000, 1500, 2500])
def test_digest_fits_the_budget_exactly(make_repo: MakeRepo, budget: int) -> None:
    result = digest(str(make_repo(REPO)), max_tokens=budget)
    text = result.render("text")
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens <= budget
    cut = {s.path for s in result.skipped if s.reason == "budget"}
    kept = {d.path for d in result.files}
    assert kept | cut == set(REPO) and not kept & cut
    for path in cut:  # cut files are marked in the tree
        assert f"{path.rsplit('/', 1)[-1]} [over budget]" in result.tree
    if budget >= 700:  # the README and the source come first and fit from here on
        assert {"README.md", "src/core.py", "src/small.py"} <= kept
    # every cut file is listed in the Skipped section, which the budget counts
    assert all(f"{path} (budget: " in text for path in cut)


def test_priority_order_holds(make_repo: MakeRepo) -> None:
    root = make_repo(REPO)
    counts = {d.path: d.block_tokens for d in digest(str(root)).files}
    frame = digest(str(root), max_tokens=10**6).summary.tokens - sum(counts.values())
    # room for the README, the small source file and the manifest (and the Skipped lines of
    # the files cut, about 20 tokens each), not more
    budget = frame + counts["README.md"] + counts["pyproject.toml"] + counts["src/small.py"] + 150
    fitted = digest(str(root), max_tokens=budget).files
    # src/core.py did not fit whole: it comes in as its one-line map entry, before the
    # manifest; tests and examples wait behind, whole or cut (a budget never outlines them)
    shown = [(d.path, d.view) for d in fitted]
    assert shown[:4] == [("README.md", "full"), ("pyproject.toml", "full"),
                         ("src/core.py", "map"), ("src/small.py", "full")]
    assert all(not path.startswith("src/") and view == "full" for path, view in shown[4:])
    # the note counts only the view files got, in words that agree with the number
    degraded = [n for n in digest(str(root), max_tokens=budget).notes if "to fit" in n]
    assert degraded == ["to fit the budget, 1 file is shown as its map entry"]
    moved = digest(str(root), max_tokens=budget, priority=["examples/**"])
    assert "examples/demo.py" in [d.path for d in moved.files]


def test_model_budget_uses_window_minus_reserve(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(REPO)), model="bert", reserve=0.0)
    assert result.budget == 512
    assert result.summary.tokens <= 512
    assert digest(str(make_repo(REPO, name="r2")), model="gpt-4o").budget == 115_200


def test_check_gates_without_cutting(make_repo: MakeRepo) -> None:
    root = make_repo(REPO)
    runner = CliRunner()
    result = runner.invoke(cli, [str(root), "--max-tokens", "300", "--check", "-o", "-"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("gitdigest: error: the digest is ")
    assert result.stdout == digest(str(root)).render("text")  # written whole
    ok = runner.invoke(cli, [str(root), "--max-tokens", "100000", "--check", "-o", "-", "-q"])
    assert ok.exit_code == 0


def test_budget_smaller_than_the_frame(make_repo: MakeRepo) -> None:
    with pytest.raises(BudgetTooSmall, match="smaller than the digest's frame"):
        digest(str(make_repo(REPO)), max_tokens=5)


HOUSEKEEPING = {
    ".github/workflows/x.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n" * 30,
    ".github/ISSUE_TEMPLATE/a.md": "## Describe the bug\n" * 60,
    "docs/Makefile": "html:\n\tsphinx-build -b html . _build\n" * 30,
    "LICENSE": "Permission is hereby granted, free of charge, to any person.\n" * 30,
    ".editorconfig": "[*]\nindent_style = space\n" * 30,
}
PACKAGE = {
    "README.md": "# pkg\n\nWhat the package does.\n",
    "src/pkg/__init__.py": "from .core import run\n",
    "src/pkg/core.py": "".join(f"def step_{i}(value: int) -> int:\n    \"\"\"Step {i}.\"\"\"\n"
                               f"    total = value * {i}\n    return total + {i}\n\n\n"
                               for i in range(40)),
    "src/pkg/cli.py": "from .core import step_1\n\n\ndef main() -> None:\n"
                      "    print(step_1(2))\n" * 3,
}


@pytest.mark.parametrize("extra", [True, False])
def test_default_order_puts_source_before_ci_files(make_repo: MakeRepo,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   extra: bool) -> None:
    if not extra:  # the order holds without the compress extra too (no views, no ranks)
        monkeypatch.setattr("gitdigest.focus.compress.available", lambda: False)
    root = make_repo({**PACKAGE, **HOUSEKEEPING})
    whole = digest(str(root), max_tokens=10**6)
    counts = {d.path: d.block_tokens for d in whole.files}
    frame = whole.summary.tokens - sum(counts.values())
    # room for the package and the README, and for about half of the housekeeping files
    budget = frame + sum(counts[p] for p in PACKAGE) + counts["LICENSE"] + 60
    result = digest(str(root), max_tokens=budget)
    kept = {d.path: d.view for d in result.files}
    assert set(PACKAGE) <= set(kept)
    assert all(kept[p] in ("full", "compressed") for p in PACKAGE)
    cut = {s.path for s in result.skipped if s.reason == "budget"}
    assert cut and cut <= set(HOUSEKEEPING)


def test_group_is_compressed_before_any_file_is_whole(make_repo: MakeRepo) -> None:
    # a budget that holds every module compressed but not all of them whole: each gets its
    # outline before the most important one is shown whole
    files = {f"src/pkg/m{i}.py": PACKAGE["src/pkg/core.py"].replace("step_", f"m{i}_")
             for i in range(4)}
    root = make_repo(files)
    whole = digest(str(root), max_tokens=10**6)
    compressed = digest(str(root), max_tokens=10**6, compress=True)
    frame = whole.summary.tokens - sum(d.block_tokens for d in whole.files)
    budget = frame + sum(d.block_tokens for d in compressed.files) + 100
    views = [d.view for d in digest(str(root), max_tokens=budget).files]
    assert len(views) == 4 and "map" not in views


def test_without_the_extra_the_most_imported_source_comes_first(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gitdigest.focus.compress.available", lambda: False)
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(60))
    files = {"src/pkg/__init__.py": "", "src/pkg/core.py": body,
             "src/pkg/lonely.py": body[: len(body) * 9 // 10],
             **{f"src/pkg/use{i}.py": "from pkg.core import f1\n" for i in range(3)}}
    root = make_repo(files)
    whole = digest(str(root), max_tokens=10**6)
    blocks = {d.path: d.block_tokens for d in whole.files}
    # Python files still have outlines (tree-sitter's here, the standard library's without
    # the extra): room for every file compressed, then for core.py whole, not lonely.py too
    # (smaller than core.py, but imported by no one: by size alone it would come first)
    small = {d.path: d.block_tokens for d in digest(str(root), compress=True).files}
    frame = whole.summary.tokens - sum(blocks.values())
    core = "src/pkg/core.py"
    budget = frame + sum(small.values()) + blocks[core] - small[core] + 200
    kept = {d.path: d.view for d in digest(str(root), max_tokens=budget).files}
    assert kept[core] == "full" and kept.get("src/pkg/lonely.py") != "full"


def _document(path: str, tokens: int, view: str = "full") -> Document:
    return Document(Entry(path, "file"), tokens * 4, tokens, tokens, "utf-8", view=view)


def _protected_fit(whole: dict[str, int], brief: dict[str, int], budget: int,
                   protect: bool, lead: str | None = None,
                   compressed: dict[str, int] | None = None) -> dict[str, str]:
    """Fit files in the order given, with a 100-token frame; the files named p… protected;
    ``lead``: the file shown whole (or compressed) before them."""
    documents = [_document(path, tokens) for path, tokens in whole.items()]
    order = list(whole)
    outlines = compressed or {}

    def options(document: Document) -> list[Document]:
        entry, outline = brief.get(document.path), outlines.get(document.path)
        return ([document] + ([_document(document.path, outline, "compressed")] if outline
                              else [])
                + ([_document(document.path, entry, "map")] if entry else []))

    result = fit(documents, budget, lambda kept, cut: 100, key=lambda d: order.index(d.path),
                 views=options, protected=(lambda d: d.path.startswith("p")) if protect
                 else None, lead=next((d for d in documents if d.path == lead), None))
    assert result.tokens <= budget
    return {d.path: d.view for d in result.kept}


def test_protected_files_keep_room_wherever_they_come_in_the_order() -> None:
    # in order: a and x (the most relevant), other.md, then p1 and p2, which are protected
    # (what the order without a query showed)
    whole = {"a.py": 500, "x.py": 10, "other.md": 130, "p1.py": 300, "p2.py": 300}
    brief = {"a.py": 60, "p1.py": 20, "p2.py": 20}
    # without protection other.md takes the room p2's map entry needed
    assert _protected_fit(whole, brief, 760, protect=False) == {
        "a.py": "full", "x.py": "full", "other.md": "full", "p1.py": "map"}
    # with it, the first files are still whole and both protected files keep their map entry
    assert _protected_fit(whole, brief, 760, protect=True) == {
        "a.py": "full", "x.py": "full", "p1.py": "map", "p2.py": "map"}
    # more room goes to the files in order: other.md, then p1 whole
    assert _protected_fit(whole, brief, 1100, protect=True) == {
        "a.py": "full", "x.py": "full", "other.md": "full", "p1.py": "full", "p2.py": "map"}


NESTED_READMES = {  # prose about side tools, each larger than every module's map entry
    "release/README.md": "# Release\n\n" + "Tag the release, build the wheels, upload. " * 40,
    "benchmarks/README.rst": "Benchmarks\n==========\n\n" + "Run asv against main. " * 60,
    "tools/swig/README": "SWIG typemaps for the C API, with their own tests and notes. " * 30,
}
MODULES = {f"src/pkg/m{i}.py": "".join(f"def m{i}_step_{j}(value: int) -> int:\n"
                                        f"    total = value * {j}\n    return total + {j}\n\n\n"
                                        for j in range(6)) for i in range(4)}


def test_the_top_readme_and_the_source_come_before_nested_readmes(make_repo: MakeRepo) -> None:
    # numpy at 4,000 tokens kept four READMEs of side folders (3,333 tokens) and one map entry,
    # and cut its own README: READMEs of any depth came first, smallest first
    root = make_repo({"README.md": PACKAGE["README.md"], **MODULES, **NESTED_READMES})
    mapped = digest(str(root), max_tokens=10**6, map=True)
    entries = sum(d.block_tokens for d in mapped.files)
    whole = digest(str(root), max_tokens=10**6)
    counts = {d.path: d.block_tokens for d in whole.files}
    frame = digest(str(root), max_tokens=400).summary.tokens - sum(
        d.block_tokens for d in digest(str(root), max_tokens=400).files)
    assert entries < min(counts[p] for p in NESTED_READMES)
    budget = frame + counts["README.md"] + entries + 100
    result = digest(str(root), max_tokens=budget)
    kept = {d.path: d.view for d in result.files}
    assert result.summary.tokens <= budget
    assert kept.get("README.md") == "full"
    assert set(MODULES) <= set(kept), kept
    assert not set(NESTED_READMES) & set(kept), kept
    # with room for everything, nothing is lost
    assert set(NESTED_READMES) <= {d.path for d in digest(str(root), max_tokens=10**6).files}


def test_each_source_of_several_keeps_its_own_readme_first(make_repo: MakeRepo) -> None:
    assert rank("flask/README.md", top=1) == 1 and rank("flask/docs/README.md", top=1) == 3
    readme = "# Tool\n\n" + "What this tool is for, in a few words. " * 8
    roots = [make_repo({"README.md": readme, **MODULES}, name=name) for name in ("one", "two")]
    sources = [str(r) for r in roots]
    readmes = sum(d.block_tokens for d in digest(sources).files if d.path.endswith("README.md"))
    probe = digest(sources, max_tokens=1000)
    frame = probe.summary.tokens - sum(d.block_tokens for d in probe.files)
    # room for the two READMEs and little else (a map entry is ~60 tokens): the source comes
    # after them
    kept = {d.path for d in digest(sources, max_tokens=frame + readmes + 30).files}
    assert {"one/README.md", "two/README.md"} <= kept


def test_a_weak_match_keeps_the_order_without_a_question() -> None:
    # requests, "Merge commit from fork": workflows and docs sharing a word with the question
    # took the room of utils.py at 64k. Only files clearly asked about (at least CLEAR_SHARE
    # of the best score) go by relevance alone; the rest keep source before CI
    ci, source = _document(".github/workflows/ci.yml", 50), _document("src/pkg/util.py", 50)
    best = _document("src/pkg/asked.py", 50)
    scores = {best.path: 0.9, ci.path: 0.3, source.path: 0.1}

    def order(clear: float) -> list[str]:
        return [d.path for d in sorted([ci, source, best], key=lambda d: budget_key(
            d, relevance=scores[d.path], clear=clear))]

    assert order(CLEAR_SHARE * 0.9) == [best.path, source.path, ci.path]
    assert order(0.0) == [best.path, ci.path, source.path]  # relevance alone
    scores[ci.path] = 0.6  # clearly asked about: first among the rest
    assert order(CLEAR_SHARE * 0.9) == [best.path, ci.path, source.path]


def test_the_floor_passes_over_a_large_entry_to_keep_a_small_one() -> None:
    # the protected files' cheapest views may take half the room (350 of 700): p1's map
    # entry alone is more, p2's is small; p2 keeps its room though p1 comes first in order,
    # and other.md, which would have taken it, is left out
    whole = {"a.py": 300, "other.md": 395, "p1.py": 900, "p2.py": 200}
    brief = {"p1.py": 400, "p2.py": 10}
    kept = _protected_fit(whole, brief, 800, protect=True)
    assert "p2.py" in kept and "p1.py" not in kept and "other.md" not in kept


def test_a_clear_answer_is_whole_before_the_floor() -> None:
    # cobra's command.go (12,862 of 14,000 tokens of room) asked about by a clear margin was a
    # map entry: the protected files' entries (about 2,300 tokens) left too little for it
    whole = {"big.py": 800, "p1.py": 200, "p2.py": 200, "p3.py": 200}
    brief = {"big.py": 60, "p1.py": 50, "p2.py": 50, "p3.py": 50}
    assert _protected_fit(whole, brief, 1000, protect=True) == {
        "big.py": "map", "p1.py": "full", "p2.py": "full", "p3.py": "full"}
    # whole first; the protected files then share all it leaves (100 for the frame, 800 for
    # big.py, 100 left: two map entries, the third passed over)
    assert _protected_fit(whole, brief, 1000, protect=True, lead="big.py") == {
        "big.py": "full", "p1.py": "map", "p2.py": "map"}
    # too large to be whole at all: the lead is ignored, the floor as before
    assert _protected_fit(whole, brief, 850, protect=True, lead="big.py") == (
        _protected_fit(whole, brief, 850, protect=True))


def test_a_clear_answer_too_large_to_be_whole_is_compressed_first() -> None:
    # cobra, "how does ExecuteC find the command to run" at 16k: command.go (15,795 tokens,
    # compressed 3,170) ended a 211-token map entry, completions.go (next best, at 0.54 of
    # its score) whole: what the plain digest showed compressed, the question showed less
    whole = {"big.py": 2000, "next.py": 500, "p1.py": 200, "p2.py": 200}
    compressed = {"big.py": 400}
    entries = {"big.py": 60, "next.py": 40, "p1.py": 50, "p2.py": 50}
    shown = _protected_fit(whole, entries, 1000, protect=True, compressed=compressed)
    assert shown.get("big.py") is None and shown["next.py"] == "full"
    shown = _protected_fit(whole, entries, 1000, protect=True, lead="big.py",
                           compressed=compressed)
    assert shown["big.py"] == "compressed" and shown.get("next.py") != "full"


def test_a_clear_answer_needs_a_clear_margin() -> None:
    documents = [_document(path, 10) for path in ("a.py", "b.py", "c.py")]
    scores = {"a.py": 1.0, "b.py": CLEAR_MARGIN, "c.py": 0.1}
    assert clear_answer(documents, scores.__getitem__) == documents[0]
    scores["b.py"] = CLEAR_MARGIN + 0.01  # a close second: no clear answer
    assert clear_answer(documents, scores.__getitem__) is None
    assert clear_answer(documents, dict.fromkeys(scores, 0.0).__getitem__) is None
    assert clear_answer(documents[:1], scores.__getitem__) is None


def test_a_refill_that_overshoots_asks_less_of_the_next_one() -> None:
    # each kept file adds 10 tokens of frame (its tree line) beyond its block: the refill
    # took x (25, fits the 30 left by its block, not with its line) and dropped it again,
    # round after round, leaving the room unused (numpy, --focus, 599 of 4,000 tokens);
    # y (15 + 10) fits
    documents = [_document(path, tokens) for path, tokens in
                 (("a.py", 300), ("x.py", 25), ("y.py", 15))]
    result = fit(documents, 440, lambda kept, cut: 100 + 10 * len(kept),
                 key=lambda d: documents.index(d))
    assert [d.path for d in result.kept] == ["a.py", "y.py"]
    assert result.tokens == 435


def test_a_refill_that_only_raised_views_leaves_no_credit() -> None:
    # flask at 64,000: a refill raised views only (the same files kept, 2 tokens under the
    # budget); counting that as an overshoot of -2 gave the next refill 4 tokens instead of
    # 2, and the file it added pushed flask/__init__.py out
    from gitdigest.plan.fit import _overshot

    kept = {1: _document("a.py", 10), 2: _document("b.py", 10)}
    assert _overshot(kept, dict(kept), -2) == 0
    assert _overshot(kept, dict(kept), 5) == 5
    assert _overshot(kept, {1: kept[1]}, 5) == 0  # the refill kept a file: no overshoot
    assert _overshot(kept, None, 5) == 0
