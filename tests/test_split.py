"""--split-tokens: every part within N tokens, every file in exactly one part."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitdigest import Options, UsageError, digest
from gitdigest.api import write_digest
from gitdigest.core.layout import TRAILER
from gitdigest.count.tokens import TokenCounter
from gitdigest.render.split import part_names

from .conftest import MakeRepo

FILES = {f"src/m{i:02}.py": f"def f{i}():\n    return {i}\n" * (5 + 7 * i) for i in range(12)}
FILES["big/huge.txt"] = "".join(f"line {n} of a long log file\n" for n in range(3000))
FILES["big/oneline.min.txt"] = "token " * 3000


def _reassemble(parts: list[str]) -> dict[str, str]:
    files: dict[str, str] = {}
    block = re.compile(r"^={48}\nFILE: (.+?)( \(continued\))?\n={48}\n(.*?)\n\n"
                       r"(?=={48}\nFILE: |\Z)", re.S | re.M)
    for text in parts:
        assert text.endswith(TRAILER)
        for path, continued, content in block.findall(text.removesuffix(TRAILER)):
            if continued:
                files[path] += content
            else:
                assert path not in files, f"{path} appears twice"
                files[path] = content
    return files


@pytest.mark.parametrize("limit", [2500, 6000])
def test_parts_fit_and_hold_every_file_once(make_repo: MakeRepo, tmp_path: Path,
                                            limit: int) -> None:
    root = make_repo(FILES)
    _, written = write_digest(Options(source=str(root), split_tokens=limit,
                                           output=str(tmp_path / "digest.txt")))
    assert written == part_names(str(tmp_path / "digest.txt"), len(written))
    assert written[0].endswith("digest.1.txt") and len(written) > 2
    counter = TokenCounter("o200k_base")
    texts = [Path(name).read_text(encoding="utf-8") for name in written]
    for index, text in enumerate(texts, start=1):
        assert counter.count(text) <= limit
        assert f"Part: {index} of {len(texts)}\n" in text
    assert "Directory structure:" in texts[0]
    assert _reassemble(texts) == FILES  # line-split and character-split files come back whole


def test_split_needs_a_file(make_repo: MakeRepo) -> None:
    with pytest.raises(UsageError, match="-o FILE"):
        write_digest(Options(source=str(make_repo(FILES)), split_tokens=5000, output="-"))


def test_split_too_small_for_the_tree(make_repo: MakeRepo, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="too small"):
        write_digest(Options(source=str(make_repo(FILES)), split_tokens=20,
                             output=str(tmp_path / "d.txt")))


def test_part_names() -> None:
    assert part_names("out/digest.txt", 2) == ["out/digest.1.txt", "out/digest.2.txt"]
    assert part_names("digest", 1) == ["digest.1"]


def test_part_one_may_hold_only_the_summary_and_tree(make_repo: MakeRepo,
                                                    tmp_path: Path) -> None:
    root = make_repo({"a.py": "x = 1\n" * 60, "b.py": "y = 2\n" * 60})
    header_only = digest(str(root)).summary.tokens - sum(
        d.block_tokens for d in digest(str(root)).files)
    limit = header_only + 60  # the summary fits, a whole file beside it does not
    written = write_digest(Options.create(source=str(root), split_tokens=limit,
                                          output=str(tmp_path / "d.txt")))[1]
    texts = [Path(name).read_text() for name in written]
    assert "FILE:" not in texts[0] and "Directory structure:" in texts[0]
    assert all(TokenCounter("o200k_base").count(text) <= limit for text in texts)
    assert sorted(_reassemble(texts)) == ["a.py", "b.py"]
