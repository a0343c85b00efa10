"""The text layout's Skipped section: every left-out path, one line each, counted exactly."""

from __future__ import annotations

from gitdigest import digest
from gitdigest.core.layout import BRIEF_PATH, TRAILER, brief_path, skipped_section
from gitdigest.core.records import Skipped
from gitdigest.count.tokens import TokenCounter

from .conftest import MakeRepo


def test_section_lists_path_reason_and_rule() -> None:
    section = skipped_section([Skipped("build/", "ignored", ".gitignore:1:build/ (3 files)"),
                               Skipped("a\nb.bin", "binary")])
    assert section.splitlines() == [
        "=" * 48, "SKIPPED: 2 paths", "=" * 48,
        "build/ (ignored: .gitignore:1:build/ (3 files))",
        '"a\\nb.bin" (binary)',  # a name cannot forge a line of its own
        "",
    ]
    assert section.endswith("\n\n") and skipped_section([]) == ""


def test_text_digest_ends_with_skipped_then_trailer(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "print(1)\n", "logo.png": b"\x89PNG", "blob.dat": b"\0\1\2" * 9,
                      ".gitignore": "*.log\n", "x.log": "noise\n"})
    result = digest(str(root))
    text = result.render("text")
    tail = text.split("FILE: a.py\n", 1)[1]
    assert tail.endswith("SKIPPED: 3 paths\n" + "=" * 48 + "\nblob.dat (binary: "
                         + result.skipped[0].detail + ")\nlogo.png (ignored: default:*.png)\n"
                         "x.log (ignored: .gitignore:1:*.log)\n\n" + TRAILER)
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens


def test_budgeted_digest_lists_cut_files_and_stays_within(make_repo: MakeRepo) -> None:
    # prose has no compressed or map view: a file that does not fit whole is cut
    files = {f"docs/m{i}.md": f"Step {i} of the guide.\n" * (10 + i) for i in range(12)}
    root = make_repo(files)
    counter = TokenCounter("o200k_base")
    for budget in (600, 800, 1000):
        result = digest(str(root), max_tokens=budget)
        text = result.render("text")
        assert counter.count(text) == result.summary.tokens <= budget
        cut = [s.path for s in result.skipped if s.reason == "budget"]
        assert cut
        if result.shape.brief_skipped:  # listing them would take over 10% of the budget
            assert f"\nbudget: {len(cut)} paths: " in text
        else:
            assert all(f"\n{path} (budget: " in text for path in cut)


def test_the_runs_own_output_is_not_listed(make_repo: MakeRepo) -> None:
    """A first run and a re-run into the same file give the same text and the same count."""
    root = make_repo({"a.py": "a\n"})
    target = root / "out.txt"
    first = digest(str(root), output=str(target))
    first.write(str(target))
    again = digest(str(root), output=str(target))
    assert [s.path for s in again.skipped] == ["out.txt"]  # JSON still names it
    assert again.render("text") == first.render("text") and "SKIPPED" not in first.render()
    assert again.summary.tokens == first.summary.tokens


def test_a_brief_skipped_line_cuts_long_paths_in_the_middle() -> None:
    long = "/".join(f"{letter * 200}" for letter in "abcdefghijklmnop") + "/end.bin"
    assert brief_path("short/path.py") == "short/path.py"
    cut = brief_path(long)
    assert len(cut) == BRIEF_PATH - 1 and cut.startswith("aaa") and cut.endswith("end.bin")
    text = skipped_section([Skipped(long, "binary")] * 3, brief=True)
    assert long not in text and text.count("…") >= 3


def test_paths_thousands_of_characters_long_cannot_outgrow_a_budget(make_repo: MakeRepo) -> None:
    # an attacker's tree of 15 folders of 250 characters each: three such paths per reason
    # made the smallest frame 14,035 tokens, so budgets of 4,000 and 8,000 exited 2
    deep = "/".join(f"{letter}{'x' * 249}" for letter in "abcdefghijklmno")
    files: dict[str, str | bytes] = {f"{deep}/blob{i}.bin": b"\0\1\2" * 50 for i in range(3)}
    files |= {f"{deep}/big{i}.txt": "words and more words\n" * 2000 for i in range(3)}
    root = make_repo({"README.md": "# deep\n", **files})
    out = root.parent / "deep.txt"
    result = digest(str(root), max_tokens=4000)
    result.write(str(out))
    assert TokenCounter("o200k_base").count(out.read_text()) <= 4000
