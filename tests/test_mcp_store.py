"""Stored results: pages never exceed the cap and put together give the text back; files are
found by path, grep matches by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitdigest.core.errors import UsageError
from gitdigest.core.layout import block_head
from gitdigest.count.tokens import TokenCounter
from gitdigest.mcp_server.store import Store, text_spans

COUNTER = TokenCounter("o200k_base")


def _digest() -> tuple[str, dict[str, str]]:
    files = {"a.py": "".join(f"alpha_{i} = {i}\n" for i in range(400)),
             "b/c.py": "needle = 1\nother = 2\n",
             "long.txt": "x" * 5000 + "\n"}
    text = "Source: r\n\n" + "".join(block_head(p) + t + "\n\n" for p, t in files.items())
    return text, files


def test_pages_fit_the_cap_and_add_up_to_the_text(tmp_path: Path) -> None:
    store = Store(COUNTER, 300, tmp_path)
    text, files = _digest()
    stored = store.put(text, "t", files, text_spans(text, list(files)))
    pages, start = [], 1
    while True:
        page = store.page(stored, start)
        assert page.tokens <= 300 and COUNTER.count(page.text) == page.tokens
        pages.append(page.text)
        if page.end >= page.total:
            break
        start = page.end + 1
    # the one line longer than the cap is cut inside the line, and said to be cut
    assert "".join(pages) != text and len(pages) > 3
    long_line = next(i for i, line in enumerate(text.splitlines()) if line.startswith("xxx"))
    cut = store.page(stored, long_line + 1, long_line + 1)
    assert cut.cut and cut.text == "x" * len(cut.text)


def test_files_spans_and_grep(tmp_path: Path) -> None:
    store = Store(COUNTER, 2000, tmp_path)
    text, files = _digest()
    stored = store.put(text, "t", files, text_spans(text, list(files)))
    assert store.read_file(stored, "b/c.py") == "needle = 1\nother = 2\n"
    with pytest.raises(UsageError, match=r"did you mean b/c\.py"):
        store.read_file(stored, "c.py")
    blocks, total = store.grep(stored, r"^needle", 1, 10)
    assert total == 1
    assert blocks[0].splitlines()[0].endswith("(b/c.py:1)")
    line = int(blocks[0].split()[1])
    assert text.splitlines()[line - 1] == "needle = 1"
    assert store.get(stored.id).tokens == COUNTER.count(text)
    assert [s.id for s in store.recent()] == [stored.id]


def test_a_file_not_named_in_utf8_is_read_by_the_name_it_was_given(tmp_path: Path) -> None:
    # the structured answer names it with U+FFFD and the text digest escaped; the store kept
    # the real name, so read_digest(path=...) found neither
    store = Store(COUNTER, 2000, tmp_path)
    text = "FILE: \"bad\\xff.py\"\nx = 1\n"
    stored = store.put(text, "t", {"bad\udcff.py": "x = 1\n"})
    assert store.read_file(stored, "bad\ufffd.py") == "x = 1\n"
    assert store.read_file(stored, '"bad\\xff.py"') == "x = 1\n"
    with pytest.raises(UsageError):
        store.read_file(stored, "bad.py")


def test_ids_cannot_name_other_files(tmp_path: Path) -> None:
    store = Store(COUNTER, 100, tmp_path / "store")
    (tmp_path / "secret.txt").write_text("x")
    for ident in ("../secret", "0" * 12, "ABCDEF012345", ""):
        with pytest.raises(UsageError, match="no stored digest"):
            store.get(ident)


def test_the_newest_are_kept(tmp_path: Path) -> None:
    store = Store(COUNTER, 100, tmp_path, keep=2)
    for n in range(4):
        store.put(f"text {n}\n", "t")
    assert len(list(tmp_path.glob("*.txt"))) == 2
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_a_backtracking_pattern_cannot_hold_the_server(tmp_path: Path) -> None:
    store = Store(COUNTER, 100, tmp_path, grep_timeout=1.0)
    stored = store.put("a" * 40 + "\n", "t")
    with pytest.raises(UsageError, match="took longer than 1 seconds; simplify it"):
        store.grep(stored, "(a|a)*b", 0, 10)


def test_lines_are_numbered_as_editors_do(tmp_path: Path) -> None:
    """A form feed or U+2028 inside a line starts no new line (str.splitlines would)."""
    store = Store(COUNTER, 1000, tmp_path)
    stored = store.put("one\x0cstill one\ntwo\u2028still two\nthree\n", "t")
    assert stored.lines == 3
    blocks, total = store.grep(stored, "^three$|^$", 0, 10)
    assert total == 1 and blocks[0].startswith("line 3\n")
    assert store.page(stored, 2, 2).text == "two\u2028still two\n"
