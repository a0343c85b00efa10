"""An earlier gitdigest output is never digested again, whatever options made it: every text,
Markdown and statistics output and every split part ends with the trailer, and JSON and XML are
known by their opening. Each is listed as skipped with its reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import digest
from gitdigest.core.layout import TRAILER

from ..conftest import MakeRepo

SOURCE = {"app.py": "def main():\n    return 42\n" * 40, "README.md": "# App\n\nHello.\n"}

# (arguments, output names they write)
RUNS = [
    (["-o", "out/plain.txt"], ["out/plain.txt"]),
    (["--header", "Review this.", "-o", "out/header.txt"], ["out/header.txt"]),
    (["--with-notes", "-o", "out/notes.txt"], ["out/notes.txt"]),
    (["--header", "Review.", "-f", "markdown", "-o", "out/header.md"], ["out/header.md"]),
    (["--with-notes", "-f", "xml", "-o", "out/notes.xml"], ["out/notes.xml"]),
    (["--header", "Hi", "-f", "json", "-o", "out/header.json"], ["out/header.json"]),
    (["--stats", "-o", "out/stats.txt"], ["out/stats.txt"]),
    (["--stats", "-f", "json", "-o", "out/stats.json"], ["out/stats.json"]),
    (["--split-tokens", "400", "-o", "out/part.txt"], ["out/part.1.txt", "out/part.2.txt"]),
]


def _gitdigest(root: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "gitdigest", ".", "-q", *args], cwd=root, check=True)


@pytest.mark.slow
@pytest.mark.parametrize(("args", "names"), RUNS, ids=[" ".join(a) for a, _ in RUNS])
def test_an_earlier_output_is_skipped(make_repo: MakeRepo, args: list[str],
                                      names: list[str]) -> None:
    root = make_repo(SOURCE)
    (root / "out").mkdir()
    _gitdigest(root, *args)
    for name in names:
        assert (root / name).exists()
    again = digest(str(root))
    assert sorted(d.path for d in again.files) == ["README.md", "app.py"]
    skipped = {s.path: (s.reason, s.detail) for s in again.skipped}
    for name in names:
        assert skipped[name] == ("excluded", "an earlier gitdigest output")


@pytest.mark.slow
def test_every_part_carries_the_trailer_and_fits(make_repo: MakeRepo) -> None:
    root = make_repo(SOURCE)
    _gitdigest(root, "--split-tokens", "300", "-o", "../parts.txt")
    parts = sorted(root.parent.glob("parts.*.txt"))
    assert len(parts) >= 3
    from gitdigest.count.tokens import TokenCounter

    counter = TokenCounter("o200k_base")
    for part in parts:
        text = part.read_text(encoding="utf-8")
        assert text.endswith(TRAILER)
        assert counter.count(text) <= 300


def test_the_trailer_is_counted_exactly(make_repo: MakeRepo) -> None:
    from gitdigest.count.tokens import TokenCounter

    result = digest(str(make_repo(SOURCE)), header="Summarise.")
    text = result.render("text")
    assert text.endswith(TRAILER)
    assert result.summary.tokens == TokenCounter("o200k_base").count(text)


def test_a_file_that_only_quotes_the_trailer_is_digested(make_repo: MakeRepo) -> None:
    quoting = f"Our outputs end with\n\n    {TRAILER}\nwhich tells them apart.\n"
    result = digest(str(make_repo({"docs.md": quoting})))
    assert [d.path for d in result.files] == ["docs.md"]
    assert json.loads(result.render("json"))["files"][0]["content"] == quoting
