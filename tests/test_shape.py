"""The frame gives way under a budget: the tree folds the folders with no file shown (then the
deepest folders), the Skipped
section becomes counts by reason, the summary says so, and the digest stays within budget by
an exact recount, down to a few thousand tokens on a 20,000-file tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitdigest import BudgetTooSmall, digest
from gitdigest.core.layout import skipped_section
from gitdigest.core.records import FrameShape, Skipped
from gitdigest.count.tokens import TokenCounter
from gitdigest.plan.tree import UNREAD, draw_tree

from .conftest import MakeRepo

COUNTER = TokenCounter("o200k_base")
LEAVES = [("top.py", "top.py"), ("a/one.py", "one.py"), ("a/b/two.py", "two.py"),
          ("a/b/c/three.py", "three.py"), ("a/b/c/four.py", "four.py"), ("d/five.py", "five.py")]
SIZES = {"top.py": 1, "a/one.py": 10, "a/b/two.py": 100, "a/b/c/three.py": 1000,
         "a/b/c/four.py": 2000, "d/five.py": 5}


def test_the_tree_collapses_deepest_folders_first() -> None:
    def at(depth: int | None) -> str:
        return draw_tree("repo", LEAVES, depth, SIZES.__getitem__)

    assert at(None) == at(4)  # nothing is that deep
    assert at(3) == ("└── repo/\n    ├── top.py\n    ├── a/\n    │   ├── one.py\n"
                     "    │   └── b/\n    │       ├── two.py\n"
                     "    │       └── c/ (2 files, 3,000 tokens)\n"
                     "    └── d/\n        └── five.py\n")
    assert at(2) == ("└── repo/\n    ├── top.py\n    ├── a/\n    │   ├── one.py\n"
                     "    │   └── b/ (3 files, 3,100 tokens)\n    └── d/\n        └── five.py\n")
    assert at(1) == ("└── repo/\n    ├── top.py\n    ├── a/ (4 files, 3,110 tokens)\n"
                     "    └── d/ (1 file, 5 tokens)\n")
    assert at(0) == "└── repo/ (6 files, 3,116 tokens)\n"
    # links and submodules are drawn, not counted as files
    linked = draw_tree("repo", [*LEAVES, ("d/link", "link -> x")], 1, SIZES.get)
    assert linked.endswith("    └── d/ (1 file, 5 tokens)\n")


def test_a_brief_skipped_section_counts_by_reason_with_the_first_paths() -> None:
    skipped = [Skipped(f"src/m{i}.py", "budget", "did not fit") for i in range(5)]
    skipped += [Skipped("logo.png", "binary"), Skipped("digest.txt", "excluded",
                                                        "the digest's own output file")]
    text = skipped_section(skipped, brief=True)
    assert text.splitlines()[1:] == [
        "SKIPPED: 6 paths, by reason (first paths shown)", "=" * 48,
        "budget: 5 paths: src/m0.py, src/m1.py, src/m2.py, …", "binary: 1 path: logo.png", ""]


def test_folders_with_no_file_shown_fold_at_their_highest_level() -> None:
    shown = {"a/b/two.py"}
    tree = draw_tree("repo", LEAVES, None, SIZES.__getitem__, shown)
    # a/ and a/b/ hold a shown file: open, their other files listed; c/ and d/ one line each
    assert tree == ("└── repo/\n    ├── top.py\n    ├── a/\n    │   ├── one.py\n"
                    "    │   └── b/\n    │       ├── two.py\n"
                    "    │       └── c/ (2 files, 3,000 tokens, none shown)\n"
                    "    └── d/ (1 file, 5 tokens, none shown)\n")
    # with a depth too, a shown file deeper than it is folded away with its folder, which
    # says so
    assert draw_tree("repo", LEAVES, 1, SIZES.__getitem__, {"d/five.py"}) == (
        "└── repo/\n    ├── top.py\n    ├── a/ (4 files, 3,110 tokens, none shown)\n"
        "    └── d/ (1 file, 5 tokens, 1 shown)\n")
    assert draw_tree("repo", LEAVES, None, SIZES.__getitem__, set()) == (
        "└── repo/ (6 files, 3,116 tokens, none shown)\n")


def test_a_collapsed_folder_counts_the_files_only_the_tree_lists() -> None:
    # --focus/--changed: files outside the chosen set are listed, not read (no tokens)
    def tokens(path: str) -> int:
        return SIZES[path] if path.startswith("a/b/c/") else UNREAD

    assert draw_tree("repo", LEAVES, 1, tokens).endswith(
        "    ├── a/ (4 files, 3,000 tokens in the 2 read, 2 not read)\n"
        "    └── d/ (1 file, not read)\n")
    assert draw_tree("repo", LEAVES, None, tokens, {"top.py"}).endswith(
        "    └── d/ (1 file, not read, none shown)\n")


def test_notes_say_each_step() -> None:
    shape = FrameShape(depth=2, brief_skipped=True, fold=True, room=100, folded=1)
    whole = " (N files, T tokens: what showing them whole would cost)"
    assert shape.notes[0] == ("tree shortened to fit the budget: each folder with no file "
                              "shown is one line" + whole)
    assert shape.notes[1].startswith("Skipped list summarised by reason")
    assert FrameShape(fold=True, folded=2).notes[0].endswith(
        "one line, and so are the other files of each open folder" + whole)
    assert FrameShape(fold=True, folded=3, unlisted=2).notes[0] == (
        "tree shortened to fit the budget: all that a folder holds and the digest does not "
        "show is one line; 2 shown files have no line either (no room: the most important "
        "keep theirs)" + whole)
    assert FrameShape(depth=1).notes[0].startswith(
        "tree shortened to fit the budget: every folder 1 level down is one line")
    assert FrameShape().notes == []


def _generate(root: Path, count: int = 20_000) -> None:
    """A deep tree written directly (no git): 10 packages x 10 x 10 folders x 20 files."""
    for index in range(count):
        folder = (root / f"pkg{index // 2000}" / f"sub{index // 200 % 10}"
                  / f"leaf{index // 20 % 10}")
        if index % 20 == 0:
            folder.mkdir(parents=True)
        if index % 10 == 0:
            (folder / f"mod{index}.py").write_text(f"def function_{index}(value):\n"
                                                   f"    return value * {index}\n")
        else:
            (folder / f"notes{index}.txt").write_text(f"Notes about part {index}.\n")
    (root / "README.md").write_text("# Generated\n\nA tree of 20,000 files.\n")


@pytest.fixture(scope="module")
def large_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("large") / "large"
    root.mkdir()
    _generate(root)
    return root


@pytest.mark.parametrize("budget", [4000, 8000, 16000])
def test_a_20000_file_tree_fits_small_budgets(large_tree: Path, budget: int) -> None:
    result = digest(str(large_tree), max_tokens=budget, format="json")
    text = result.render("text")
    assert COUNTER.count(text) == result.summary.tokens <= budget
    assert result.files and result.files[0].path == "README.md"
    assert result.shape.brief_skipped and result.shape.depth is not None
    head = text.split("Directory structure:")[0]
    assert "Note: tree shortened to fit the budget" in head
    # the tree never takes more than its room, whatever the budget kept
    assert result.shape.fold and COUNTER.count(result.tree) <= result.shape.room
    assert "Note: Skipped list summarised by reason" in head
    assert f"budget: {20_001 - len(result.files):,} paths: " in text
    # the JSON digest shows the same files and tree, says the same, and lists every path
    data = json.loads(result.render())
    assert [f["path"] for f in data["files"]] == [d.path for d in result.files]
    assert data["tree"] == result.tree and data["summary"]["tokens"] <= budget
    assert data["budget_notes"] == result.shape.notes
    assert len(data["skipped"]) == 20_001 - len(result.files)
    assert {s["path"] for s in data["skipped"]} | {d.path for d in result.files} == {
        p.relative_to(large_tree).as_posix() for p in large_tree.rglob("*") if p.is_file()}


def test_every_format_shows_the_shaped_frame(large_tree: Path) -> None:
    result = digest(str(large_tree), max_tokens=6000)
    markdown, xml = result.render("markdown"), result.render("xml")
    assert "- Note: tree shortened to fit the budget" in markdown and "paths: `" in markdown
    assert "<note>tree shortened to fit the budget" in xml
    assert '<reason name="budget" paths="' in xml
    assert len(markdown) < 60_000 and len(xml) < 60_000  # not one line per skipped path


def test_a_tree_that_fits_stays_whole(make_repo: MakeRepo) -> None:
    root = make_repo({f"src/m{i}.py": f"X{i} = {i}\n" * 50 for i in range(6)})
    result = digest(str(root), max_tokens=600)
    assert result.shape == FrameShape() and "[over budget]" in result.tree
    assert COUNTER.count(result.render("text")) == result.summary.tokens <= 600


def test_only_a_frame_too_large_to_shrink_fails(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": "hello\n"})
    with pytest.raises(BudgetTooSmall, match="smaller than the digest's frame"):
        digest(str(root), max_tokens=20, header="Read this carefully. " * 40)


def test_split_parts_and_stats_of_a_shaped_digest(large_tree: Path, tmp_path: Path) -> None:
    from gitdigest.render import split, stats

    result = digest(str(large_tree), max_tokens=8000)
    names = split.write_parts(result, 3000, str(tmp_path / "d.txt"))
    texts = [Path(name).read_text(encoding="utf-8") for name in names]
    assert len(texts) > 1 and all(COUNTER.count(text) <= 3000 for text in texts)
    assert "Note: tree shortened to fit the budget" in texts[0] and "\nbudget: " in texts[0]
    listed = json.loads(stats.render_json(result))["skipped"]  # --stats lists every path
    assert len(listed) == len(result.skipped) == 20_001 - len(result.files)
    assert f"Skipped ({len(result.skipped):,} paths)" in stats.render_text(result)


def test_every_kept_file_keeps_its_line_while_the_rest_fold(make_repo: MakeRepo) -> None:
    files = {f"docs/part{i}/page{j}.rst": f"Page {i}.{j}\n\n" + "Words and more words. " * 60
             for i in range(6) for j in range(8)}
    files.update({f"src/pkg/m{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(5)})
    files["README.md"] = "# Project\n"
    root = make_repo(files)
    result = digest(str(root), max_tokens=2500)
    assert result.shape.fold and COUNTER.count(result.render("text")) <= 2500
    kept = {d.path for d in result.files}
    assert {f"src/pkg/m{i}.py" for i in range(5)} <= kept
    for part in range(6):  # a part with nothing kept is one line; its pages are not listed
        folded = not any(path.startswith(f"docs/part{part}/") for path in kept)
        assert (f"part{part}/ (8 files, " in result.tree) == folded
    assert "[over budget]" in result.tree and "none shown)" in result.tree
    for path in kept:  # each kept file has its own line
        assert f" {path.rpartition('/')[2]}\n" in result.tree


def test_a_focused_digest_keeps_the_shown_files_lines_and_folds_the_top(
        make_repo: MakeRepo) -> None:
    # as on flask: the tree had folded to depth 1, `src/ (28 files, …)`, so the shown files
    # lost their lines and [focus] labels while 30 top-level files outside the focus kept theirs
    files: dict[str, str | bytes] = {
        f"notes_{i:02}.md": f"# Note {i}\n\n" + "Some words about the project. " * 20
        for i in range(30)}
    files.update({f"src/pkg/extra_{i:02}.py": f"def extra_{i}(x):\n    return x * {i}\n"
                  for i in range(25)})
    files.update({f"docs/page_{i:02}.md": f"Page {i}\n" + "Text. " * 50 for i in range(20)})
    files["src/pkg/core.py"] = "from pkg.helpers import helper\nfrom pkg.models import Model\n\n" \
        + "".join(f"def run_{i}(x):\n    return helper(Model(x)) + {i}\n\n" for i in range(40))
    files["src/pkg/helpers.py"] = "def helper(x):\n    return x\n"
    files["src/pkg/models.py"] = "class Model:\n    def __init__(self, x):\n        self.x = x\n"
    root = make_repo(files)
    for budget in (1500, 2500):
        result = digest(str(root), focus=["src/pkg/core.py"], max_tokens=budget)
        text = result.render("text")
        assert COUNTER.count(text) == result.summary.tokens <= budget
        assert {d.path for d in result.files} == {
            "src/pkg/core.py", "src/pkg/helpers.py", "src/pkg/models.py"}
        assert "    │       ├── core.py [focus]\n" in result.tree
        assert "    │       ├── helpers.py [imported by src/pkg/core.py]\n" in result.tree
        assert "    │       ├── models.py [imported by src/pkg/core.py]\n" in result.tree
        # the files outside the focus give way first: the top's 30 notes are one line
        assert "notes_00.md" not in result.tree
        assert result.tree.endswith("    └── 30 more files (not read, none shown)\n")
        assert "    │       └── 25 more files (not read, none shown)\n" in result.tree
        assert result.shape.folded == 2 and not result.shape.unlisted
        assert COUNTER.count(result.tree) <= result.shape.room
