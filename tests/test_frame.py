"""The frame (prompt, notes, summary, tree and trailer) is measured exactly, from the cache or
not, and marks what a budget cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitdigest.core.layout import TRAILER, skipped_section
from gitdigest.core.records import Document, Entry, FrameShape, Prologue, SourceInfo
from gitdigest.count.cache import TokenCache
from gitdigest.count.tokens import TokenCounter
from gitdigest.plan.frame import CUT_MARK, Frame

INFO = SourceInfo(kind="local", location=".", name="repo", commit="c" * 40, is_git=True)


def _doc(path: str) -> Document:
    return Document(Entry(path, "file", 10), 10, 3, 20, "utf-8")


def test_measure_is_the_exact_count_of_preamble_and_trailer(tmp_path: Path) -> None:
    counter = TokenCounter("o200k_base")
    kept, cut = [_doc("a.py"), _doc("src/b.py")], [_doc("src/c.py")]
    shown = [Entry("link", "symlink", target="a.py")]
    cache = TokenCache(tmp_path / "cache.sqlite")
    try:
        frame = Frame(INFO, Prologue("Review this."), shown, counter, cache=cache)
        section = skipped_section(frame.skipped_for(cut))  # the cut file is listed as skipped
        # the file's own tokens, as the summary counts them, not its block's (20)
        assert "src/c.py (budget: 3 tokens did not fit" in section
        expected = counter.count(frame.text(kept, cut) + section + TRAILER)
        assert frame.measure(kept, cut) == expected
        again = Frame(INFO, Prologue("Review this."), shown, counter, cache=cache)
        assert again.measure(kept, cut) == expected  # from the cache this time
        assert frame.measure(kept, []) != expected
    finally:
        cache.close()


def test_tree_marks_cut_files_and_shows_links() -> None:
    frame = Frame(INFO, Prologue(), [Entry("link", "symlink", target="a.py")],
                  TokenCounter("o200k_base"))
    tree = frame.tree([_doc("a.py")], [_doc("src/c.py")])
    assert tree == ("└── repo/\n    ├── a.py\n    ├── link -> a.py\n    └── src/\n"
                    f"        └── c.py{CUT_MARK}\n")
    single = Frame(INFO, Prologue(), [], TokenCounter("o200k_base"), single_file=True)
    assert single.tree([_doc("a.py")]) == "└── a.py\n"


def test_a_folding_tree_gives_up_what_is_not_shown_before_a_shown_line() -> None:
    counter = TokenCounter("o200k_base")
    documents = [_doc(f"notes_{i:02}.md") for i in range(30)]
    documents += [_doc(f"src/pkg/{name}.py") for name in ("core", "helpers", "models")]
    documents += [_doc(f"src/pkg/extra_{i:02}.py") for i in range(20)]
    kept = [d for d in documents if d.path.startswith("src/pkg/") and "extra" not in d.path]
    cut = [d for d in documents if d not in kept]
    tiers = {"src/pkg/core.py": 0, "src/pkg/helpers.py": 1, "src/pkg/models.py": 1}
    why = {"src/pkg/core.py": "focus", "src/pkg/helpers.py": "imported by src/pkg/core.py",
           "src/pkg/models.py": "imported by src/pkg/core.py"}
    frame = Frame(INFO, Prologue(), [], counter, why=why, tiers=tiers)

    def drawn(room: int) -> tuple[str, FrameShape]:
        frame.reshape(FrameShape(depth=1, fold=True, room=room), documents)
        return frame.tree(kept, cut), frame.shape_for(kept, cut)

    tree, shape = drawn(10_000)  # room for every line: only folders with nothing shown fold
    assert "notes_00.md [over budget]" in tree and shape.folded == 1 and not shape.unlisted
    tree, shape = drawn(120)  # the top's 30 notes are one line; every shown file keeps its own
    assert "    └── 30 more files (90 tokens, none shown)\n" in tree and "notes_00" not in tree
    assert "core.py [focus]" in tree and "models.py [imported by src/pkg/core.py]" in tree
    assert counter.count(tree) <= 120 and shape.folded > 1 and not shape.unlisted
    assert "2 levels" not in " ".join(shape.notes)
    tree, shape = drawn(70)  # no room for all three: the focused file keeps its line first
    assert "core.py [focus]" in tree and "helpers.py" not in tree and shape.unlisted == 2
    assert counter.count(tree) <= 70 and "2 shown files have no line" in shape.notes[0]
    assert frame.text(kept, cut).count("2 shown files have no line") == 1  # in the summary
    # with nothing kept the planner's first guess is the depth tree, and the note says so
    frame.reshape(FrameShape(depth=1, fold=True, room=50), documents)
    assert frame.tree([], documents).endswith("    └── src/ (23 files, 69 tokens)\n")
    assert frame.shape_for([], documents).notes[0].startswith(
        "tree shortened to fit the budget: every folder 1 level down is one line")


def test_the_change_sections_are_part_of_the_measured_frame() -> None:
    from gitdigest.core.layout import change_sections
    from gitdigest.core.records import Commit, Diff, FileChange, History

    counter = TokenCounter("o200k_base")
    diff = Diff("main...topic", "b" * 40, "c" * 40, (FileChange("a.py", "modified", 1, 1),),
                "diff --git a/a.py b/a.py\n-x\n+y\n")
    history = History("main...topic", (Commit("c" * 40, "2024-01-02", "Ann", "Fix", ("a.py",)),))
    sections = change_sections(diff, history)
    frame = Frame(INFO, Prologue(), [], counter, sections=sections,
                  why={"a.py": "changed"}, context=["b.py"])
    kept = [_doc("a.py")]
    text = frame.text(kept)
    assert text.endswith(sections) and "a.py [changed]" in text and "b.py" in text
    assert frame.measure(kept, []) == counter.count(text + TRAILER)
    assert frame.measure(kept, []) > counter.count(sections)


def test_the_frame_is_hashed_in_slices_as_if_joined(monkeypatch: pytest.MonkeyPatch) -> None:
    """The frame's cache key hashes its parts a slice at a time without joining them: the key
    must be the joined text's (caches written before stay valid), whatever falls on a cut."""
    import hashlib

    from gitdigest.core import records

    monkeypatch.setattr(records, "_HASH_SLICE", 3)
    parts = ("Directory structure:\n", "└── répo/\n    ├── 语.py\n    └── \udcff.py\n", "\nEND")
    joined = "".join(parts).encode("utf-8", "surrogateescape")
    assert records.text_sha256(*parts) == hashlib.sha256(joined).hexdigest()
