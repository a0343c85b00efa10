"""The Python API's keywords are typed from the option declarations: the generated TypedDict
is current, and mypy rejects a misspelt keyword or a wrong value."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gitdigest import Options
from gitdigest.keywords import DigestOptions
from gitdigest.options import render_keywords

KEYWORDS = Path(__file__).parent.parent / "gitdigest" / "keywords.py"
REGENERATE = ("python -c \"from gitdigest.options import render_keywords as r; "
              "print(r(), end='')\" > gitdigest/keywords.py")


def test_the_keyword_types_are_generated_from_the_declarations() -> None:
    assert KEYWORDS.read_text(encoding="utf-8") == render_keywords(), \
        f"gitdigest/keywords.py is stale; regenerate it: {REGENERATE}"


def test_every_option_but_the_source_is_a_keyword() -> None:
    names = {item.name for item in dataclasses.fields(Options)} - {"source"}
    assert set(DigestOptions.__annotations__) == names


def test_mypy_rejects_a_misspelt_keyword_and_a_wrong_value(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    script = tmp_path / "use.py"
    script.write_text(
        "import gitdigest\n"
        'gitdigest.digest(".", max_tokens=5, include=["src/"], max_size="2MB", log=True)\n'
        'gitdigest.digest(".", max_tokns=5)\n'
        'gitdigest.digest(".", format="jsn")\n', encoding="utf-8")
    out, _, status = api.run([str(script), "--no-incremental", "--follow-imports=silent",
                              "--cache-dir", str(tmp_path / "cache")])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1
    assert [line.split(":")[1] for line in errors] == ["3", "4"], out
    assert "max_tokns" in errors[0] and "jsn" in errors[1]
